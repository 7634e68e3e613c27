/*
 * Wrong (not fast enough): the lock round left as calls - irq_push()
 * and irq_pop() out of line in spinlock.c, and the ring's lock taken
 * with spin_lock(), which pushes and pops the interrupt flag and checks
 * the holder, where the ring's callers already run with interrupts off.
 * caught by grader: perf/null-call
 */
/* REGION kernel/kernel.h perf 2 1 */
struct cpu *irq_push(void);
void irq_pop_cpu(struct cpu *c);
void irq_pop(void);
#define spin_lock_irqoff   spin_lock
#define spin_unlock_irqoff spin_unlock
/* REGION kernel/spinlock.c perf 2 1 */
struct cpu *irq_push(void)
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
}

