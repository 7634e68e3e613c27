/*
 * syscall.c - the two system calls, and the last steps of every trap
 * from user mode.
 *
 *   number 0   ring_enter(ring, to_submit, flags)          ring.c
 *   number 1   wait(items, n, events, max, timeout_ns)     wait.c
 *
 * Any other number fails with -ENOSYS; nothing a program puts in its
 * registers can hurt the kernel.
 */
#include "proc.h"

void syscall(struct trapframe *tf)
{
	long r;
	switch (arch_tf_sysno(tf)) {
	case SYS_RING_ENTER:
		r = ring_enter((u32)arch_tf_arg(tf, 0), (u32)arch_tf_arg(tf, 1),
			       (u32)arch_tf_arg(tf, 2));
		break;
	case SYS_WAIT:
		/* the counts are C unsigned ints: only their low 32 bits count
		   (RISC-V passes them sign-extended in 64-bit registers) */
		r = sys_wait(arch_tf_arg(tf, 0), (u32)arch_tf_arg(tf, 1), arch_tf_arg(tf, 2),
			     (u32)arch_tf_arg(tf, 3), (s64)arch_tf_arg(tf, 4));
		break;
	default:
		r = -ENOSYS;
		break;
	}
	arch_tf_set_ret(tf, (u64)r);
}

/* An exception in user mode that the arch did not handle: the process dies, nobody else. */
void trap_user_fault(const char *name, u64 cause, u64 pc, u64 addr, struct trapframe *tf)
{
	(void)tf;
	struct proc *p = current()->proc;
	printf("pid %d (%s): %s (cause %llx) pc %llx addr %llx: killed\n", p->pid, p->name, name,
	       cause, pc, addr);
	proc_exit(STATUS_FAULT);
}

/* On the way back to user mode: end if the process is dying, continue
 * deferred chains, yield if the time slice is over, enter a user-
 * interrupt handler if one is due. */
void trap_return_user(struct trapframe *tf)
{
	struct thread *t = current();
	if (t->proc->killed)
		thread_exit(0); /* the process's status is p->kill_status */
	ring_run_deferred(t);	/* chains whose first op completed meanwhile */
	if (mycpu()->need_resched) {
		mycpu()->need_resched = false;
		sched_yield();
		if (t->proc->killed)
			thread_exit(0);
	}
	uintr_return(tf); /* last: the handler's frame goes on the final registers */
}
