/*
 * spinlock.c - mutual exclusion between CPUs.
 *
 * A spinlock is a word that is 0 when free. spin_lock() swaps in a 1 with
 * an atomic instruction until the old value was 0. Interrupts stay off
 * while a lock is held: otherwise an interrupt handler on the same CPU
 * could try to take the lock its own CPU already holds and spin forever.
 *
 * irq_push()/irq_pop() count nested "interrupts off" requests per CPU
 * (kernel.h).
 *
 * Each CPU also counts the spinlocks it holds (cpu->locks), for one rule
 * the kernel checks on every release of a counted object (file_put and
 * the other *_put that can free): nobody drops a reference holding a
 * spinlock. Any reference may turn out to be the last one - another CPU
 * dropped the others meanwhile - and a last one runs the object's close,
 * which takes locks of its own, sched_lock among them: taking one this
 * CPU already holds is a deadlock (docs/threads.md, "Locks").
 */
#include "kernel.h"

/* LAB perf 2: BEGIN nothing here: irq_push() and irq_pop() are in kernel.h */
/* STUB: struct cpu *irq_push(void)
   {
	bool on = arch_irq_enabled();
	arch_irq_disable();
	struct cpu *c = mycpu();
	if (c->irq_depth++ == 0)
		c->irq_was_on = on;
	return c;
   }

   void irq_pop_cpu(struct cpu *c)
   {
	if (arch_irq_enabled())
		panic("irq_pop: interrupts are on");
	if (c->irq_depth < 1)
		panic("irq_pop: not pushed");
	if (--c->irq_depth == 0 && c->irq_was_on)
		arch_irq_enable();
   }

   void irq_pop(void)
   {
	irq_pop_cpu(mycpu());
   } */
/* LAB perf END */

void spin_init(struct spinlock *l, const char *name)
{
	l->locked = 0;
	l->name = name;
	l->cpu = -1;
}

/*
 * Both look this CPU up once: interrupts are off from irq_push() to
 * irq_pop(), so the thread stays on it, and arch_cpu_id() is an asm
 * the compiler must repeat at every use (looked up four times, a lock
 * round cost a ring call 10 more instructions on x86_64, 8 on riscv64).
 */
void spin_lock(struct spinlock *l)
{
	struct cpu *c = irq_push();
	if (l->locked && l->cpu == c->id) /* spin_holding() */
		panic("spin_lock: %s already held by this cpu", l->name);
	/* acquire: nothing in the critical section moves above this */
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			arch_relax(); /* wait reading, not writing: less bus traffic */
	l->cpu = c->id;
	c->locks++;
}

void spin_unlock(struct spinlock *l)
{
	struct cpu *c = mycpu();
	if (!l->locked || l->cpu != c->id) /* !spin_holding() */
		panic("spin_unlock: %s not held", l->name);
	c->locks--;
	l->cpu = -1;
	/* release: everything in the critical section is visible first */
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	irq_pop_cpu(c);
}

/* Only meaningful with interrupts off (we cannot migrate meanwhile). */
bool spin_holding(struct spinlock *l)
{
	return l->locked && l->cpu == arch_cpu_id();
}

/*
 * On the way to dropping a reference to an object that this may free
 * (`what` names the function): panic if this CPU holds a spinlock. With
 * interrupts on it holds none (spin_lock turns them off), and the CPU
 * may change under us: no need to look.
 */
void release_check(const char *what)
{
	if (arch_irq_enabled())
		return;
	int n = mycpu()->locks;
	if (n)
		panic("%s: reference dropped holding %d spinlock%s: it may be the last, and a "
		      "release must not run under a spinlock",
		      what, n, n == 1 ? "" : "s");
}
