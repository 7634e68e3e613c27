/*
 * touch.c - make each file if it does not exist (empty, mode 0644); an
 * existing one is left as it is (files have no times to update).
 */
#include "user.h"

int main(int argc, char **argv)
{
	int status = 0;
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_WRONLY | O_CREAT, 0644);
		if (fd < 0) {
			perr(fd, "%s", argv[i]);
			status = 1;
			continue;
		}
		close(fd);
	}
	return status;
}
