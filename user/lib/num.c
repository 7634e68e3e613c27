/*
 * num.c - numbers: from text (strtol, atoi) and at random (rand).
 */
#include "user.h"

/* The value of digit c in base, or -1. */
static int digit(char c, int base)
{
	int d = c >= '0' && c <= '9'   ? c - '0'
		: c >= 'a' && c <= 'z' ? c - 'a' + 10
		: c >= 'A' && c <= 'Z' ? c - 'A' + 10
				       : 99;
	return d < base ? d : -1;
}

/*
 * Like C's strtol: leading blanks, a sign, then digits in base (2..36;
 * 0: "0x" means 16, a leading "0" 8, else 10). *end (if end is not NULL)
 * points after the last digit used. Overflow is not detected.
 */
long strtol(const char *s, char **end, int base)
{
	while (*s == ' ' || *s == '\t')
		s++;
	bool neg = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
	    digit(s[2], 16) >= 0) {
		s += 2;
		base = 16;
	} else if (base == 0) {
		base = s[0] == '0' ? 8 : 10;
	}
	unsigned long v = 0;
	for (int d; (d = digit(*s, base)) >= 0; s++)
		v = v * base + d;
	if (end)
		*end = (char *)s;
	return neg ? -(long)v : (long)v;
}

int atoi(const char *s)
{
	return strtol(s, NULL, 10);
}

/* xorshift64: fast, small, and plenty random for tests (never for secrets). */
#define SEED 0x9e3779b97f4a7c15ull /* any value but 0, which xorshift never leaves */

static u64 state = SEED;

void srand(u64 seed)
{
	state = seed ? seed : SEED;
}

u64 rand(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}
