/*
 * sum.c - read everything from the input and say how much it was and
 * its checksum (32-bit FNV-1a): the other end of `gen`, and a way to
 * check that bytes went through a pipeline intact.
 */
#include "user.h"

int main(void)
{
	static u8 buf[4096];
	u32 h = 2166136261u;
	long total = 0, n;
	while ((n = read(0, buf, sizeof(buf))) > 0) {
		for (long i = 0; i < n; i++)
			h = (h ^ buf[i]) * 16777619u;
		total += n;
	}
	if (n < 0) {
		perr(n, "read");
		return 1;
	}
	printf("sum: %ld bytes, checksum %08x\n", total, h);
	return 0;
}
