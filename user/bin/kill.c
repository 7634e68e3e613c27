/*
 * kill.c - end processes by pid: `kill 5 7`. Root may kill anyone but
 * init; other users only their own children.
 */
#include "user.h"

int main(int argc, char **argv)
{
	int status = 0;
	for (int i = 1; i < argc; i++) {
		int r = kill(atoi(argv[i]));
		if (r < 0) {
			perr(r, "%s", argv[i]);
			status = 1;
		}
	}
	return status;
}
