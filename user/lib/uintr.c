/*
 * uintr.c - registering for user interrupts (user/include/uintr.h): one
 * opcode each, as blocking calls on the thread's ring. Sending, enabling
 * and masking are single instructions (the header's inline wrappers);
 * only setting things up goes through the kernel.
 */
#include "internal.h"
#include "uintr.h"

/* What the entry stubs (uintr_<arch>.S) call: set by uintr_register_handler(). */
uintr_fn uintr_handler;

static long call(u8 opcode, int fd, u64 off, u64 addr, u64 arg0)
{
	struct sqe e = {.opcode = opcode, .fd = fd, .off = off, .addr = addr};
	e.arg[0] = arg0;
	return ring_call(&e, NULL);
}

int uintr_register_handler(uintr_fn fn, void *stack, unsigned long size)
{
	uintr_program(fn); /* ring.c: behind ring_async's handler, if it has one */
	u64 top = stack ? ROUND_DOWN((uptr)stack + size, 16) : 0;
	return call(OP_UINTR_REGISTER_HANDLER, 0, 0, (uptr)uintr_entry, top);
}

int uintr_unregister_handler(void)
{
	return call(OP_UINTR_UNREGISTER_HANDLER, 0, 0, 0, 0);
}

int uintr_create_vector(unsigned vector)
{
	return call(OP_UINTR_CREATE_VECTOR, 0, vector, 0, 0);
}

int uintr_register_sender(int fd)
{
	return call(OP_UINTR_REGISTER_SENDER, fd, 0, 0, 0);
}

int uintr_unregister_sender(int index)
{
	return call(OP_UINTR_UNREGISTER_SENDER, 0, (u64)(s64)index, 0, 0);
}
