/*
 * sleep.c - sleep for a number of seconds: `sleep 5`, or `sleep 5 &`
 * to have something running in the background.
 */
#include "user.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(2, "usage: sleep seconds\n");
		return 1;
	}
	int r = sleep_ns(atoi(argv[1]) * 1000000000ull);
	return r < 0;
}
