/*
 * stat.c - what the file server says about files:
 *
 *	$ stat /etc/motd
 *	/etc/motd: file mode 0644 owner 0:0 size 61 links 1 identity 23.0
 *
 * The identity is (ino, gen): a file replaced at its path - by chmod,
 * chown or mv - has a new one, so a program can tell whether the file
 * it has open is still the one at the path (compare with fstat).
 */
#include "user.h"

int main(int argc, char **argv)
{
	int status = 0;
	for (int i = 1; i < argc; i++) {
		struct fs_stat st;
		int r = stat(argv[i], &st);
		if (r < 0) {
			perr(r, "%s", argv[i]);
			status = 1;
			continue;
		}
		printf("%s: %s mode %04o owner %d:%d size %llu links %u identity %llu.%llu\n",
		       argv[i], (st.mode & S_IFMT) == S_IFDIR ? "directory" : "file",
		       st.mode & 07777, st.uid, st.gid, st.size, st.nlink, st.ino, st.gen);
	}
	return status;
}
