/*
 * readcost.c - what does a blocking read cost when its data is ready?
 *
 * read() pushes one entry and calls ring_enter; the kernel finds the
 * line already typed and completes the read inside that ring_enter, so
 * the completion is in the CQ when it returns and read() has no reason
 * to call wait. One kernel entry (docs/rings.md, "Blocking calls in the
 * C library").
 *
 * So that the line is there first, readcost waits (wait, WAIT_READ) until
 * one has been typed; then it counts its system calls around the read.
 */
#include "user.h"

int main(void)
{
	char line[128];
	struct wait_item it = {.type = WAIT_READ, .id = 0};
	struct wait_event ev;
	struct cost c;

	puts("readcost: type a line");
	long r = wait(&it, 1, &ev, 1, -1);
	if (r != 1) {
		fprintf(2, "readcost: wait: %s\n", r < 0 ? errstr(r) : "nothing ready");
		return 1;
	}
	cost_start(&c);
	long n = read(0, line, sizeof(line) - 1);
	u64 calls = cost_end(&c);
	if (n < 0) {
		fprintf(2, "readcost: read: %s\n", errstr(n));
		return 1;
	}
	line[n] = '\0';
	if (n > 0 && line[n - 1] == '\n')
		line[n - 1] = '\0';
	printf("readcost: read \"%s\" (%ld bytes)\n", line, n);
	printf("readcost: the read cost %llu system call%s\n", calls, calls == 1 ? "" : "s");
	return 0;
}
