/*
 * ipi.c - asking other CPUs to act: a kick, or a TLB shootdown.
 *
 * A kick is an interrupt and nothing more. It is enough because of
 * where an interrupt takes a CPU: out of arch_idle() (to look at the run
 * queue again), or out of user mode into the kernel and back through
 * trap_return_user() (which notices a kill, a pending user interrupt,
 * the end of a time slice).
 *
 * A shootdown. Each CPU caches translations in its TLB, so after the
 * kernel removes a user mapping, a CPU running a thread of that address
 * space may still reach the old page. Before the page is reused, every
 * such CPU must flush:
 *
 *   initiator (cpu A)                    target (cpu B, pt loaded)
 *   clear the PTEs
 *   full barrier; read cpus[B].pt == pt
 *   cpus[B].flush = 1; IPI B  ------->   ipi_handle(): flush TLB,
 *   wait until cpus[B].flush == 0 <---      cpus[B].flush = 0
 *   free the pages
 *
 * A CPU that loads pt after A's barrier walks the cleared tables and
 * caches nothing stale, which is why A only asks CPUs that have pt
 * loaded already. B handles the IPI only when its interrupts are on (in
 * user mode or idle), so A must hold no lock while it waits: B might be
 * spinning for it. Two CPUs shooting down at once each answer the other
 * while they wait, and so does every kernel loop that waits for another
 * CPU with interrupts off (ipi_poll).
 */
#include "kernel.h"

void ipi_kick(int cpu)
{
	if (cpu != arch_cpu_id())
		arch_ipi_send(cpu);
}

/* Do what was asked of this CPU. */
static void answer(struct cpu *c)
{
	if (__atomic_load_n(&c->flush, __ATOMIC_ACQUIRE)) {
		arch_tlb_flush();
		__atomic_store_n(&c->flush, 0, __ATOMIC_RELEASE);
	}
}

void ipi_handle(void)
{
	answer(mycpu());
}

/*
 * For kernel code that waits in a loop with interrupts off: answer a
 * shootdown meanwhile, or the CPU asking (which may be the one we wait
 * for) waits for us forever.
 */
void ipi_poll(void)
{
	answer(mycpu());
}

/* The caller has just cleared mappings of pt: flush them everywhere. */
void tlb_shootdown(struct pagetable *pt)
{
	struct cpu *me = mycpu();
	bool asked[NCPU] = {0};
	if (me->irq_depth)
		panic("tlb_shootdown: holding a lock");
	/* the cleared entries are visible before we look who has pt loaded */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (me->pt == pt)
		arch_tlb_flush();
	for (int i = 0; i < NCPU; i++) {
		struct cpu *c = &cpus[i];
		if (c == me || !__atomic_load_n(&c->online, __ATOMIC_ACQUIRE) ||
		    __atomic_load_n(&c->pt, __ATOMIC_SEQ_CST) != pt)
			continue;
		__atomic_store_n(&c->flush, 1, __ATOMIC_RELEASE);
		arch_ipi_send(i);
		asked[i] = true;
	}
	for (int i = 0; i < NCPU; i++)
		while (asked[i] && __atomic_load_n(&cpus[i].flush, __ATOMIC_ACQUIRE)) {
			answer(me);
			arch_relax();
		}
}
