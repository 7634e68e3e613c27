/*
 * pipehost/uintr.h - user interrupts for user/lib/pipe.c on the host
 * (test_pipe.c): instead of the instructions, a mask and a count of the
 * interrupts sent, which the test looks at.
 */
#pragma once

static bool host_uif;	/* user interrupts enabled (STUI) */
static int host_sends;	/* uintr_send calls */
void uintr_entry(void); /* the handler: never runs here */
void uintr_entry(void) {}
static inline void uintr_send(unsigned long index)
{
	(void)index;
	host_sends++;
}
static inline void uintr_enable(void)
{
	host_uif = true;
}
static inline void uintr_disable(void)
{
	host_uif = false;
}
