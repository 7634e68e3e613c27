/*
 * fs_test.c - files (issue 6): the file server, open's permission check
 * and the file programs, on one CPU and two.
 *
 * fstest (user/bin/) makes the checks from inside: files, directories,
 * denials for an unprivileged user, chmod while open, a client that
 * lies, leaks. The shell tests drive the programs with words random per
 * run: a line goes into a file through a pipe (`echo ... | tee`), comes
 * back through another (`cat | wc`), and the file is stat'ed, chmod'ed
 * (a new identity, and the unprivileged user is now refused), renamed,
 * listed and removed. And the servers die: init restarts fsd (its
 * clients fail, none hangs), and blkd under fsd's writes (fsd reconnects,
 * the disk stays whole).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/disk.h"
#include "harness/shell.h"
#include "harness/vm.h"

#define FSTEST_MS                                                                                  \
	600000	   /* fstest's checks, twice, with children and timeouts, under TCG, busy host */
#define MIN_FS 200 /* fstest has more checks than this */

static void fstest(struct run *r)
{
	struct vm *vm = shell(r);
	command(vm, "fstest\r");
	const char *l =
	    expect(vm, FSTEST_MS, "^fstest: [0-9]+ CPUs: [0-9]+ reads of 4096 bytes .*$");
	note("%s", l);
	checks_passed(vm, "fstest", FSTEST_MS, MIN_FS);
	expect(vm, CMD_MS, PROMPT);
}

/* `stat path`'s line: mode, size and identity (ino, gen). */
static void stat_line(struct vm *vm, const char *path, unsigned *mode, long *size,
		      unsigned long long *ino, unsigned long long *gen)
{
	type(vm, "stat %s\r", path);
	const char *l = expect(vm, CMD_MS,
			       "^%s: file mode [0-7]{4} owner 0:0 size [0-9]+ links 1 "
			       "identity [0-9]+\\.[0-9]+$",
			       path);
	char fmt[160];
	snprintf(fmt, sizeof(fmt),
		 "%s: file mode %%o owner 0:0 size %%ld links 1 identity %%llu.%%llu", path);
	check(vm, sscanf(l, fmt, mode, size, ino, gen) == 4, "cannot read the stat line: %s", l);
	expect(vm, CMD_MS, PROMPT);
}

static void programs(struct run *r)
{
	char a[10], b[10], f[10];
	randword(a, sizeof(a));
	randword(b, sizeof(b));
	randword(f, sizeof(f));
	char path[32], moved[32];
	snprintf(path, sizeof(path), "/tmp/%s", f);
	snprintf(moved, sizeof(moved), "/tmp/%s.mv", f);
	long bytes = strlen(a) + strlen(b) + 2;
	struct vm *vm = shell(r);

	/* into a file and back, through pipes */
	type(vm, "echo %s %s | tee %s\r", a, b, path);
	expect(vm, CMD_MS, "^%s %s$", a, b);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "cat %s | wc\r", path);
	expect(vm, CMD_MS, "^1 2 %ld$", bytes);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "su 1000 cat %s\r", path); /* 0644: anyone may read it */
	expect(vm, CMD_MS, "^%s %s$", a, b);
	expect(vm, CMD_MS, PROMPT);

	/* chmod: a new file in the old one's place */
	unsigned mode, mode2;
	long size, size2;
	unsigned long long ino, gen, ino2, gen2;
	stat_line(vm, path, &mode, &size, &ino, &gen);
	check(vm, mode == 0644 && size == bytes, "mode %o size %ld, not 0644 and %ld", mode, size,
	      bytes);
	type(vm, "chmod 600 %s\r", path);
	expect(vm, CMD_MS, PROMPT);
	stat_line(vm, path, &mode2, &size2, &ino2, &gen2);
	check(vm, mode2 == 0600 && size2 == bytes, "after chmod 600: mode %o size %ld", mode2,
	      size2);
	check(vm, ino2 != ino && gen2 == gen + 1,
	      "after chmod the identity is %llu.%llu, was %llu.%llu: not a new file", ino2, gen2,
	      ino, gen);
	type(vm, "su 1000 cat %s\r", path);
	expect(vm, CMD_MS, "^cat: %s: Permission denied$", path);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "su 1000 chmod 644 %s\r", path);
	expect(vm, CMD_MS, "^chmod: %s: Operation not permitted$", path);
	expect(vm, CMD_MS, PROMPT);

	/* mv, ls, rm, mkdir */
	type(vm, "mv %s %s\r", path, moved);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "ls /tmp\r");
	expect(vm, CMD_MS, "^%s\\.mv +%ld$", f, bytes);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "cat %s\r", path);
	expect(vm, CMD_MS, "^cat: %s: No such file or directory$", path);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "rm %s\r", moved);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "cat %s\r", moved);
	expect(vm, CMD_MS, "^cat: %s: No such file or directory$", moved);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "mkdir %s\r", path);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "su 1000 mkdir %s/x\r", path); /* root's, 0755 */
	expect(vm, CMD_MS, "^mkdir: %s/x: Permission denied$", path);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "ls /tmp\r");
	expect(vm, CMD_MS, "^%s/ +0$", f);
	expect(vm, CMD_MS, PROMPT);
}

