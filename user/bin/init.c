/*
 * init.c - process 1, the first program the kernel starts.
 *
 * It starts the servers (the table below: the disk driver blkd, the
 * file server fsd, the network server netd), each once the one before it answers, then the
 * shell, and then reaps children for ever: its servers, its shell, and
 * every orphan, since the kernel makes init the parent of a process
 * whose parent exits. Reaping frees a zombie's slot. init must never
 * exit: the kernel panics if it does.
 *
 * A server that dies (killed, or a fault) is started again, as MINIX 3's
 * reincarnation server does (docs/servers.md, "Restarting servers"): the
 * kernel has already failed what was in flight to it and unmounted it,
 * so the new one mounts the same path, and spawn meanwhile loads it from
 * the boot archive (blkd always comes from there: the file server needs
 * blkd to read any program from the disk). A server that dies before it
 * comes up (before its mount answers) is started again after a back-off,
 * at most START_TRIES times in a row: then init gives up on it rather
 * than spin the machine.
 * If the shell exits, init starts a new one, so the console always has
 * a prompt.
 *
 * Without a file server the system still runs - programs come from the
 * boot archive, which the kernel reads itself - only files are missing.
 */
#include "user.h"

/* How long a server may take to fill its tree and mount. Only a hang
   may reach it: at 5 s a loaded host's blkd came up after init had
   moved on (fsd waits for its disk: it would only be late). */
#define UP_WAIT_MS  60000
#define START_TRIES 5	/* failed starts in a row before init gives up on a server */
#define BACKOFF_MS  100 /* before the 2nd try; doubled before each one after it */

static struct server {
	const char *name;  /* the program, /bin/<name> */
	const char *mount; /* what it mounts: it is up once stat() of it answers */
	unsigned flags;	   /* spawn's: SPAWN_ARCHIVE, from the boot archive always */
	const char *dev;   /* its argument: the device its tree is on (left out if the
			      server that mounts it found none: then there is none) */
	int pid;	   /* 0: not running */
	bool up;	   /* it answered since it was started */
	bool none;	   /* it exited 0 before coming up: nothing to serve (no disk) */
	int fails;	   /* starts in a row that died before coming up */
	u64 due;	   /* ns: when to start it (0: not waiting to) */
} servers[] = {
    /* from the boot archive, at boot and at every restart: fsd cannot
       load it from a disk that only blkd reaches */
    {.name = "blkd", .mount = "/dev/disk", .flags = SPAWN_ARCHIVE},
    /* its tree is on the disk blkd serves: it waits for it (a root
       file system never silently becomes another one), or, if blkd found
       no disk, is in memory */
    {.name = "fsd", .mount = "/", .dev = "/dev/disk"},
    {.name = "netd", .mount = "/net"}, /* the network */
};

static void died(struct server *s, int status);

/* s->dev, unless the server that mounts it found nothing to serve */
static char *device(const struct server *s)
{
	for (size_t i = 0; s->dev && i < ARRAY_SIZE(servers); i++)
		if (servers[i].none && strcmp(servers[i].mount, s->dev) == 0)
			return NULL;
	return (char *)s->dev;
}

/*
 * Start s and wait until its mount answers, it exits, or UP_WAIT_MS
 * passes (a slow start: it counts as up only once it has answered).
 * One that exits is reaped here, so that the next server started knows
 * how it ended (blkd: no disk). Returns spawn's error if it could not
 * even be started, 1 if it has exited, else 0.
 */
static int start(struct server *s)
{
	char path[32];
	char *argv[] = {(char *)s->name, device(s), NULL};
	snprintf(path, sizeof(path), "/bin/%s", s->name);
	s->due = 0;
	s->up = false;
	int pid = spawn_job(path, argv, NULL, 0, -1, -1, 0, s->flags);
	if (pid < 0)
		return pid;
	s->pid = pid;
	struct wait_item child = {.type = WAIT_CHILD, .id = s->pid};
	struct wait_event ev;
	struct fs_stat st;
	u64 until = now_ns() + UP_WAIT_MS * 1000000ull;
	bool exited = false;
	int status = 0;
	/* -ENOENT until it has mounted; stop looking if it exits. wait()
	   says the child may have ended, waitpid_nohang() whether it has: a
	   wait() that says "ready" when nothing is (lab wait's stub, in the
	   labs' handouts) then costs a look, not a waitpid() that never
	   returns. */
	while (!(s->up = stat(s->mount, &st) == 0) && now_ns() < until) {
		if (wait(&child, 1, &ev, 1, 0) > 0 && waitpid_nohang(pid, &status) == pid) {
			exited = true;
			break;
		}
		msleep(10);
	}
	if (s->up)
		s->fails = 0;
	if (exited) {
		s->pid = 0;
		died(s, status);
	}
	return exited;
}

