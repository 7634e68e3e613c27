/*
 * ls.c - list a directory of the file server, one line per entry with
 * its size: `ls` (the root), `ls /bin`, `ls /etc/motd` (just that).
 * A directory's name ends in '/'.
 *
 *	$ ls /etc
 *	secret                         24
 *	motd                           61
 *
 * The entries come from FS_READDIR on the directory's connection; each
 * size from a stat() of the entry's path. With no file server (an
 * early lab's kernel) ls lists the boot archive instead, which the
 * kernel reads itself: the names under the directory asked for.
 */
#include "user.h"

static void line(const char *name, bool dir, u64 size)
{
	char buf[NAME_MAX + 64];
	snprintf(buf, sizeof(buf), "%s%s", name, dir ? "/" : "");
	printf("%-24s %8llu\n", buf, size);
}

/* No file server: the boot archive's files under dir ("/bin" lists bin/...). */
static int archive(const char *dir)
{
	struct dirent d;
	int i, r;
	while (*dir == '/')
		dir++;
	size_t n = strlen(dir);
	for (i = 0; (r = list(i, &d)) == 0; i++) {
		if (n == 0)
			line(d.name, false, d.size);
		else if (strncmp(d.name, dir, n) == 0 && d.name[n] == '/')
			line(d.name + n + 1, false, d.size);
	}
	return r == -ENOENT ? 0 : r;
}

static int ls(const char *path)
{
	struct fs_stat st;
	int r = stat(path, &st);
	if (r < 0)
		return r;
	if ((st.mode & S_IFMT) != S_IFDIR) {
		line(path, false, st.size);
		return 0;
	}
	int fd = open(path, O_RDONLY, 0);
	if (fd < 0)
		return fd;
	static struct fs_dirent d[32];
	char sub[FS_PATH];
	while ((r = readdir(fd, d, ARRAY_SIZE(d))) > 0) {
		for (int i = 0; i < r; i++) {
			snprintf(sub, sizeof(sub), "%s/%s", path, d[i].name);
			bool dir = (d[i].mode & S_IFMT) == S_IFDIR;
			line(d[i].name, dir, stat(sub, &st) == 0 ? st.size : 0);
		}
	}
	close(fd);
	return r;
}

int main(int argc, char **argv)
{
	struct fs_stat st;
	bool server = stat("/", &st) == 0;
	int status = 0;
	for (int i = 1; i < argc || (i == 1 && argc == 1); i++) {
		const char *path = argc == 1 ? "/" : argv[i];
		int r = server ? ls(path) : archive(path);
		if (r < 0) {
			fprintf(2, "ls: %s: %s\n", path, errstr(r));
			status = 1;
		}
	}
	return status;
}
