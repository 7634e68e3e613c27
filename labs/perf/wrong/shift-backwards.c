/*
 * Wrong: where src and dst are not aligned alike, each word of dst is
 * made of its two source words shifted the big-endian way (the first
 * word's bytes end up high): every copy between buffers at different
 * offsets within a word comes out scrambled.
 * caught by unit: test_string memcpy memmove
 */
/* REGION shared/string.c perf 1 1 */
/*
 * So they move 8-byte words. x86_64 uses the string instructions (`rep
 * movsq`, `rep stosq`): one instruction whose iterations QEMU's icount
 * counts one each (a word a count), and which real CPUs run at full
 * speed. Elsewhere a C loop moves words where both pointers allow it,
 * bytes at the unaligned ends.
 */
/* A word that may alias anything: the caller's bytes have any type. */
typedef u64 __attribute__((may_alias)) word;

#define WORD	   sizeof(word)
#define ALIGNED(p) (((uptr)(p) & (WORD - 1)) == 0)

#if defined(__x86_64__) && !defined(STRING_C_LOOPS) /* the unit test also tries the C loops */
/*
 * x86_64 stores and loads words at any alignment: rep stosq/movsq for
 * the words, rep stosb/movsb for the rest, whatever the pointers. (A
 * copy of a few bytes at an odd address, as the user-interrupt
 * emulation fetches an instruction, cost 55 instructions in a byte loop.)
 * Forwards, one element after the other: memmove may use memcpy for an
 * overlap with dst below src.
 */
void *memset(void *dst, int c, size_t n)
{
	void *d = dst;
	size_t words = n / WORD, bytes = n % WORD;
	word w = (u8)c * 0x0101010101010101ull;
	asm volatile("rep stosq" : "+D"(d), "+c"(words) : "a"(w) : "memory");
	asm volatile("rep stosb" : "+D"(d), "+c"(bytes) : "a"(w) : "memory");
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;
	const void *s = src;
	size_t words = n / WORD, bytes = n % WORD;
	asm volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(words) : : "memory");
	asm volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(bytes) : : "memory");
	return dst;
}
#else
/*
 * The C loops move 64 words a round, unrolled, so the loop's own 3
 * instructions (two pointer adds and a branch) are shared by 128 loads
 * and stores: 2.05 instructions a word copied where a round of 8 took
 * 2.375. Nothing beats 2 (a load and a store) without vector
 * instructions, which riscv64's rv64imac does not have. A 1 MiB
 * riscv64 pipe stream makes two aligned copies of it (into and out of
 * the pipe's ring): 64 words a round took it from 776k to 691k
 * instructions (32 words a round: 704k), a 64 KiB file read from 109k
 * to 104k (docs/benchmarks.md). What is left after the
 * rounds goes 8 words at a time, then a word, then a byte. The words
 * are read and written in order (word may alias anything, so the
 * compiler cannot move a load past a store), as memmove relies on.
 */
#define ROUND 64

/* Eight loads, then eight stores: no load's result is needed by the
   very next instruction (an in-order core would wait for it). */
static inline void move8(word *to, const word *from)
{
	word a = from[0], b = from[1], c = from[2], e = from[3];
	word f = from[4], g = from[5], h = from[6], i = from[7];
	to[0] = a, to[1] = b, to[2] = c, to[3] = e;
	to[4] = f, to[5] = g, to[6] = h, to[7] = i;
}

static inline void set8(word *to, word w)
{
	to[0] = w, to[1] = w, to[2] = w, to[3] = w;
	to[4] = w, to[5] = w, to[6] = w, to[7] = w;
}

void *memset(void *dst, int c, size_t n)
{
	u8 *d = dst;
	for (; n && !ALIGNED(d); n--)
		*d++ = (u8)c;
	word w = (u8)c * 0x0101010101010101ull;
	size_t words = n / WORD;
	for (; words >= ROUND; words -= ROUND, d += ROUND * WORD)
#pragma GCC unroll 8 /* ROUND / 8: a pragma's number is not a macro */
		for (int i = 0; i < ROUND; i += 8)
			set8((word *)d + i, w);
	for (; words >= 8; words -= 8, d += 8 * WORD)
		set8((word *)d, w);
	for (; words; words--, d += WORD)
		*(word *)d = w;
	for (n %= WORD; n; n--)
		*d++ = (u8)c;
	return dst;
}

/*
 * Forwards, a word at a time. Each word is read before the words after
 * it are written, so memmove may use it for an overlap with dst below
 * src.
 */
void *memcpy(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;
	for (; n && !ALIGNED(d); n--)
		*d++ = *s++;
	if (!ALIGNED(s)) {
		/* Not aligned alike, and a RISC-V word access across a word
		   boundary may trap: each word of d is made of the two aligned
		   words of s it straddles (little-endian: the low bytes come
		   from the first). An aligned word holding a byte we copy
		   never crosses a page, so reading all of it is safe. (A 1 MiB
		   pipe stream shifted by one byte cost 8 M instructions in a
		   byte loop.) */
		unsigned sh = ((uptr)s & (WORD - 1)) * 8; /* 8..56 */
		const word *from = (const word *)((uptr)s & ~(uptr)(WORD - 1));
		word lo = *from;
		for (; n >= WORD; n -= WORD, d += WORD, s += WORD) {
			word hi = *++from;
			*(word *)d = lo << sh | hi >> (64 - sh);
			lo = hi;
		}
		for (; n; n--)
			*d++ = *s++;
		return dst;
	}
	size_t words = n / WORD;
	for (; words >= ROUND; words -= ROUND, d += ROUND * WORD, s += ROUND * WORD)
#pragma GCC unroll 8 /* ROUND / 8 */
		for (int i = 0; i < ROUND; i += 8)
			move8((word *)d + i, (const word *)s + i);
	for (; words >= 8; words -= 8, d += 8 * WORD, s += 8 * WORD)
		move8((word *)d, (const word *)s);
	for (; words; words--, d += WORD, s += WORD)
		*(word *)d = *(const word *)s;
	for (n %= WORD; n; n--)
		*d++ = *s++;
	return dst;
}
#endif
