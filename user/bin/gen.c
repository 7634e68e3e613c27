/*
 * gen.c - write a stream of bytes, for pipelines: `gen N [SEED]` writes
 * N bytes of a pattern that depends on SEED to its output, then reports
 * on fd 2 how many it wrote and their checksum, which `sum` at the
 * other end of a pipeline must report too.
 */
#include "user.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(2, "usage: gen N [SEED]\n");
		return 2;
	}
	long n = atoi(argv[1]);
	u8 seed = argc > 2 ? atoi(argv[2]) : 0;
	static u8 buf[4096];
	u32 h = 2166136261u; /* FNV-1a, as sum computes it */
	for (long done = 0; done < n;) {
		long k = MIN((long)sizeof(buf), n - done);
		for (long i = 0; i < k; i++) {
			buf[i] = (u8)((done + i) * 7 + seed + ((done + i) >> 11));
			h = (h ^ buf[i]) * 16777619u;
		}
		long w = writeall(1, buf, k);
		if (w < 0) {
			perr(w, "write");
			return 1;
		}
		done += k;
	}
	fprintf(2, "gen: %ld bytes, checksum %08x\n", n, h);
	return 0;
}
