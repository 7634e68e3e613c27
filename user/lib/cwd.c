/*
 * cwd.c - the working directory. It lives here, in the C library, not in
 * the kernel or the file server: every path a program names is made
 * absolute and canonical before it leaves the process, so the kernel
 * and the server only ever see paths from "/".
 *
 *	cwd "/tmp/a", path "../b/./c"  ->  "/tmp/b/c"
 *
 * "." is dropped and ".." removes the name before it ("/.." is "/"), as
 * the file server resolves a path's text (user/lib/fstree.c) - so both
 * agree on what a path names. spawn() hands the working directory to the
 * child (the kernel puts it after argv's NULL: kernel/proc.c); the child
 * starts there.
 */
#include "internal.h"

static char cwd[FS_PATH] = "/";

/* Where __libc_start puts what spawn gave the child. */
void cwd_init(const char *dir)
{
	if (dir && dir[0] == '/' && strlen(dir) < sizeof(cwd))
		path_abs(dir, cwd);
}

const char *getcwd(void)
{
	return cwd;
}

int path_abs(const char *path, char *out)
{
	char buf[2 * FS_PATH];
	size_t n = strlen(path);
	if (n >= FS_PATH)
		return -ENAMETOOLONG;
	if (path[0] == '/')
		memcpy(buf, path, n + 1);
	else
		snprintf(buf, sizeof(buf), "%s/%s", cwd, path);
	/* copy name by name into out, which always starts with "/" */
	size_t len = 0;
	for (char *s = buf; *s;) {
		while (*s == '/')
			s++;
		char *name = s;
		while (*s && *s != '/')
			s++;
		size_t k = s - name;
		if (k == 0 || (k == 1 && name[0] == '.'))
			continue;
		if (k == 2 && name[0] == '.' && name[1] == '.') {
			while (len > 0 && out[len] != '/')
				len--; /* back to the '/' before the last name */
			continue;
		}
		if (len + 1 + k + 1 > FS_PATH)
			return -ENAMETOOLONG;
		out[len++] = '/';
		memcpy(out + len, name, k);
		len += k;
		out[len] = '\0';
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return 0;
}

int chdir(const char *path)
{
	char p[FS_PATH], probe[FS_PATH + 2];
	struct fs_stat st;
	int r = path_abs(path, p);
	if (r == 0)
		r = stat(p, &st);
	if (r < 0)
		return r;
	if ((st.mode & S_IFMT) != S_IFDIR)
		return -ENOTDIR;
	/* May we go through it? The server checks search permission on a
	   directory only when a path goes on past it: ask for a name in it. */
	snprintf(probe, sizeof(probe), "%s/x", strcmp(p, "/") ? p : "");
	if (stat(probe, &st) == -EACCES)
		return -EACCES;
	memcpy(cwd, p, sizeof(cwd));
	return 0;
}
