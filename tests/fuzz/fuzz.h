/*
 * fuzz.h - what every host fuzz target (tests/fuzz/fuzz_*.c) shares.
 *
 * A fuzz target is a unit test turned inside out: instead of a few
 * inputs we chose, libFuzzer feeds the kernel code millions of inputs it
 * makes up, keeps the ones that reach new code, and mutates those. A
 * target includes the kernel .c file it tests, exactly as the unit tests
 * in tests/unit/ do, and reuses their host stubs (host.h): one CPU,
 * spinlocks that check their discipline, host memory as "RAM".
 *
 * Sanitizers turn silent bugs into crashes: AddressSanitizer catches a
 * read or write outside a malloc'd block (libFuzzer hands each input over
 * in a heap buffer of exactly its size, so one byte too far is caught),
 * LeakSanitizer catches memory not freed when the input is done, and
 * UBSan catches undefined behaviour. CHECK() adds our own invariants: a
 * parser that returns nonsense without crashing is a bug too.
 */
#pragma once

#include <stdio.h>
#include <string.h>
#include "host.h"

/*
 * An invariant that must hold for every input. abort() is a crash to
 * libFuzzer: it prints the stack, saves the input and stops.
 */
#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #c);  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* Each target's once-per-process set-up (RAM, a page allocator...). */
static void fuzz_init(void);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	/*
	 * host.h's panic() and lock checks fail through cmocka, which outside
	 * a cmocka test would exit(): make it abort() instead, so a kernel
	 * panic is a crash libFuzzer reports and saves like any other.
	 */
	setenv("CMOCKA_TEST_ABORT", "1", 1);
	fuzz_init();
	return 0;
}
