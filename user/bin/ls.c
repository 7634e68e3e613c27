/*
 * ls.c - list directories of the file server, one line per entry with
 * its size: `ls` (the working directory), `ls /bin /etc`, `ls /etc/motd`
 * (just that). A directory's name ends in '/'. `ls -l` shows the mode,
 * the owner (uid) and the size:
 *
 *	$ ls /etc
 *	secret                         24
 *	motd                           61
 *	$ ls -l /etc
 *	-rw------- 0        24 secret
 *	-rw-r--r-- 0        61 motd
 *
 * The entries come from FS_READDIR on the directory's connection; each
 * size from a stat() of the entry's path. With no file server (an
 * early lab's kernel) ls lists the boot archive instead, which the
 * kernel reads itself: the names under the directory asked for.
 */
#include "user.h"

static bool longform; /* -l */

static void line_long(const char *name, const struct fs_stat *st)
{
	char m[11] = "-rwxrwxrwx";
	if ((st->mode & S_IFMT) == S_IFDIR)
		m[0] = 'd';
	for (int i = 0; i < 9; i++)
		if (!(st->mode & (0400 >> i)))
			m[i + 1] = '-';
	if (st->mode & S_ISVTX)
		m[9] = m[9] == 'x' ? 't' : 'T';
	printf("%s %-4d %8llu %s\n", m, st->uid, st->size, name);
}

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
	char abs[FS_PATH];
	int i, r = path_abs(dir, abs);
	if (r < 0)
		return r;
	dir = abs;
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
		if (longform)
			line_long(path, &st);
		else
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
			bool dir = (d[i].mode & S_IFMT) == S_IFDIR, ok = stat(sub, &st) == 0;
			if (longform && ok)
				line_long(d[i].name, &st);
			else
				line(d[i].name, dir, ok ? st.size : 0);
		}
	}
	close(fd);
	return r;
}

int main(int argc, char **argv)
{
	struct fs_stat st;
	bool server = stat("/", &st) == 0;
	int status = 0, first = 1;
	if (argc > 1 && strcmp(argv[1], "-l") == 0) {
		longform = true;
		first = 2;
	}
	for (int i = first; i < argc || (i == first && argc == first); i++) {
		const char *path = argc == first ? "." : argv[i];
		if (argc > first + 1)
			printf("%s:\n", path); /* several: say which is which */
		int r = server ? ls(path) : archive(path);
		if (r < 0) {
			perr(r, "%s", path);
			status = 1;
		}
	}
	return status;
}
