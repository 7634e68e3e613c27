/*
 * trap.c - what every trap has in common, whatever the CPU.
 *
 * Arch trap code decodes the hardware's cause and calls in here: to count
 * the kernel entry, to run a device's handler, to report an interrupt
 * nobody asked for, to kill a process whose fault it cannot fix, or to
 * stop the machine on a fault the kernel cannot handle; and every trap
 * from user mode leaves through trap_return_user(). Counting every
 * entry exactly is what lets tests prove claims like "this read entered
 * the kernel once".
 */
#include "proc.h"

#define NIRQ 64

static irq_fn handlers[NIRQ];

/* Run fn for irq, and unmask it. -EBUSY if another handler has it: a
 * driver's device must not take over a line the kernel's UART uses. */
int irq_register(int irq, irq_fn fn)
{
	if (irq < 0 || irq >= NIRQ)
		panic("irq_register: bad irq %d", irq);
	if (handlers[irq] && handlers[irq] != fn)
		return -EBUSY;
	handlers[irq] = fn;
	arch_irq_unmask(irq);
	return 0;
}

/* The line goes quiet and its handler away (a driver let its device go, dev.c). */
void irq_unregister(int irq)
{
	arch_irq_mask(irq);
	handlers[irq] = NULL;
}

void irq_handle(int irq)
{
	if (irq >= 0 && irq < NIRQ && handlers[irq])
		handlers[irq](irq);
	else
		trap_spurious(irq);
}

/*
 * Count it, and say so the first time on each CPU: a flood of spurious
 * interrupts should be visible, not fill the console.
 */
void trap_spurious(u64 cause)
{
	struct cpu *c = mycpu();
	if (c->spurious++ == 0)
		printf("cpu%d: unexpected interrupt (cause %llx); counting further ones\n", c->id,
		       cause);
}

void trap_fatal(const char *name, u64 cause, u64 pc, u64 addr, struct trapframe *tf)
{
	panic_begin();
	printf("panic: cpu%d: %s (cause %llx) pc %llx addr %llx\n", arch_cpu_id(), name, cause, pc,
	       addr);
	if (tf)
		arch_dump_trapframe(tf);
	printf("duet: powering off after panic\n");
	arch_poweroff(1);
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
	struct cpu *c = mycpu();
	struct thread *t = c->thread;
	/* Fast path: nothing to do, found with one test (proc.h; the
	   branches and calls of the full path below cost a ring call 40
	   instructions on x86_64). */
	if (!trap_return_work(c, t))
		return;
	if (t->proc->killed)
		thread_end(0); /* the process's status is p->kill_status */
	op_continue_thread(t); /* chains whose first op completed meanwhile */
	if (mycpu()->need_resched) {
		mycpu()->need_resched = false;
		sched_yield();
		if (t->proc->killed)
			thread_end(0);
	}
	uintr_return(tf); /* last: the handler's frame goes on the final registers */
}