/* The boot archive's files are in the tree; /etc/motd through a pipe. */
static void tree(struct run *r)
{
	struct vm *vm = shell(r);
	type(vm, "ls /\r");
	expect(vm, CMD_MS, PROMPT);
	const char *dirs[] = {"bin", "tmp", "home", "etc"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		seen(vm, "^%s/ +[0-9]+$", dirs[i]);
	type(vm, "ls /bin\r");
	expect(vm, CMD_MS, PROMPT);
	const char *progs[] = {"cat", "fsd", "fstest", "ls", "sh", "wc"};
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		seen(vm, "^%s +[1-9][0-9]*$", progs[i]);
	type(vm, "cat /etc/motd | wc\r");
	expect(vm, CMD_MS, "^2 12 60$");
	expect(vm, CMD_MS, PROMPT);
	type(vm, "su 1000 cat /etc/secret\r");
	expect(vm, CMD_MS, "^cat: /etc/secret: Permission denied$");
	expect(vm, CMD_MS, PROMPT);
	type(vm, "stat /home/user\r");
	expect(vm, CMD_MS, "^/home/user: directory mode 0755 owner 1000:1000 .*$");
}

#define RESTART_MS  300000 /* fstest restart: two kills, two restarts, under TCG, busy host */
#define MIN_RESTART 20	   /* its checks */
#define GIVEUP_MS   120000 /* init's five tries, with back-off, under TCG, busy host */

/*
 * init restarts the file server (docs/servers.md): fstest kills it twice
 * while clients read; they fail, none hangs, init says it restarts it,
 * and files are served again - the shell's included.
 */
static void restart(struct run *r)
{
	char w[10];
	randword(w, sizeof(w));
	struct vm *vm = shell(r);
	type(vm, "fstest restart %s\r", w);
	checks_passed(vm, "fstest", RESTART_MS, MIN_RESTART);
	seen(vm, "init: fsd exited with status 137: restarting it in 0 ms$");
	expect(vm, CMD_MS, PROMPT);
	type(vm, "cat /etc/motd | wc\r");
	expect(vm, CMD_MS, "^2 12 60$");
	expect(vm, CMD_MS, PROMPT);
}

/*
 * A server that dies at once, every time: init tries five times, backing
 * off, then gives up on it (fstest giveup serves /bin/false as /bin/fsd,
 * the first two times with a bad entry point: they crash on a fault).
 * The system goes on without files: programs come from the boot archive.
 */
static void giveup(struct run *r)
{
	struct vm *vm = shell(r);
	type(vm, "fstest giveup\r");
	/* init's lines may follow the shell's prompt on its line: no ^ */
	expect(vm, GIVEUP_MS, "init: fsd failed to start 5 times in a row: giving up on it$");
	seen(vm, "init: fsd exited with status 139: restarting it in 100 ms$"); /* a fault */
	seen(vm, "init: fsd exited with status 1: restarting it in 800 ms$");
	seen(vm, "^fstest: init started the dying server 5 times$");
	check(vm, !vm_seen(vm, "^FAIL "), "fstest giveup failed a check");
	/* the shell's prompt may have come before init's line or after it:
	   a word of our own, then the prompt after it (typed ahead, the
	   word may follow a prompt on its line, but never "echo ") */
	char w[10];
	randword(w, sizeof(w));
	type(vm, "echo %s\r", w);
	expect(vm, CMD_MS, "(^|^\\$ )%s$", w);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "cat /etc/motd\r");
	expect(vm, CMD_MS, "^cat: /etc/motd: No such file or directory$");
	expect(vm, CMD_MS, PROMPT);
}

