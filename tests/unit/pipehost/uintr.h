/*
 * pipehost/uintr.h - user interrupts for user/lib/pipe.c on the host
 * (test_pipe.c, test_pipe_race.c): instead of the instructions, a mask
 * per thread, and host_send(), which each test writes.
 */
#pragma once

static _Thread_local bool host_uif; /* user interrupts enabled (STUI) */
static void host_send(unsigned long index);
void uintr_entry(void); /* the handler: never runs here */
void uintr_entry(void) {}
static inline void uintr_send(unsigned long index)
{
	host_send(index);
}
static inline void uintr_enable(void)
{
	host_uif = true;
}
static inline void uintr_disable(void)
{
	host_uif = false;
}
