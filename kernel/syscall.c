/*
 * syscall.c - a system call from user mode, from its count to the way
 * out: the arch's trap code calls syscall() and restores the user's
 * registers afterwards. The two system calls, by number:
 *
 *   number 0   ring_enter(ring, to_submit, flags)          ring.c
 *   number 1   wait(items, n, events, max, timeout_ns)     wait.c
 *
 * Any other number fails with -ENOSYS; nothing a program puts in its
 * registers can hurt the kernel.
 */
#include "proc.h"

/*
 * One function from the count to the way out, with the test for work
 * on the way out inline (trap_return_work, proc.h): the usual system
 * call, with nothing to do after it, makes no call but the one it is
 * for. The calls of dispatch and return this replaces cost a blocking
 * ring call 10 instructions on x86_64 and 11 on riscv64 (measured).
 */
void syscall(struct trapframe *tf)
{
	long r;
	/* trap_enter(ENTRY_SYSCALL), without its test for a thread: a system
	   call always comes from one (a ring call 2 instructions fewer on
	   x86_64, 1 on riscv64, measured) */
	struct cpu *c = mycpu();
	c->entries[ENTRY_SYSCALL]++;
	c->thread->entries[ENTRY_SYSCALL]++;
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
	c = mycpu(); /* perhaps not the CPU we came in on: the call may have slept */
	if (trap_return_work(c, c->thread))
		trap_return_user(tf);
}
