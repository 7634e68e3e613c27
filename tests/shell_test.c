/*
 * shell_test.c - the shell a student lives in (issue 16): redirection,
 * pipelines, lists and statuses, groups, scripts, quoting, the working
 * directory, and the console's Ctrl-D and Ctrl-C (docs/console.md).
 *
 * Every word and file name is random per run, so a kernel that echoes
 * what is typed cannot pass: a pattern anchored at the line's start
 * ("^word$") never matches the echoed command line, which starts "$ ".
 * Nothing waits for time to pass: each step waits for the output it
 * causes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/shell.h"

#define W 10 /* random words: 9 characters */

/* < > >> 2> and a four-stage pipeline with a redirection at both ends. */
static void redirect(struct run *r)
{
	char f[W], a[W], b[W], c[W];
	randword(f, W);
	randword(a, W);
	randword(b, W);
	randword(c, W);
	struct vm *vm = shell(r);
	type(vm, "echo %s > /tmp/%s; cat < /tmp/%s\r", a, f, f);
	expect(vm, CMD_MS, "^%s$", a);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "echo %s >> /tmp/%s; echo %s>>/tmp/%s; cat /tmp/%s\r", b, f, c, f, f);
	expect(vm, CMD_MS, "^%s$", a);
	expect(vm, CMD_MS, "^%s$", b);
	expect(vm, CMD_MS, "^%s$", c);
	expect(vm, CMD_MS, PROMPT);
	/* the pipeline: only the middle line survives grep */
	type(vm,
	     "cat < /tmp/%s | cat | grep %s | cat > /tmp/%s.out; cat /tmp/%s.out; wc /tmp/%s.out\r",
	     f, b, f, f, f);
	expect(vm, CMD_MS, "^%s$", b);
	expect(vm, CMD_MS, "^ *1 +1 +%zu ", strlen(b) + 1);
	expect(vm, CMD_MS, PROMPT);
	/* > truncates; 2> catches the errors, not the output */
	type(vm, "echo %s > /tmp/%s; cat /tmp/%s /%s 2> /tmp/%s.err; cat /tmp/%s.err\r", c, f, f, b,
	     f, f);
	expect(vm, CMD_MS, "^%s$", c);
	expect(vm, CMD_MS, "^cat: /%s: No such file or directory$", b);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "cat < /%s\r", a);
	expect(vm, CMD_MS, "^sh: /%s: No such file or directory$", a);
	expect(vm, CMD_MS, PROMPT);
}

/* ; && || in order, $? the last status, quoting, comments. */
static void lists(struct run *r)
{
	char a[W], b[W], c[W], d[W];
	randword(a, W);
	randword(b, W);
	randword(c, W);
	randword(d, W);
	struct vm *vm = shell(r);
	type(vm, "false || echo %s; true && echo %s; false && echo %s; echo %s $?\r", a, b, d, c);
	expect(vm, CMD_MS, "^%s$", a);
	expect(vm, CMD_MS, "^%s$", b);
	expect(vm, CMD_MS, "^%s 1$", c); /* d never printed: the next line is c's */
	expect(vm, CMD_MS, PROMPT);
	type(vm, "true || echo %s; echo %s $?\r", d, a);
	expect(vm, CMD_MS, "^%s 0$", a);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "echo '%s  $?|;' \"%s  $? x\" %s\\ \\; # %s\r", a, b, c, d);
	expect(vm, CMD_MS, "^%s  \\$\\?\\|; %s  0 x %s ;$", a, b, c);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "%s; echo %s $?\r", d, a);
	expect(vm, CMD_MS, "^sh: %s: not found$", d);
	expect(vm, CMD_MS, "^%s 127$", a);
	expect(vm, CMD_MS, PROMPT);
	char re[32];
	snprintf(re, sizeof(re), "^%s$", d);
	check(vm, !vm_seen(vm, re), "a command after a failed && ran, or a comment did");
}

/* ( ... ) runs in a subshell: its output redirected as one, its exit its own. */
static void groups(struct run *r)
{
	char f[W], a[W], b[W];
	randword(f, W);
	randword(a, W);
	randword(b, W);
	struct vm *vm = shell(r);
	type(vm, "(echo %s; (echo %s)) > /tmp/%s; cat /tmp/%s | wc\r", a, b, f, f);
	expect(vm, CMD_MS, "^ *2 +2 +%zu$", 2 * (strlen(a) + 1));
	expect(vm, CMD_MS, PROMPT);
	type(vm, "(cd /tmp; exit 7) || echo %s $?; pwd\r", a);
	expect(vm, CMD_MS, "^%s 7$", a);
	expect(vm, CMD_MS, "^/$"); /* cd in the group stayed there */
	expect(vm, CMD_MS, PROMPT);
}

