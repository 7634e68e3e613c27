/*
 * grep.c - print the lines that contain a string (a fixed string, no
 * patterns): `grep word file...`, or of the input: `ls /bin | grep s`.
 * Status 0 if a line matched, 1 if none, 2 on an error, as grep's.
 */
#include "user.h"

#define MAXLINE 1024

static bool contains(const char *line, const char *word, size_t n)
{
	for (; *line; line++)
		if (strncmp(line, word, n) == 0)
			return true;
	return false;
}

/* Lines longer than MAXLINE are looked at in MAXLINE pieces. */
static int grep(int fd, const char *word, const char *name, bool prefix, int *status)
{
	static char line[MAXLINE];
	static struct lines in;
	in = (struct lines){.fd = fd};
	long n;
	size_t wn = strlen(word);
	while ((n = lines_get(&in, line, sizeof(line))) > 0) {
		if (!contains(line, word, wn))
			continue;
		*status = 0;
		if (prefix)
			printf("%s:", name);
		printf("%s%s", line, line[n - 1] == '\n' ? "" : "\n");
	}
	if (n < 0) {
		perr(n, "%s", name);
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(2, "usage: grep string [file...]\n");
		return 2;
	}
	int status = 1, err = 0;
	if (argc == 2)
		err = grep(0, argv[1], "input", false, &status);
	for (int i = 2; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY, 0);
		if (fd < 0) {
			perr(fd, "%s", argv[i]);
			err = 2;
			continue;
		}
		err |= grep(fd, argv[1], argv[i], argc > 3, &status);
		close(fd);
	}
	return err ? 2 : status;
}