#define BIG	  1048576 /* the writer's file: a transaction per 64 KiB, many of them */
#define DISK_MS	  600000  /* a MiB through blkd, a restart, under TCG, busy host */
#define STATS_MAX 200	  /* looks at the writer's file before the kill, at most */

/* gen's checksum of the first n bytes it writes with seed (user/bin/gen.c:
   its pattern, FNV-1a) */
static unsigned gen_sum(long n, long seed)
{
	unsigned h = 2166136261u;
	for (long i = 0; i < n; i++)
		h = (h ^ (unsigned char)(i * 7 + seed + (i >> 11))) * 16777619u;
	return h;
}

/* A line that may already have come (the console's order is not the
   events' when several programs print): seen, or wait for it. A
   background program's line may follow the shell's prompt on its line. */
static const char *came(struct vm *vm, int ms, const char *re)
{
	const char *l = vm_seen(vm, re);
	return l ? l : expect(vm, ms, "%s", re);
}

/*
 * blkd killed while a client writes a big file (docs/servers.md,
 * "Restarting servers"): init starts it again from the boot archive,
 * fsd reconnects and mounts the disk again under its open files. The
 * writer gets an error or completes; afterwards files are written and
 * read back byte-exact, the old ones are still there, and after a clean
 * power-off the host's fsck finds the image clean. On the test's own
 * copy of the disk (tests/harness/disk.h), so that fsck can read it.
 */
