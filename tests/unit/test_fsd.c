/*
 * test_fsd.c - the file server's RAM file system (user/lib/fstree.c)
 * on the host: files and directories, the permission checks of every
 * path operation for an unprivileged user (a sticky directory's too),
 * chmod's copy-and-replace (an open inode keeps its data and identity,
 * a new lookup finds the copy), inodes freed when their last connection
 * goes, and paths that try to confuse the walk.
 *
 * fsd.c turns requests into exactly these calls, so what is checked
 * here is what a client of the server gets, minus the rings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include "res.h"

#include "../../user/lib/fstree.c"

#define USER  1000 /* an unprivileged user, group 1000 */
#define OTHER 2000

/* Write s at off into ip, as fsd does with a FS_WRITE's data. */
static void put(struct inode *ip, u64 off, const char *s)
{
	u8 *p;
	assert_int_equal(fs_writeptr(ip, off, strlen(s), &p), 0);
	memcpy(p, s, strlen(s));
}

/* ip's bytes from off on, as a string (a static buffer). */
static const char *get(struct inode *ip, u64 off)
{
	static char buf[256];
	const u8 *p;
	u64 n = fs_readptr(ip, off, sizeof(buf) - 1, &p);
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

static struct inode *mk(const char *path, unsigned mode, int uid)
{
	struct inode *ip;
	assert_int_equal(fs_make(path, mode, uid, uid, &ip), 0);
	return ip;
}

static int setup(void **state)
{
	(void)state;
	fs_init();
	mk("/tmp", S_IFDIR | 0777, 0);
	mk("/home/user", S_IFDIR | 0755, USER);
	put(mk("/etc/secret", S_IFREG | 0600, 0), 0, "the secret");
	put(mk("/etc/motd", S_IFREG | 0644, 0), 0, "hello");
	mk("/private", S_IFDIR | 0700, 0);
	mk("/private/file", S_IFREG | 0644, 0);
	return 0;
}

static void create_write_read(void **state)
{
	(void)state;
	struct inode *ip, *again;
	assert_int_equal(fs_lookup("/tmp/a", USER, USER, O_CREAT | O_RDWR, 0640, &ip), 0);
	assert_int_equal(ip->mode, S_IFREG | 0640);
	assert_int_equal(ip->uid, USER);
	put(ip, 0, "hello world");
	assert_string_equal(get(ip, 6), "world");
	put(ip, 20, "x"); /* a hole, read as zeros */
	assert_int_equal(ip->size, 21);
	assert_int_equal(get(ip, 12)[0], '\0');
	assert_string_equal(get(ip, 100), ""); /* past the end: nothing */
	assert_int_equal(fs_lookup("/tmp/a", USER, USER, O_RDONLY, 0, &again), 0);
	assert_ptr_equal(again, ip);
	assert_int_equal(fs_lookup("/tmp/a", USER, USER, O_CREAT | O_EXCL | O_RDWR, 0640, &again),
			 -EEXIST);
	assert_int_equal(fs_lookup("/tmp/a", USER, USER, O_TRUNC | O_WRONLY, 0, &again), 0);
	assert_int_equal(ip->size, 0);
	assert_res(fs_lookup("/tmp/none", USER, USER, O_RDONLY, 0, &ip), -ENOENT);
	u8 *p;
	assert_res(fs_writeptr(ip, FS_FILE_MAX, 1, &p), -ENOSPC);
	assert_res(fs_writeptr(ip, ~0ull - 2, 8, &p), -ENOSPC); /* no wrap-around */
	assert_int_equal(fs_trunc(ip, 3), 0);
	assert_int_equal(ip->size, 3);
}

static void directories(void **state)
{
	(void)state;
	struct fs_stat st;
	struct inode *d, *ip;
	assert_int_equal(fs_mkdir("/tmp/d", USER, USER, 0755), 0);
	assert_res(fs_mkdir("/tmp/d", USER, USER, 0755), -EEXIST);
	assert_res(fs_mkdir("/tmp/d/e/f", USER, USER, 0755), -ENOENT);
	assert_int_equal(fs_lookup("/tmp/d/x", USER, USER, O_CREAT | O_WRONLY, 0644, &ip), 0);
	assert_res(fs_lookup("/tmp/d/x/y", USER, USER, O_CREAT, 0644, &ip), -ENOTDIR);
	assert_int_equal(fs_mkdir("/tmp/d/sub", USER, USER, 0755), 0);
	assert_int_equal(fs_stat("/tmp/d", USER, USER, &st), 0);
	assert_int_equal(st.mode, S_IFDIR | 0755);
	assert_int_equal(st.size, 2 * sizeof(struct fs_dirent));
	assert_int_equal(fs_lookup("/tmp/d", USER, USER, O_RDONLY, 0, &d), 0);
	const struct fs_dirent *e;
	assert_int_equal(fs_readdir(d, 0, 10, &e), 2);
	assert_string_equal(e[0].name, "x");
	assert_int_equal(e[0].mode, S_IFREG | 0644);
	assert_string_equal(e[1].name, "sub");
	assert_int_equal(e[1].mode, S_IFDIR | 0755);
	assert_int_equal(fs_readdir(d, 1, 10, &e), 1);
	assert_int_equal(fs_readdir(d, 2, 10, &e), 0);
	assert_res(fs_unlink("/tmp/d", USER, USER), -ENOTEMPTY);
	assert_int_equal(fs_unlink("/tmp/d/x", USER, USER), 0);
	assert_int_equal(fs_unlink("/tmp/d/sub", USER, USER), 0);
	assert_int_equal(fs_unlink("/tmp/d", USER, USER), 0);
	assert_res(fs_stat("/tmp/d", USER, USER, &st), -ENOENT);
	assert_res(fs_unlink("/", 0, 0), -EBUSY);
}

static void paths(void **state)
{
	(void)state;
	struct fs_stat st, motd;
	assert_int_equal(fs_stat("/etc/motd", 0, 0, &motd), 0);
	assert_int_equal(fs_stat("//etc/./motd", 0, 0, &st), 0);
	assert_int_equal(st.ino, motd.ino);
	assert_int_equal(fs_stat("/../../etc/../etc/motd/", 0, 0, &st), 0);
	assert_int_equal(st.ino, motd.ino);
	assert_int_equal(fs_stat("/etc/motd/..", 0, 0, &st), 0); /* by its text: /etc */
	assert_int_equal(st.mode & S_IFMT, S_IFDIR);
	assert_res(fs_stat("/etc/motd/x", 0, 0, &st), -ENOTDIR);
	char longname[80];
	memset(longname, 'a', sizeof(longname));
	longname[0] = '/';
	longname[79] = '\0';
	assert_res(fs_stat(longname, 0, 0, &st), -ENAMETOOLONG);
	char longpath[FS_PATH + 10];
	for (size_t i = 0; i < sizeof(longpath); i += 2)
		longpath[i] = '/', longpath[i + 1] = 'a';
	longpath[sizeof(longpath) - 1] = '\0';
	assert_res(fs_stat(longpath, 0, 0, &st), -ENAMETOOLONG);
	assert_int_equal(fs_stat("/", USER, USER, &st), 0);
	assert_int_equal(st.mode, S_IFDIR | 0755);
	assert_int_equal(fs_stat("", USER, USER, &st), 0); /* the root too */
}

/* What an unprivileged user may not do; root may. */
static void permissions(void **state)
{
	(void)state;
	struct inode *ip;
	struct fs_stat st;
	/* the kernel checks the mode on the answer: the server only answers */
	assert_int_equal(fs_lookup("/etc/secret", USER, USER, O_RDONLY, 0, &ip), 0);
	assert_int_equal(ip->mode, S_IFREG | 0600);
	/* ...but does not empty a file the open will be refused */
	assert_int_equal(fs_lookup("/etc/secret", USER, USER, O_TRUNC | O_WRONLY, 0, &ip), 0);
	assert_int_equal(ip->size, 10);
	assert_res(fs_lookup("/etc/x", USER, USER, O_CREAT | O_WRONLY, 0644, &ip), -EACCES);
	assert_res(fs_mkdir("/etc/d", USER, USER, 0755), -EACCES);
	assert_res(fs_unlink("/etc/motd", USER, USER), -EACCES);
	assert_res(fs_rename("/etc/motd", "/tmp/motd", USER, USER), -EACCES);
	assert_res(fs_stat("/private/file", USER, USER, &st), -EACCES);
	assert_res(fs_lookup("/private/file", USER, USER, O_RDONLY, 0, &ip), -EACCES);
	assert_res(fs_stat("/private/none", USER, USER, &st), -EACCES); /* not -ENOENT */
	assert_res(fs_chmod("/etc/motd", USER, USER, 0666), -EPERM);
	assert_res(fs_chown("/home/user", USER, USER, USER, USER), -EPERM);
	/* the group's bits count for the group, not the owner's */
	assert_int_equal(fs_mkdir("/tmp/g", OTHER, USER, 0070), 0);
	assert_int_equal(fs_lookup("/tmp/g/f", USER, USER, O_CREAT, 0644, &ip), 0);
	assert_res(fs_lookup("/tmp/g/f", OTHER, USER, O_RDONLY, 0, &ip), -EACCES);
	/* one's own home, and root anywhere */
	assert_int_equal(fs_mkdir("/home/user/d", USER, USER, 0700), 0);
	assert_res(fs_lookup("/home/user/d/f", OTHER, OTHER, O_RDONLY, 0, &ip), -EACCES);
	assert_int_equal(fs_stat("/private/file", 0, 0, &st), 0);
	assert_int_equal(fs_lookup("/etc/x", 0, 0, O_CREAT | O_WRONLY, 0600, &ip), 0);
	assert_int_equal(fs_chown("/etc/x", 0, 0, USER, -1), 0);
	assert_int_equal(fs_stat("/etc/x", 0, 0, &st), 0);
	assert_int_equal(st.uid, USER);
	assert_int_equal(st.gid, 0);
}

/* chmod while open: the holder keeps the old inode and its data. */
static void chmod_replaces(void **state)
{
	(void)state;
	struct inode *old, *now;
	struct fs_stat before, after, held;
	unsigned live = fs_ninodes();
	assert_int_equal(fs_lookup("/tmp/f", USER, USER, O_CREAT | O_RDWR, 0644, &old), 0);
	put(old, 0, "version one");
	fs_hold(old); /* a connection has it open */
	assert_int_equal(fs_stat("/tmp/f", USER, USER, &before), 0);
	assert_res(fs_chmod("/tmp/f", OTHER, OTHER, 0600), -EPERM);
	assert_int_equal(fs_chmod("/tmp/f", USER, USER, 0600), 0);
	assert_int_equal(fs_stat("/tmp/f", USER, USER, &after), 0);
	fs_statof(old, &held);
	assert_int_not_equal(after.ino, before.ino); /* a new identity */
	assert_int_equal(after.gen, before.gen + 1);
	assert_int_equal(held.ino, before.ino); /* the holder's is the old one */
	assert_int_equal(held.nlink, 0);
	assert_int_equal(held.mode, S_IFREG | 0644);
	assert_int_equal(after.mode, S_IFREG | 0600);
	assert_int_equal(fs_lookup("/tmp/f", USER, USER, O_RDWR, 0, &now), 0);
	assert_string_equal(get(now, 0), "version one"); /* copied */
	put(old, 0, "VERSION"); /* the holder writes its own, unlinked, copy */
	assert_string_equal(get(now, 0), "version one");
	assert_ptr_equal(fs_iget(before.ino), old);
	assert_int_equal(fs_ninodes(), live + 2);
	fs_put(old); /* its last connection goes: so does it */
	assert_null(fs_iget(before.ino));
	assert_int_equal(fs_ninodes(), live + 1);
	assert_int_equal(fs_unlink("/tmp/f", USER, USER), 0);
	assert_int_equal(fs_ninodes(), live);
}

/* A directory replaced by chmod keeps its entries under the new inode. */
static void chmod_directory(void **state)
{
	(void)state;
	struct inode *d, *ip;
	struct fs_stat st;
	assert_int_equal(fs_lookup("/home/user", USER, USER, O_RDONLY, 0, &d), 0);
	fs_hold(d);
	assert_int_equal(fs_lookup("/home/user/f", USER, USER, O_CREAT | O_WRONLY, 0644, &ip), 0);
	assert_int_equal(fs_chmod("/home/user", USER, USER, 0700), 0);
	assert_int_equal(fs_stat("/home/user/f", USER, USER, &st), 0);
	assert_int_equal(st.ino, ip->ino);
	assert_res(fs_stat("/home/user/f", OTHER, OTHER, &st), -EACCES);
	const struct fs_dirent *e;
	assert_int_equal(fs_readdir(d, 0, 10, &e), 0); /* the old one: empty, unlinked */
	fs_put(d);
	assert_int_equal(fs_chmod("/", 0, 0, 0711), 0);
	assert_int_equal(fs_stat("/etc/motd", USER, USER, &st), 0);
	assert_int_equal(fs_stat("/", USER, USER, &st), 0);
	assert_int_equal(st.mode, S_IFDIR | 0711);
}

static void unlink_open(void **state)
{
	(void)state;
	struct inode *ip;
	unsigned live = fs_ninodes();
	assert_int_equal(fs_lookup("/tmp/u", USER, USER, O_CREAT | O_RDWR, 0644, &ip), 0);
	put(ip, 0, "still here");
	fs_hold(ip);
	fs_hold(ip); /* two connections */
	assert_int_equal(fs_unlink("/tmp/u", USER, USER), 0);
	assert_string_equal(get(ip, 0), "still here");
	fs_put(ip);
	assert_int_equal(fs_ninodes(), live + 1);
	fs_put(ip);
	assert_int_equal(fs_ninodes(), live);
}

static void rename_cases(void **state)
{
	(void)state;
	struct inode *a, *b, *ip;
	struct fs_stat st;
	unsigned live = fs_ninodes();
	fs_lookup("/tmp/a", USER, USER, O_CREAT | O_RDWR, 0644, &a);
	fs_lookup("/tmp/b", USER, USER, O_CREAT | O_RDWR, 0644, &b);
	put(a, 0, "A");
	put(b, 0, "B");
	assert_int_equal(fs_rename("/tmp/a", "/tmp/b", USER, USER), 0); /* b replaced */
	assert_res(fs_stat("/tmp/a", USER, USER, &st), -ENOENT);
	assert_int_equal(fs_lookup("/tmp/b", USER, USER, O_RDONLY, 0, &ip), 0);
	assert_ptr_equal(ip, a);
	assert_int_equal(fs_ninodes(), live + 1); /* the old b is gone */
	assert_int_equal(fs_rename("/tmp/b", "/tmp/b", USER, USER), 0);
	assert_int_equal(fs_rename("/tmp/b", "/home/user/b", USER, USER), 0);
	assert_res(fs_rename("/home/user/b", "/tmp/none/b", USER, USER), -ENOENT);
	assert_int_equal(fs_mkdir("/tmp/d", USER, USER, 0755), 0);
	assert_int_equal(fs_mkdir("/tmp/d/e", USER, USER, 0755), 0);
	assert_res(fs_rename("/tmp/d", "/tmp/d/e/f", USER, USER), -EINVAL);
	assert_res(fs_rename("/home/user/b", "/tmp/d", USER, USER), -EISDIR);
	assert_res(fs_rename("/tmp/d/e", "/home/user/b", USER, USER), -ENOTDIR);
	assert_int_equal(fs_rename("/tmp/d/e", "/tmp/e", USER, USER), 0);
	assert_int_equal(fs_rename("/tmp/e", "/tmp/d", USER, USER), 0); /* onto an empty dir */
	assert_int_equal(fs_stat("/tmp/d", USER, USER, &st), 0);
	assert_res(fs_rename("/", "/tmp/x", 0, 0), -EBUSY);
	assert_int_equal(fs_unlink("/tmp/d", USER, USER), 0);
	assert_int_equal(fs_unlink("/home/user/b", USER, USER), 0);
	assert_int_equal(fs_ninodes(), live);
}

/* Many files: directories grow, and everything unlinked is freed. */
/* A sticky directory: writing it lets one create, not remove others' files. */
static void sticky(void **state)
{
	(void)state;
	mk("/st", S_IFDIR | S_ISVTX | 0777, OTHER); /* the directory's owner: OTHER */
	mk("/st/root", S_IFREG | 0644, 0);
	mk("/st/mine", S_IFREG | 0644, USER);
	mk("/st/mine2", S_IFREG | 0644, USER);
	mk("/st/r2", S_IFREG | 0644, 0);
	assert_res(fs_unlink("/st/root", USER, USER), -EPERM);
	assert_res(fs_rename("/st/root", "/st/x", USER, USER), -EPERM);
	assert_res(fs_rename("/st/mine", "/st/root", USER, USER), -EPERM); /* over it */
	assert_int_equal(fs_rename("/st/mine", "/st/m", USER, USER), 0);   /* our own */
	assert_int_equal(fs_unlink("/st/m", USER, USER), 0);
	assert_int_equal(fs_unlink("/st/mine2", OTHER, OTHER), 0);  /* the directory's owner */
	assert_int_equal(fs_unlink("/st/r2", 0, 0), 0);		    /* root */
	assert_res(fs_chmod("/st/root", USER, USER, 0666), -EPERM); /* not a way round */
	/* not sticky: writing the directory is enough */
	mk("/tmp/root", S_IFREG | 0644, 0);
	assert_int_equal(fs_unlink("/tmp/root", USER, USER), 0);
}

static void many(void **state)
{
	(void)state;
	unsigned live = fs_ninodes();
	char path[64];
	struct inode *ip;
	for (int i = 0; i < 300; i++) {
		snprintf(path, sizeof(path), "/tmp/f%d", i);
		assert_int_equal(fs_lookup(path, USER, USER, O_CREAT | O_RDWR, 0644, &ip), 0);
		u8 *p;
		assert_int_equal(fs_writeptr(ip, 0, 1000 + i, &p), 0);
		memset(p, i, 1000 + i);
	}
	for (int i = 0; i < 300; i += 2) {
		snprintf(path, sizeof(path), "/tmp/f%d", i);
		assert_int_equal(fs_unlink(path, USER, USER), 0);
	}
	for (int i = 1; i < 300; i += 2) {
		snprintf(path, sizeof(path), "/tmp/f%d", i);
		assert_int_equal(fs_lookup(path, USER, USER, O_RDONLY, 0, &ip), 0);
		assert_int_equal(ip->size, 1000 + i);
		assert_int_equal(ip->data[999], (u8)i);
		assert_int_equal(fs_unlink(path, USER, USER), 0);
	}
	assert_int_equal(fs_ninodes(), live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(create_write_read, setup),
	    cmocka_unit_test_setup(directories, setup),
	    cmocka_unit_test_setup(paths, setup),
	    cmocka_unit_test_setup(permissions, setup),
	    cmocka_unit_test_setup(chmod_replaces, setup),
	    cmocka_unit_test_setup(chmod_directory, setup),
	    cmocka_unit_test_setup(unlink_open, setup),
	    cmocka_unit_test_setup(rename_cases, setup),
	    cmocka_unit_test_setup(sticky, setup),
	    cmocka_unit_test_setup(many, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
