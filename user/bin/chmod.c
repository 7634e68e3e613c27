/*
 * chmod.c - change the permission bits (octal): `chmod 600 /tmp/a`.
 *
 * The server does not change the file: it makes a new one with the new
 * mode and the same bytes and puts it in the old one's place. Whoever
 * has the old one open keeps it (docs/servers.md, "chmod: copy and
 * replace"); `stat` shows the new identity.
 */
#include "user.h"

int main(int argc, char **argv)
{
	char *end;
	long mode = argc >= 3 ? strtol(argv[1], &end, 8) : -1;
	if (argc < 3 || *end || mode < 0 || mode > 07777) {
		fprintf(2, "usage: chmod octal-mode file...\n");
		return 1;
	}
	int status = 0;
	for (int i = 2; i < argc; i++) {
		int r = chmod(argv[i], mode);
		if (r < 0) {
			perr(r, "%s", argv[i]);
			status = 1;
		}
	}
	return status;
}
