/*
 * syscall.c - the two system calls: dispatch by number.
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
