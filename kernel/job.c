/*
 * job.c - jobs, and the console's foreground job: what Ctrl-C stops.
 *
 * Every process is in a job, a number (struct proc's job). A child is
 * in its spawner's job unless the spawner says otherwise: a shell starts
 * each command's pipeline in a new job (SPAWN_NEW_JOB: numbered by its
 * first process's pid) and puts the pipeline's other stages in it; what
 * they spawn in turn inherits it. The shell then tells the kernel which
 * job is in the foreground (SPAWN_FG when it spawns the job's first
 * process, so that even a Ctrl-C typed at once finds it; OP_CONSOLE_FG
 * to change it later, 0 when the job is done), and Ctrl-C typed on the
 * console kills every process of that job (status STATUS_INTR) - the
 * program and its pipeline - and nothing else: background jobs, the
 * shell itself, init. No job in the foreground (0): Ctrl-C only throws
 * away the line being typed.
 *
 * Who may choose (docs/console.md): the console has an owner, a uid.
 * Root may make any job the foreground. Another user may only while the
 * console is theirs (the owner is their uid), and only a job that is
 * theirs: their own or one of their children's, every process of it
 * with their uid. Making a job the foreground gives the console to the
 * uid of its first process. So a hostile user can neither take the
 * console from someone else nor aim Ctrl-C at anyone's processes but
 * their own.
 */
#include "proc.h"

/* Under sched_lock, as the processes' jobs are. */
static int fg_job;   /* 0: none */
static int fg_owner; /* the uid that may change it (besides root) */

/* May p put a child in job, or make it the foreground? Its own job, or
   one of its children's - a child that has ended but is not reaped yet
   counts: a pipeline's first stage may end before its last starts. */
int job_check(struct proc *p, int job)
{
	if (job == p->job)
		return 0;
	struct proc *pt = proc_table();
	int r = -EPERM;
	spin_lock(&sched_lock);
	for (int i = 0; i < NPROC; i++)
		if (pt[i].state >= P_ALIVE && pt[i].parent == p && pt[i].job == job)
			r = 0;
	spin_unlock(&sched_lock);
	return r;
}

/* The uid of job's leader (its first process) or else of any process in it; -1: none alive. */
static int job_uid(int job, int uid, bool *mixed)
{
	struct proc *pt = proc_table();
	int found = -1;
	*mixed = false;
	for (int i = 0; i < NPROC; i++) {
		if (pt[i].state != P_ALIVE || pt[i].job != job)
			continue;
		*mixed |= pt[i].uid != uid;
		if (found == -1 || pt[i].pid == job)
			found = pt[i].uid;
	}
	return found;
}

int op_console_fg(struct op *op)
{
	s64 job = (s64)op->sqe.off;
	int uid = op->ring->uid;
	if (job < 0 || job > 0x7fffffff)
		return -EINVAL;
	if (job && uid != 0 && job_check(op->proc, (int)job) < 0)
		return -EPERM;
	spin_lock(&sched_lock);
	bool mixed = false;
	int owner = job ? job_uid((int)job, uid, &mixed) : uid;
	int r = 0;
	if (uid != 0 && (fg_owner != uid || mixed))
		r = -EPERM;
	else if (owner < 0)
		r = -ESRCH; /* nobody in it: it has ended */
	else {
		fg_job = (int)job;
		fg_owner = owner;
	}
	spin_unlock(&sched_lock);
	return r;
}

/* May uid change the foreground? Root, or the console's owner. */
int job_may_fg(int uid)
{
	spin_lock(&sched_lock);
	bool ok = uid == 0 || uid == fg_owner;
	spin_unlock(&sched_lock);
	return ok ? 0 : -EPERM;
}

/*
 * Spawn with SPAWN_FG (proc.c): p, alone in a new job, becomes the
 * foreground - if uid may still choose it: spawn checked job_may_fg()
 * before it built p, and the console may have changed hands since.
 */
void job_fg_locked(struct proc *p, int uid)
{
	if (uid != 0 && uid != fg_owner)
		return;
	fg_job = p->job;
	fg_owner = p->uid;
}

/* Ctrl-C (console.c): kill the foreground job. False if there is none. */
bool job_interrupt(void)
{
	struct proc *pt = proc_table();
	spin_lock(&sched_lock);
	int job = fg_job;
	for (int i = 0; i < NPROC && job; i++)
		if (pt[i].state == P_ALIVE && pt[i].job == job && pt[i].pid != 1) /* never init */
			die_locked(&pt[i], STATUS_INTR);
	spin_unlock(&sched_lock);
	return job != 0;
}