static void blkd_restart(struct run *r)
{
	char w[10], x[10];
	randword(w, sizeof(w));
	randword(x, sizeof(x));
	private_image(r);
	struct vm *vm = boot_image(r);
	type(vm, "ps\r");
	const char *l = expect(vm, CMD_MS, "^[0-9]+ +1 +[a-z]+ +[0-9]+ +0 +blkd$");
	int pid = atoi(l);
	expect(vm, CMD_MS, PROMPT);
	long seed = random() % 256;
	type(vm, "gen %d %ld > /home/user/%s &\r", BIG, seed, w);
	expect(vm, CMD_MS, PROMPT);
	/* kill it once the file has some bytes: in the middle of the write
	   (the checks hold wherever the kill lands) */
	long size = 0;
	for (int i = 0; i < STATS_MAX && size == 0 && !vm_seen(vm, "^(\\$ )?gen: "); i++) {
		type(vm, "stat /home/user/%s\r", w);
		l = expect(vm, CMD_MS, "/home/user/%s: (No such file or directory|file mode .*)$",
			   w);
		const char *at = strstr(l, " size ");
		size = at ? atol(at + 6) : 0;
		expect(vm, CMD_MS, PROMPT);
	}
	note("blkd (pid %d) killed with %ld bytes of %d written", pid, size, BIG);
	type(vm, "kill %d\r", pid);
	l = expect(vm, DISK_MS,
		   "(fsd: /dev/disk is back.*|init: blkd (could not start|failed to start).*)$");
	check(vm, strstr(l, "is back"), "blkd did not come back for fsd: %s", l);
	seen(vm, "init: blkd exited with status 137: restarting it in 0 ms$");
	seen(vm, "fsd: lost /dev/disk");
	/* the writer: done, or an error; never a hang */
	l = came(vm, DISK_MS, "^(\\$ )?gen: ([0-9]+ bytes, checksum [0-9a-f]{8}|write: .+)$");
	note("the writer: %s", l);
	char sum[9] = "";
	if (strstr(l, "checksum")) {
		check(vm, atol(strstr(l, "gen: ") + 5) == BIG, "the writer says %s", l);
		snprintf(sum, sizeof(sum), "%s", strstr(l, "checksum ") + 9);
	}
	came(vm, DISK_MS, "^(\\$ )?\\[[0-9]+\\] done, status [01]$");
	/* the shell's prompt came before some of those lines, or after: a
	   word of our own, then the prompt after it */
	type(vm, "echo %s\r", x);
	expect(vm, CMD_MS, "(^|^\\$ )%s$", x);
	expect(vm, CMD_MS, PROMPT);

	/* served again, from the disk: a new file, byte-exact */
	type(vm, "gen 100000 %ld > /home/user/%s\r", seed + 1, x);
	l = expect(vm, DISK_MS, "^gen: (100000 bytes, checksum [0-9a-f]{8}|write: .+)$");
	check(vm, strstr(l, "checksum"), "a write after blkd's restart: %s", l);
	char sum2[9];
	snprintf(sum2, sizeof(sum2), "%s", strstr(l, "checksum ") + 9);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "sum < /home/user/%s\r", x);
	expect(vm, CMD_MS, "^sum: 100000 bytes, checksum %s$", sum2);
	expect(vm, CMD_MS, PROMPT);
	/* the writer's file: all of it if it completed, else what it wrote
	   up to some write - byte-exact, and at least what was there before
	   the kill (a completed write is durable) */
	type(vm, "sum < /home/user/%s\r", w);
	l = expect(vm, CMD_MS, "^sum: [0-9]+ bytes, checksum [0-9a-f]{8}$");
	long got = atol(l + 5);
	unsigned h = strtoul(strstr(l, "checksum ") + 9, NULL, 16);
	note("the writer's file: %ld bytes", got);
	check(vm, sum[0] ? got == BIG : got >= size && got <= BIG,
	      "the writer's file has %ld bytes (%ld before the kill, writer: %s)", got, size,
	      sum[0] ? "done" : "failed");
	check(vm, h == gen_sum(got, seed), "the writer's file's %ld bytes are not what it wrote",
	      got);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "cat /etc/motd | wc\r");
	expect(vm, CMD_MS, "^2 12 60$");
	expect(vm, CMD_MS, PROMPT);
	l = vm_seen(vm, "panic");
	check(vm, !l, "a panic: %s", l);
	clean_poweroff(vm);
	fsck();
}

/* The pid ps shows for a program named name, or -1. */
static int pid_of(struct vm *vm, const char *name)
{
	type(vm, "ps\r");
	const char *l = expect(vm, CMD_MS, "^[0-9]+ +[0-9]+ +[a-z]+ +[0-9]+ +0 +%s$", name);
	int pid = atoi(l);
	expect(vm, CMD_MS, PROMPT);
	return pid;
}

/*
 * fsd started while no driver serves /dev/disk (docs/servers.md,
 * "Restarting servers"): it must wait for the disk, never serve the RAM
 * tree in its place. `blktest grab` takes the disk as soon as blkd is
 * killed, so that init's restarts of blkd fail, and kills fsd: init
 * starts it with no blkd. It says it waits; once blktest is killed, a
 * blkd started by hand gets the disk (or one of init's restarts, if
 * init has not given up on it yet), and "/" is the disk's: a file
 * written before is there. Without the wait, fsd served a RAM tree from
 * the boot archive, without the file, and never said it waits.
 * Meanwhile the shell's programs come from the boot archive: "/" is
 * not mounted.
 */
