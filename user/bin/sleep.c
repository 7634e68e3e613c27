/*
 * sleep.c - sleep for a number of seconds: `sleep 5`, or `sleep 5 &`
 * to have something running in the background.
 */
#include "user.h"

int main(int argc, char **argv)
{
	int secs = argc == 2 ? atoi(argv[1]) : -1;
	if (secs < 0) { /* a negative count would become a huge unsigned one */
		fprintf(2, "usage: sleep seconds (0 or more)\n");
		return 1;
	}
	int r = sleep_ns(secs * 1000000000ull);
	return r < 0;
}
