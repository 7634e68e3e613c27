/*
 * batch.c - what batching saves. N NOPs done one at a time (blocking
 * calls) cost N system calls; prepared together and submitted with one
 * ring_enter, they cost one, whatever N. Prints both for N = 1, 8, 32,
 * or for the numbers given (`batch 4 16`), up to the size of the ring.
 */
#include "async.h"

static u64 one_by_one(int n)
{
	struct sqe nop = {.opcode = OP_NOP};
	struct cost c;
	cost_start(&c);
	for (int i = 0; i < n; i++)
		ring_call(&nop, NULL);
	return cost_end(&c);
}

static u64 batched(int n)
{
	struct cqe done[16];
	struct cost c;
	cost_start(&c);
	for (int i = 0; i < n; i++)
		sq_get()->opcode = OP_NOP;
	sq_submit();
	for (int got = 0; got < n;)
		got += cq_wait(done, MIN(n - got, (int)ARRAY_SIZE(done)));
	return cost_end(&c);
}

int main(int argc, char **argv)
{
	static char *dflt[] = {"batch", "1", "8", "32", NULL};
	int max = ring_hdr()->sq_mask + 1;
	if (argc < 2) {
		argc = 4;
		argv = dflt;
	}
	for (int i = 1; i < argc; i++) {
		int n = atoi(argv[i]);
		if (n < 1 || n > max) {
			fprintf(2, "batch: %s: want 1 to %d NOPs\n", argv[i], max);
			return 1;
		}
		u64 one = one_by_one(n), all = batched(n);
		printf("batch: %2d NOPs: one by one %llu system calls, batched %llu", n, one, all);
		printf(" (%llu.%02llu per NOP)\n", all / n, all * 100 / n % 100);
	}
	return 0;
}
