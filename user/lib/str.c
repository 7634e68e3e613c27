/*
 * str.c - the string functions user programs need beyond those the
 * kernel shares with them (shared/string.c: mem*, strlen, strcmp,
 * strncmp). Add more here as programs need them.
 */
#include "user.h"

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}
