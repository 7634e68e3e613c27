/*
 * pwd.c - print the working directory: the one spawn gave this process,
 * which is the shell's (user/lib/cwd.c).
 */
#include "user.h"

int main(void)
{
	return puts(getcwd()) < 0;
}
