/*
 * ops.c - the opcode table, and op_run(), which checks what every entry
 * shares and calls its opcode's handler.
 *
 * Each row says what its opcode accepts: the sqe.op_flags bits it knows,
 * and who may run it - OWNER: only the ring's owner thread, not the
 * kernel thread that consumes a polled ring (the opcode changes the
 * calling thread itself: ends it, gives it rings or user interrupts);
 * ROOT: only with the credentials of root; NORETURN: it may not return
 * (op_run() in a batch hands it back unrun). The handlers live with their
 * subsystems (defs.h lists them by file) and check the rest: an entry
 * is the program's, and a program may be hostile.
 *
 * Adding an opcode: its number (and its arguments) in abi/ring.h, one
 * row here, its handler in its subsystem's file and that handler's line
 * in defs.h. A handler returns the result, or OP_PENDING after parking
 * the op until its event (op.c).
 */
#include "proc.h"

enum { OWNER = 1, ROOT = 2, NORETURN = 4 };

struct opcode {
	int (*run)(struct op *op);
	unsigned who; /* OWNER, ROOT: who may run it (0: anyone) */
	u32 op_flags; /* the sqe.op_flags bits it accepts */
};

static int op_nop(struct op *op)
{
	(void)op;
	return 0;
}

/* A row for every value an opcode's byte can take: op_run() then needs
 * no range test (2 instructions of every entry on both arches), as a
 * row past OP_COUNT has no handler and is refused by the test that
 * refuses a gap. 4 KiB of read-only data where 592 bytes were. */
static const struct opcode opcodes[256] = {
    [OP_NOP] = {op_nop},
    [OP_READ] = {op_rw},
    [OP_WRITE] = {op_rw},
    [OP_CLOSE] = {op_close},
    [OP_SPAWN] = {op_spawn},
    [OP_EXIT] = {op_exit, NORETURN},
    [OP_WAITPID] = {op_waitpid, 0, WAITPID_NOHANG},
    [OP_KILL] = {op_kill},
    [OP_GETPID] = {op_getpid},
    [OP_SLEEP] = {op_sleep},
    [OP_STATS] = {op_stats},
    [OP_PS] = {op_ps},
    [OP_LIST] = {op_list},
    [OP_POWEROFF] = {op_poweroff, ROOT},
    [OP_THREAD] = {op_thread},
    [OP_THREAD_EXIT] = {op_thread_exit, OWNER | NORETURN},
    [OP_THREAD_JOIN] = {op_thread_join},
    [OP_RING_CREATE] = {op_ring_create, OWNER, RING_POLL | RING_POLL_PIN | RING_CQ_UINTR},
    [OP_RING_DESTROY] = {op_ring_destroy, OWNER},
    [OP_UINTR_REGISTER_HANDLER] = {op_uintr_register_handler, OWNER},
    [OP_UINTR_UNREGISTER_HANDLER] = {op_uintr_unregister_handler, OWNER},
    [OP_UINTR_CREATE_VECTOR] = {op_uintr_create_vector, OWNER},
    [OP_UINTR_REGISTER_SENDER] = {op_uintr_register_sender, OWNER},
    [OP_UINTR_UNREGISTER_SENDER] = {op_uintr_unregister_sender, OWNER},
    [OP_PIPE] = {op_pipe},
    [OP_PIPE_ATTACH] = {op_pipe_attach, OWNER},
    [OP_MOUNT] = {op_mount, ROOT},
    [OP_OPEN] = {op_open, 0, O_ACCMODE | O_CREAT | O_TRUNC | O_EXCL},
    [OP_FSOP] = {op_fsop},
    [OP_ARCHIVE_READ] = {op_archive_read, ROOT},
    [OP_CONSOLE_FG] = {op_console_fg},
    [OP_DEV_OPEN] = {op_dev_open, ROOT},
    [OP_DEV_INFO] = {op_dev_info, ROOT},
    [OP_DEV_MAP] = {op_dev_map, ROOT},
    [OP_DEV_DMA] = {op_dev_dma, ROOT},
    [OP_DEV_IRQ] = {op_dev_irq, ROOT},
    [OP_DEV_ARM] = {op_dev_arm, ROOT},
};

/* Validate the fields every entry shares and what its row asks, then run
 * it. `batch`: the caller holds completions not yet posted (the batch
 * loop of ring.c's consume_batch), so an opcode that may not return is
 * handed back unrun (OP_ALONE). Tested here, behind the test of `who`
 * that every entry pays already, rather than by comparing each entry's
 * opcode with OP_EXIT and OP_THREAD_EXIT in the loop (a batch: 4
 * instructions an entry on x86_64). */
int op_run(struct op *op, bool batch)
{
	struct sqe *e = &op->sqe;
	/* opcode, flags and pad are the entry's first 4 bytes: flags but
	   SQE_LINK and pad tested as one word (riscv64: 6 instructions
	   where 8 tested them one by one). The entry is 8-aligned: a
	   word load, not four byte loads (riscv64 has no unaligned one) */
	u32 head;
	_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ &&
			   __builtin_offsetof(struct sqe, flags) == 1 &&
			   __builtin_offsetof(struct sqe, pad) == 2,
		       "op_run's first word");
	__builtin_memcpy(&head, __builtin_assume_aligned(e, 8), sizeof(head));
	if (head & ~(0xffu | SQE_LINK << 8))
		return -EINVAL;
	const struct opcode *c = &opcodes[(u8)head];
	if (!c->run || (e->op_flags & ~c->op_flags))
		return -EINVAL;
	/* one test for the opcodes anyone may run (a batch of NOPs: 2
	   instructions an entry) */
	if (c->who) {
		if ((c->who & NORETURN) && batch)
			return OP_ALONE;
		if ((c->who & OWNER) && current() != op->ring->owner)
			return -EINVAL;
		if ((c->who & ROOT) && op->ring->uid != 0)
			return -EPERM;
	}
	/* what parking may set: op->file is NULL already (take_entry(), in ring.c) */
	op->wait = 0;
	return c->run(op);
}