static void fsd_waits(struct run *r)
{
	char w[10], x[10];
	randword(w, sizeof(w));
	randword(x, sizeof(x));
	private_image(r);
	struct vm *vm = boot_image(r);
	type(vm, "echo %s > /tmp/%s\r", w, x);
	expect(vm, CMD_MS, PROMPT);
	int fsd = pid_of(vm, "fsd");
	type(vm, "blktest grab %d &\r", fsd);
	expect(vm, CMD_MS, PROMPT);
	const char *l = NULL;
	for (int i = 0; i < 5 && !(l && strstr(l, "holding")); i++) {
		int blkd = pid_of(vm, "blkd");
		type(vm, "kill %d\r", blkd);
		/* blktest or init's new blkd got the disk: if blkd, again */
		l = expect(vm, DISK_MS, "(blktest: holding the disk|fsd: /dev/disk is back)");
	}
	check(vm, l && strstr(l, "holding"), "blkd got the disk back every time");
	came(vm, DISK_MS, "init: fsd exited with status 137: restarting it in 0 ms$");
	came(vm, DISK_MS, "fsd: waiting for a driver to serve /dev/disk$");
	int grab = pid_of(vm, "blktest");
	type(vm, "kill %d\r", grab);
	expect(vm, CMD_MS, PROMPT);
	/* kill returns before blktest is gone and the disk free: the shell
	   says so at a prompt once it has reaped it */
	char done[40];
	snprintf(done, sizeof(done), "\\[%d\\] done, status 137$", grab);
	for (int i = 0; i < 100 && !vm_seen(vm, done); i++) {
		type(vm, "echo %s\r", x);
		/* the line saying the shell reaped blktest ends in a prompt of its
		   own, and the output may follow it on that line */
		expect(vm, CMD_MS, "(^|^\\$ )%s$", x);
		expect(vm, CMD_MS, PROMPT);
	}
	check(vm, vm_seen(vm, done), "the shell did not reap blktest (pid %d)", grab);
	type(vm, "blkd &\r");
	came(vm, DISK_MS, "fsd: /dev/disk is served: / mounted from it$");
	/* the shell's prompt came before that line or after: a word of our
	   own, then the prompt after it */
	type(vm, "echo %s\r", x);
	expect(vm, CMD_MS, "(^|^\\$ )%s$", x);
	expect(vm, CMD_MS, PROMPT);
	type(vm, "cat /tmp/%s\r", x);
	expect(vm, CMD_MS, "^%s$", w);
	expect(vm, CMD_MS, PROMPT);
	l = vm_seen(vm, "panic");
	check(vm, !l, "a panic: %s", l);
	clean_poweroff(vm);
	fsck();
}

const struct test fs_tests[] = {
    {"fs/fstest", 6, ALL, fstest, 2},
    {"fs/fstest-1cpu", 4, ALL, fstest, 1},
    {"fs/programs", 3, ALL, programs, 2},
    {"fs/programs-1cpu", 2, ALL, programs, 1},
    {"fs/tree", 2, ALL, tree, 0},
    {"fs/restart", 3, ALL, restart, 2},
    {"fs/restart-1cpu", 2, ALL, restart, 1},
    {"fs/giveup", 1, ALL, giveup, 2},
    {"fs/giveup-1cpu", 1, ALL, giveup, 1},
    {"fs/blkd-restart", 3, ALL, blkd_restart, 2},
    {"fs/blkd-restart-1cpu", 2, ALL, blkd_restart, 1},
    {"fs/fsd-waits", 2, ALL, fsd_waits, 2},
    {"fs/fsd-waits-1cpu", 1, ALL, fsd_waits, 1},
    {0},
};
