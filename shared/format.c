/*
 * format.c - the printf engine.
 *
 * vformat() turns a format string into characters and hands each one to
 * an output function, so the same code serves the console (printf.c),
 * strings (snprintf below), the host unit tests, and the user C library,
 * which links this same file. It depends on nothing but lib.h.
 *
 * Supported: %d %i %u %x %X %o %p %s %c %%, the length modifiers l, ll,
 * z, the flags '-' and '0', and a field width (a number or '*').
 */
#include "lib.h"

struct out {
	putc_fn fn;
	void *arg;
	int count;
};

static void emit(struct out *o, char c)
{
	o->fn(o->arg, c);
	o->count++;
}

/* Emit `s` (length n) padded to `width`, on the left unless `left`. */
static void pad(struct out *o, const char *s, int n, int width, bool left, char fill)
{
	int i;
	if (!left && fill == '0' && n > 0 && *s == '-') {
		/* "-0042", not "00-42": the sign goes before zero padding */
		emit(o, *s++);
		n--;
		width--;
	}
	if (!left)
		for (i = n; i < width; i++)
			emit(o, fill);
	for (i = 0; i < n; i++)
		emit(o, s[i]);
	if (left)
		for (i = n; i < width; i++)
			emit(o, ' ');
}

/* Write `v` in `base` into the end of buf; return the first digit. */
static char *digits(char *end, u64 v, int base, bool upper)
{
	const char *d = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char *p = end;
	do {
		*--p = d[v % base];
		v /= base;
	} while (v);
	return p;
}

int vformat(putc_fn fn, void *arg, const char *fmt, va_list ap)
{
	struct out o = {fn, arg, 0};
	char buf[24]; /* enough for a 64-bit value in octal plus sign */
	char *end = buf + sizeof(buf);

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			emit(&o, *fmt);
			continue;
		}
		fmt++;
		bool left = false;
		char fill = ' ';
		int width = 0, lng = 0;
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				fill = '0';
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}

		u64 v;
		char *p;
		switch (*fmt) {
		case 'd':
		case 'i': {
			s64 s = lng ? va_arg(ap, s64) : va_arg(ap, int);
			/* negate as unsigned: -INT64_MIN does not exist */
			p = digits(end, s < 0 ? -(u64)s : (u64)s, 10, false);
			if (s < 0)
				*--p = '-';
			pad(&o, p, end - p, width, left, fill);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			v = lng ? va_arg(ap, u64) : va_arg(ap, unsigned);
			p = digits(end, v, *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16, *fmt == 'X');
			pad(&o, p, end - p, width, left, fill);
			break;
		case 'p':
			p = digits(end, (uptr)va_arg(ap, void *), 16, false);
			*--p = 'x';
			*--p = '0';
			pad(&o, p, end - p, width, left, ' ');
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			pad(&o, s, strlen(s), width, left, ' ');
			break;
		}
		case 'c':
			buf[0] = (char)va_arg(ap, int);
			pad(&o, buf, 1, width, left, ' ');
			break;
		case '%':
			emit(&o, '%');
			break;
		case '\0':
			return o.count; /* a lone '%' ends the string */
		default:
			/* unknown conversion: show it rather than guess */
			emit(&o, '%');
			emit(&o, *fmt);
			break;
		}
	}
	return o.count;
}

struct strbuf {
	char *buf;
	size_t n, len;
};

static void strbuf_putc(void *arg, char c)
{
	struct strbuf *b = arg;
	if (b->len + 1 < b->n)
		b->buf[b->len++] = c;
}

/* Like C's snprintf: always terminates, returns the untruncated length. */
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct strbuf b = {buf, n, 0};
	int r = vformat(strbuf_putc, &b, fmt, ap);
	if (n)
		buf[b.len] = '\0';
	return r;
}

int snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}