/*
 * s has exited with status (-E*: spawn's error, it never ran): say so,
 * and when to start it again: at once if it had come up and was killed
 * or faulted, after a back-off doubling with each failed start, never
 * after START_TRIES of those in a row - and never if it exited 0 before
 * coming up (it had nothing to serve: blkd finding no disk). A server
 * that stopped itself with an error (a status below 128) failed too,
 * even if its mount answered: another server may answer it (a blkd
 * started by hand holds the disk, and each of init's fails at once),
 * and restarting those at once would never end.
 */
static void died(struct server *s, int status)
{
	if (status == 0 && !s->up) {
		s->none = true; /* it had nothing to serve (blkd without a disk): not a failure */
		return;
	}
	if (!s->up || (status > 0 && status < 128))
		s->fails++;
	if (s->fails >= START_TRIES) {
		printf("init: %s failed to start %d times in a row: giving up on it\n", s->name,
		       s->fails);
		return;
	}
	unsigned ms = s->fails ? BACKOFF_MS << (s->fails - 1) : 0;
	if (status >= 0)
		printf("init: %s exited with status %d: restarting it in %u ms\n", s->name, status,
		       ms);
	else
		printf("init: %s could not start (%s): trying again in %u ms\n", s->name,
		       errstr(status), ms);
	s->due = now_ns() + ms * 1000000ull;
}

static int start_sh(void)
{
	char *argv[] = {"sh", NULL};
	int pid;
	while ((pid = spawn("/bin/sh", argv, NULL, 0, -1, -1)) < 0) {
		fprintf(2, "init: cannot start /bin/sh: %s\n", errstr(pid));
		msleep(1000);
	}
	return pid;
}

/* The server of s's device is to be started again: s waits for it (fsd
   for blkd: else start() would wait for an fsd waiting for its disk,
   while the disk's driver waits for init). */
static bool blocked(const struct server *s)
{
	for (size_t i = 0; s->dev && i < ARRAY_SIZE(servers); i++)
		if (servers[i].due && strcmp(servers[i].mount, s->dev) == 0)
			return true;
	return false;
}

/* Start the servers whose time has come; how long until the next one is due (-1: none). */
static long long start_due(void)
{
	long long next = -1;
	for (size_t i = 0; i < ARRAY_SIZE(servers); i++) {
		struct server *s = &servers[i];
		int r;
		if (s->due && now_ns() >= s->due && !blocked(s) && (r = start(s)) < 0)
			died(s, r);	     /* could not even spawn: a failed start too */
		if (s->due && !blocked(s)) { /* (a blocked one: when its device's server is) */
			long long left = s->due > now_ns() ? (long long)(s->due - now_ns()) : 0;
			next = next < 0 || left < next ? left : next;
		}
	}
	return next;
}

int main(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(servers); i++) {
		if (blocked(&servers[i])) {
			servers[i].due = now_ns(); /* once its device's server is up */
			continue;
		}
		int r = start(&servers[i]);
		if (r < 0)
			died(&servers[i], r);
		else if (r == 0 && !servers[i].up)
			fprintf(2, "init: %s is not up yet\n", servers[i].name);
	}
	int sh = start_sh();
	for (;;) {
		/* until a child exits, or a server's restart is due */
		long long left = start_due();
		struct wait_item any = {.type = WAIT_CHILD, .id = -1};
		struct wait_event ev;
		if (left >= 0 && wait(&any, 1, &ev, 1, left) == 0)
			continue; /* the restart is due */
		/* every child that has exited, before any restart: servers
		   killed together start again in the table's order, blkd
		   before the fsd that needs it */
		do {
			int status;
			int pid = waitpid(-1, &status);
			if (pid < 0) { /* should not happen: do not spin if it does */
				fprintf(2, "init: waitpid: %s\n", errstr(pid));
				msleep(100);
				break;
			}
			if (pid == sh) {
				printf("init: sh exited with status %d, starting another\n",
				       status);
				sh = start_sh();
			}
			for (size_t i = 0; i < ARRAY_SIZE(servers); i++) {
				if (servers[i].pid == pid) {
					servers[i].pid = 0;
					died(&servers[i], status);
				}
			}
		} while (wait(&any, 1, &ev, 1, 0) > 0);
	}
}
