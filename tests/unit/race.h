/*
 * race.h - for the unit tests built with ThreadSanitizer (test_*_race.c,
 * -fsanitize=thread): count its reports, so that a data race fails the
 * test that ran into it (a plain load or store where the other side
 * needs an atomic one, a read not ordered after the store that
 * published it) instead of only printing a warning.
 */
#pragma once

static int races; /* reports so far */

/* ThreadSanitizer calls this for each report (a weak hook of its runtime). */
void __tsan_on_report(void *report);
void __tsan_on_report(void *report)
{
	(void)report;
	__atomic_add_fetch(&races, 1, __ATOMIC_RELAXED);
}

/* Our tests decide the exit status, not the sanitizer's default (66). */
const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
	return "exitcode=0";
}
