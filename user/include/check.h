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
/*
 * The leak check after an operation: the free-page count must come back
 * to `before` (or above: pages still on their way back when `before`
 * was read). That is an event, and it is waited for: a dead thread's
 * stack comes back only once its CPU has switched off it, which a busy
 * host may not let happen for a while; "settled" (two equal reads) can
 * be fooled by that. Only a leak makes it wait the full minute, and
 * fail with how many pages were lost.
 */
u64 free_pages_back(u64 before);
void expect_no_leak(const char *name, u64 before);
/* Print the last line; returns the exit status: 0 if nothing failed. */
int summary(const char *prog);
