/*
 * test_allowed.c - the kernel's permission check on an open
 * (kernel/fs.c's allowed()) on the host: the server's answer must be a
 * file or a directory; a directory is never opened for writing; root
 * may do anything; anyone else gets the bits of exactly one class - the
 * owner's if the caller owns the file, else the group's if it is in
 * the file's group, else the others' - and a read needs r, a write
 * (O_WRONLY, O_RDWR, or O_TRUNC's write_needed) needs w.
 *
 * Only allowed() runs: what the rest of fs.c calls is stubbed to fail.
 */
#include "host.h"
#include "proc.h"

struct spinlock sched_lock;
u64 arch_time_ns(void)
{
	return 0;
}
int copyin(struct pagetable *pt, void *dst, u64 uva, size_t n)
{
	(void)pt, (void)dst, (void)uva, (void)n;
	return -EFAULT;
}
int copyinstr(struct pagetable *pt, char *dst, u64 uva, size_t max)
{
	(void)pt, (void)dst, (void)uva, (void)max;
	return -EFAULT;
}
int copyout(struct pagetable *pt, u64 uva, const void *src, size_t n)
{
	(void)pt, (void)uva, (void)src, (void)n;
	return -EFAULT;
}
int fd_alloc(struct proc *p, struct file *f)
{
	(void)p, (void)f;
	return -EMFILE;
}
bool fd_close(struct proc *p, int fd, struct file *f)
{
	(void)p, (void)fd, (void)f;
	return false;
}
struct file *file_new(const struct fileops *ops, void *priv, u64 arg)
{
	(void)ops, (void)priv, (void)arg;
	return NULL;
}
void file_put(struct file *f)
{
	(void)f;
}
void *kmalloc(size_t n)
{
	return malloc(n);
}
void *kzalloc(size_t n)
{
	return calloc(1, n);
}
void kfree(void *p)
{
	free(p);
}
int op_park(struct op *op)
{
	(void)op;
	return -EAGAIN;
}
struct op *op_unpark(bool (*match)(struct op *op, void *arg), void *arg)
{
	(void)match, (void)arg;
	return NULL;
}
void op_complete(struct op *op, int res, u32 cflags)
{
	(void)op, (void)res, (void)cflags;
}
int pipe_connection(struct file **client, struct file **server, u64 buf)
{
	(void)client, (void)server, (void)buf;
	return -ENOMEM;
}
void sched_wake_proc(struct proc *p)
{
	(void)p;
}
int spawn_run(struct op *op, const char *path, const void *image, size_t size)
{
	(void)op, (void)path, (void)image, (void)size;
	return -ENOSYS;
}

#include "../../kernel/fs.c"

#define OWNER 5
#define GROUP 7

/* May uid/gid open, with access (O_*) and O_TRUNC or not, a file of this mode? */
static int may(int uid, int gid, unsigned access, bool trunc, unsigned mode)
{
	struct fsreq q = {.access = access, .write_needed = trunc};
	q.req.uid = uid;
	q.req.gid = gid;
	struct fs_stat st = {.mode = mode, .uid = OWNER, .gid = GROUP};
	return allowed(&q, &st);
}

/* Only a file or a directory; a directory never for writing. */
static void test_types(void **state)
{
	(void)state;
	assert_res(may(OWNER, GROUP, O_RDONLY, false, 0777), -EIO); /* no type */
	assert_res(may(OWNER, GROUP, O_RDONLY, false, 0020777), -EIO);
	assert_res(may(0, 0, O_RDONLY, false, 0060777), -EIO); /* root too */
	assert_res(may(OWNER, GROUP, O_RDONLY, false, S_IFDIR | 0755), 0);
	assert_res(may(OWNER, GROUP, O_WRONLY, false, S_IFDIR | 0755), -EISDIR);
	assert_res(may(OWNER, GROUP, O_RDWR, false, S_IFDIR | 0755), -EISDIR);
	assert_res(may(0, 0, O_RDWR, false, S_IFDIR | 0777), -EISDIR);
}

/* Root may read and write whatever the bits say. */
static void test_root(void **state)
{
	(void)state;
	assert_res(may(0, 0, O_RDONLY, false, S_IFREG | 0000), 0);
	assert_res(may(0, 0, O_RDWR, true, S_IFREG | 0000), 0);
	assert_res(may(0, GROUP, O_WRONLY, false, S_IFREG | 0400), 0);
}

/* The owner gets the owner's bits, and only those. */
static void test_owner(void **state)
{
	(void)state;
	assert_res(may(OWNER, 99, O_RDWR, false, S_IFREG | 0600), 0);
	assert_res(may(OWNER, 99, O_RDONLY, false, S_IFREG | 0400), 0);
	assert_res(may(OWNER, 99, O_WRONLY, false, S_IFREG | 0400), -EACCES);
	assert_res(may(OWNER, 99, O_RDONLY, false, S_IFREG | 0200), -EACCES);
	/* the group's or others' bits do not help the owner */
	assert_res(may(OWNER, GROUP, O_RDONLY, false, S_IFREG | 0044), -EACCES);
	assert_res(may(OWNER, GROUP, O_WRONLY, false, S_IFREG | 0422), -EACCES);
}

/* In the file's group (not its owner): the group's bits. */
static void test_group(void **state)
{
	(void)state;
	assert_res(may(6, GROUP, O_RDONLY, false, S_IFREG | 0040), 0);
	assert_res(may(6, GROUP, O_WRONLY, false, S_IFREG | 0020), 0);
	assert_res(may(6, GROUP, O_WRONLY, false, S_IFREG | 0640), -EACCES);
	assert_res(may(6, GROUP, O_RDONLY, false, S_IFREG | 0604), -EACCES);
	assert_res(may(6, GROUP, O_RDONLY, false, S_IFREG | 0400), -EACCES);
}

/* Anyone else: the others' bits. */
static void test_others(void **state)
{
	(void)state;
	assert_res(may(6, 8, O_RDONLY, false, S_IFREG | 0004), 0);
	assert_res(may(6, 8, O_RDWR, false, S_IFREG | 0006), 0);
	assert_res(may(6, 8, O_RDONLY, false, S_IFREG | 0640), -EACCES);
	assert_res(may(6, 8, O_WRONLY, false, S_IFREG | 0664), -EACCES);
}

/* O_RDWR needs both bits; O_TRUNC needs w even with O_RDONLY. */
static void test_access(void **state)
{
	(void)state;
	assert_res(may(OWNER, GROUP, O_RDWR, false, S_IFREG | 0400), -EACCES);
	assert_res(may(OWNER, GROUP, O_RDWR, false, S_IFREG | 0200), -EACCES);
	assert_res(may(OWNER, GROUP, O_RDONLY, true, S_IFREG | 0400), -EACCES);
	assert_res(may(OWNER, GROUP, O_RDONLY, true, S_IFREG | 0600), 0);
	assert_res(may(OWNER, GROUP, O_WRONLY, false, S_IFREG | 0200), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_types),  cmocka_unit_test(test_root),
	    cmocka_unit_test(test_owner),  cmocka_unit_test(test_group),
	    cmocka_unit_test(test_others), cmocka_unit_test(test_access),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