/* Malformed lines get a clear error; the shell goes on. */
static void syntax(struct run *r)
{
	char a[W];
	randword(a, W);
	struct vm *vm = shell(r);
	type(vm, "echo '%s\r", a);
	expect(vm, CMD_MS, "^sh: unterminated single quote$");
	expect(vm, CMD_MS, PROMPT);
	type(vm, "echo %s >\r", a);
	expect(vm, CMD_MS, "^sh: syntax error: no file name after '>'$");
	expect(vm, CMD_MS, PROMPT);
	type(vm, "(echo %s\r", a);
	expect(vm, CMD_MS, "^sh: syntax error: '\\(' without '\\)'$");
	expect(vm, CMD_MS, PROMPT);
	type(vm, "echo %s )\r", a);
	expect(vm, CMD_MS, "^sh: syntax error near '\\)'$");
	expect(vm, CMD_MS, PROMPT);
	type(vm, "| echo %s\r", a);
	expect(vm, CMD_MS, "^sh: syntax error near '\\|'$");
	expect(vm, CMD_MS, PROMPT);
	type(vm, "echo $?\r");
	expect(vm, CMD_MS, "^2$");
	expect(vm, CMD_MS, PROMPT);
	type(vm, "echo %s\r", a);
	expect(vm, CMD_MS, "^%s$", a);
}

/* A script file: its lines run in order, with their own $?. */
static void script(struct run *r)
{
	char f[W], a[W], b[W];
	randword(f, W);
	randword(a, W);
	randword(b, W);
	struct vm *vm = shell(r);
	type(vm, "echo 'echo %s; false' > /tmp/%s; echo 'echo %s $?; exit 5' >> /tmp/%s\r", a, f, b,
	     f);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "sh /tmp/%s; echo status $?\r", f);
	expect(vm, CMD_MS, "^%s$", a);
	expect(vm, CMD_MS, "^%s 1$", b);
	expect(vm, CMD_MS, "^status 5$");
	expect(vm, CMD_MS, PROMPT);
	type(vm, "sh < /tmp/%s; echo status $?; cat /tmp/%s | sh | wc\r", f, f);
	expect(vm, CMD_MS, "^%s$", a); /* a script on its input: no prompts */
	expect(vm, CMD_MS, "^%s 1$", b);
	expect(vm, CMD_MS, "^status 5$");
	expect(vm, CMD_MS, "^ *2 +3 +%zu$", strlen(a) + strlen(b) + 4);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "sh /tmp/%s.no\r", f);
	expect(vm, CMD_MS, "^sh: /tmp/%s.no: No such file or directory$", f);
}

/* cd and pwd, relative paths with . and .., ls -l; a directory uid 1000 may not enter. */
static void cwd(struct run *r)
{
	char d[W], f[W], a[W];
	randword(d, W);
	randword(f, W);
	randword(a, W);
	struct vm *vm = shell(r);
	type(vm, "mkdir /tmp/%s; cd /tmp/%s; pwd; echo %s > %s; cd ..; cat ./%s/../%s/%s\r", d, d,
	     a, f, d, d, f);
	expect(vm, CMD_MS, "^/tmp/%s$", d);
	expect(vm, CMD_MS, "^%s$", a);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "pwd; ls -l %s /tmp/%s/%s\r", d, d, f);
	expect(vm, CMD_MS, "^/tmp$");
	expect(vm, CMD_MS, "^-rw-r--r-- 0 +%zu %s$", strlen(a) + 1, f);
	expect(vm, CMD_MS, "^-rw-r--r-- 0 +%zu /tmp/%s/%s$", strlen(a) + 1, d, f);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "cd %s/%s\r", d, f);
	expect(vm, CMD_MS, "^sh: cd: %s/%s: Not a directory$", d, f);
	expect(vm, CMD_MS, PROMPT);
	/* root made it 0700: uid 1000 may not go in (&& keeps pwd from running) */
	type(vm, "chmod 700 %s; su 1000 sh -c 'cd /tmp/%s && pwd'; su 1000 sh -c 'cd / && pwd'\r",
	     d, d);
	expect(vm, CMD_MS, "^sh: cd: /tmp/%s: Permission denied$", d);
	expect(vm, CMD_MS, "^/$");
	expect(vm, CMD_MS, PROMPT);
	type(vm, "cd; pwd\r");
	expect(vm, CMD_MS, "^/$");
}

