/*
 * Wrong: spin_lock_irqoff() does not count the lock in cpu->locks (its
 * unlock still uncounts it): the count goes below zero, and
 * release_check() - which stops a reference being dropped under a
 * spinlock - sees locks held where none is, or none where one is.
 * caught by grader: user/ringtest
 */
/* REGION kernel/kernel.h perf 2 1 */
/* Inline: every spinlock round uses them, and as calls they were a
 * quarter of a blocking ring call. */

/* Returns this CPU, which stays ours while interrupts are off: a caller
 * that needs it again (spin_lock) saves looking it up twice. */
static inline struct cpu *irq_push(void)
{
	bool on = arch_irq_enabled();
	arch_irq_disable();
	struct cpu *c = mycpu();
	if (c->irq_depth++ == 0)
		c->irq_was_on = on;
	return c;
}

/* irq_pop() when the caller has this CPU's struct cpu at hand. */
static inline void irq_pop_cpu(struct cpu *c)
{
	if (arch_irq_enabled())
		panic("irq_pop: interrupts are on");
	if (c->irq_depth < 1)
		panic("irq_pop: not pushed");
	if (--c->irq_depth == 0 && c->irq_was_on)
		arch_irq_enable();
}

static inline void irq_pop(void)
{
	irq_pop_cpu(mycpu());
}

/*
 * spin_lock()/spin_unlock() for a caller that knows interrupts are off
 * - all kernel code is, but the idle loop's and a poller's windows
 * (docs/boot.md) - so no irq_push()/irq_pop(): nothing on
 * this CPU can come in and take the lock we hold. Inline, for the
 * ring's lock on the way of every ring call: a lock round cost 59
 * instructions on x86_64 as calls, about 20 this way. The holder and
 * the count of locks held stay right, for spin_holding() and
 * release_check(); what is left out is only the check that this CPU
 * does not hold the lock already (the ring's lock is taken in a few
 * short places in ring.c and op.c that call nothing that takes it).
 */
#ifdef HOST_SPINLOCKS /* the unit tests' spin_lock checks the discipline (tests/unit/host.h) */
#define spin_lock_irqoff   spin_lock
#define spin_unlock_irqoff spin_unlock
#else
static inline void spin_lock_irqoff(struct spinlock *l)
{
	struct cpu *c = mycpu();
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			arch_relax();
	l->cpu = c->id;
	(void)c;
}

static inline void spin_unlock_irqoff(struct spinlock *l)
{
	mycpu()->locks--;
	l->cpu = -1;
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}
#endif
