/*
 * check.h - what the test programs (ringtest, threadtest, polltest)
 * share: each check prints "ok <name>" or "FAIL <name>: <why>", and the
 * program ends with "<prog>: N passed, M failed", which the grader reads.
 * Threads may check at once: the counts are atomic.
 */
#pragma once

#include "user.h"

void ok(const char *name);
void fail(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* ok if got == want, else a failure showing both (with error names) */
void expect(const char *name, long got, long want);
/* r, and its error's name if it is one; two calls may share a printf */
const char *show(long r);
/*
 * The kernel's free-page count once it has stopped moving. A thread's
 * kernel stack is freed only after the thread has switched off it, a
 * moment after its process is reaped: leak checks read this, before and
 * after, rather than a count that may still be on its way back.
 */
u64 free_pages_settled(void);
/* Print the last line; returns the exit status: 0 if nothing failed. */
int summary(const char *prog);
