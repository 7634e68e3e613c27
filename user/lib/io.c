/*
 * io.c - formatted output to a descriptor, and reading lines.
 *
 * printf is shared/format.c's vformat() (the kernel's own printf engine,
 * compiled into the library too) with an output function that gathers
 * characters in a buffer on the stack: a printf becomes one WRITE (more
 * only if its output is long), so lines from different processes do not
 * interleave character by character.
 */
#include "user.h"

struct outbuf {
	int fd;
	int n;
	char buf[256];
};

long writeall(int fd, const void *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		long r = write(fd, (const char *)buf + done, n - done);
		if (r <= 0)
			return done ? (long)done : r;
		done += r;
	}
	return done;
}

static void putbuf(void *arg, char c)
{
	struct outbuf *o = arg;
	if (o->n == sizeof(o->buf)) {
		writeall(o->fd, o->buf, o->n);
		o->n = 0;
	}
	o->buf[o->n++] = c;
}

int vfprintf(int fd, const char *fmt, va_list ap)
{
	struct outbuf o = {.fd = fd};
	int n = vformat(putbuf, &o, fmt, ap);
	writeall(fd, o.buf, o.n);
	return n;
}

int fprintf(int fd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vfprintf(fd, fmt, ap);
	va_end(ap);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vfprintf(1, fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *s)
{
	return printf("%s\n", s);
}

/*
 * The console hands out a whole line per READ (the kernel edits it as it
 * is typed); other descriptors may give less, so read on until a read
 * ends with a newline, the end of the file, or a full buffer. Returns the
 * length, 0 at the end of the file, or -E*.
 */
long readline(int fd, char *buf, size_t n)
{
	size_t len = 0;
	if (n == 0) /* no room even for the '\0' */
		return -EINVAL;
	while (len + 1 < n) {
		long r = read(fd, buf + len, n - 1 - len);
		if (r < 0 && len == 0)
			return r;
		if (r <= 0)
			break;
		len += r;
		if (buf[len - 1] == '\n')
			break;
	}
	buf[len] = '\0';
	return len;
}

/*
 * A file or pipe a line at a time: readline() takes whatever one read
 * gives, which from a file or pipe may be many lines; this keeps what
 * is past the first newline for the next call. Same results as readline().
 */
long lines_get(struct lines *l, char *line, size_t n)
{
	size_t len = 0;
	if (n == 0)
		return -EINVAL;
	while (len + 1 < n) {
		if (l->pos == l->len) {
			long r = read(l->fd, l->buf, sizeof(l->buf));
			if (r < 0 && len == 0)
				return r;
			if (r <= 0)
				break;
			l->pos = 0;
			l->len = r;
		}
		char c = l->buf[l->pos++];
		line[len++] = c;
		if (c == '\n')
			break;
	}
	line[len] = '\0';
	return len;
}
