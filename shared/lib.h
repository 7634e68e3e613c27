/*
 * lib.h - the library functions the kernel shares with user programs.
 *
 * shared/ is the one place for code that both sides compile: string.c,
 * format.c and the types they use. It is here, not in kernel/ or
 * user/lib/, because neither side owns it: it must stay freestanding
 * (nothing but types.h), and changing it changes both. What else the
 * kernel and programs share is the ABI, kernel/abi/, which is a contract
 * rather than code.
 */
#pragma once

#include <stdarg.h>

#include "types.h"

/* string.c */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/* format.c: the printf engine */
typedef void (*putc_fn)(void *arg, char c);
int vformat(putc_fn out, void *arg, const char *fmt, va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