/* Ctrl-D at the start of a line ends cat's input; in the middle it only ends the line. */
static void ctrl_d(struct run *r)
{
	char a[W], b[W];
	randword(a, W);
	randword(b, W);
	struct vm *vm = shell(r);
	type(vm, "cat; echo done $?\r");
	type(vm, "%s\r", a);
	expect(vm, CMD_MS, "^%s$", a); /* the console's echo */
	expect(vm, CMD_MS, "^%s$", a); /* cat's copy */
	/* cat gets b without a newline and goes on; then end of file: the
	   echo of b, cat's copy and the shell's next line share a line */
	type(vm, "%s\x04", b);
	type(vm, "\x04");
	expect(vm, CMD_MS, "^%s%sdone 0$", b, b);
	expect(vm, CMD_MS, PROMPT);
}

/* Line editing at the prompt: Ctrl-U erases the line, backspace a character. */
static void editing(struct run *r)
{
	char a[W], b[W];
	randword(a, W);
	randword(b, W);
	struct vm *vm = shell(r);
	type(vm,
	     "echo %s\x15"
	     "echo %sxy\x7f\x08\r",
	     a, b);
	expect(vm, CMD_MS, "^%s$", b); /* a was erased with its line, xy one by one */
	expect(vm, CMD_MS, PROMPT);
	/* b's own, not any word's: a random b may end in x itself */
	char left[2 * W + 8];
	snprintf(left, sizeof(left), "^%sxy?$", b);
	check(vm, !vm_seen(vm, left), "a backspace did not erase");
}

/*
 * Ctrl-C stops the foreground job - a two-stage pipeline - and only it:
 * a background job lives on; the shell prompts again; $? is 130.
 */
static void ctrl_c(struct run *r)
{
	char a[W];
	randword(a, W);
	struct vm *vm = shell(r);
	type(vm, "sleep 1000 &\r");
	int bg = atoi(expect(vm, CMD_MS, "^\\[[0-9]+\\]$") + 1);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "cat | cat\r");
	type(vm, "%s\r", a);
	expect(vm, CMD_MS, "^%s$", a); /* the echo */
	expect(vm, CMD_MS, "^%s$", a); /* through both cats: both run */
	type(vm, "\x03");
	expect(vm, CMD_MS, "\\^C$");
	expect(vm, CMD_MS, PROMPT);
	type(vm, "echo $?; ps\r");
	expect(vm, CMD_MS, "^130$");
	expect(vm, CMD_MS, "^%d +[0-9]+ +[a-z]+ +[0-9]+ +0 +sleep$", bg);
	expect(vm, CMD_MS, PROMPT);
	check(vm, !vm_seen(vm, "^[0-9]+ +[0-9]+ +[a-z]+ +[0-9]+ +0 +cat$"),
	      "a cat of the pipeline lived on after Ctrl-C");
	/* Ctrl-C at the prompt: the line typed so far goes, the shell asks again */
	type(vm, "echo %s\x03", a);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "kill %d\r", bg);
	expect(vm, CMD_MS, "^\\[%d\\] done, status 137$", bg);
}

/* Who may put a child in which job, and choose the foreground (jobtest's checks). */
static void jobs(struct run *r)
{
	struct vm *vm = shell(r);
	command(vm, "jobtest\r");
	checks_passed(vm, "jobtest", CMD_MS, 10); /* its own; its children print theirs too */
	expect(vm, CMD_MS, PROMPT);
}

const struct test shell_tests[] = {
    {"shell/redirect", 3, ALL, redirect, 0},  {"shell/redirect-1cpu", 1, ALL, redirect, 1},
    {"shell/lists", 3, ALL, lists, 0},	      {"shell/groups", 2, ALL, groups, 0},
    {"shell/syntax", 2, ALL, syntax, 0},      {"shell/script", 2, ALL, script, 0},
    {"shell/groups-1cpu", 1, ALL, groups, 1}, {"shell/cwd", 3, ALL, cwd, 0},
    {"shell/editing", 1, ALL, editing, 0},    {"shell/ctrl-d", 2, ALL, ctrl_d, 0},
    {"shell/ctrl-c", 3, ALL, ctrl_c, 0},      {"shell/ctrl-c-1cpu", 2, ALL, ctrl_c, 1},
    {"shell/jobs", 2, ALL, jobs, 0},	      {0},
};
