/*
 * ops.c - the opcode table, and op_run(), which checks what every entry
 * shares and calls its opcode's handler.
 *
 * Each row says what its opcode accepts: the sqe.op_flags bits it knows,
 * and who may run it - OWNER: only the ring's owner thread, not the
 * kernel thread that consumes a polled ring (the opcode changes the
 * calling thread itself: ends it, gives it rings or user interrupts);
 * ROOT: only with the credentials of root; NORETURN: it may not return
 * (op_run() hands it back unrun while a batch's window is open). The handlers live with their
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
	u32 refuse;   /* the sqe.op_flags bits it does not accept */
};

static int op_nop(struct op *op)
{
	(void)op;
	return 0;
}

/* A row with no opcode: refused. */
static int op_none(struct op *op)
{
	(void)op;
	return -EINVAL;
}

/* A row: its handler, who may run it, and the op_flags bits it
 * accepts, kept as the bits it refuses, so that op_run() tests them
 * with one AND, no NOT. */
#define ROW(fn, who, accepted)                                                                     \
	{                                                                                          \
		fn, who, ~(u32)(accepted)                                                          \
	}

/* A row for every value an opcode's byte can take: op_run() then needs
 * no range test (2 instructions of every entry on both arches), 4 KiB
 * of read-only data where 592 bytes were. A row with no opcode (past
 * OP_COUNT, or a gap) runs op_none(), which refuses the entry, and takes
 * no op_flags: op_run() needs no test for a missing handler either.
 * With the refused bits, 3 instructions of every entry fewer on x86_64,
 * 1 on riscv64 (measured: batches of 8 NOPs 140.7 -> 137.7 and 162.8 ->
 * 161.8). The rows after the first override its range, as meant. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static const struct opcode opcodes[256] = {
    [0 ... 255] = ROW(op_none, 0, 0),
    [OP_NOP] = ROW(op_nop, 0, 0),
    [OP_READ] = ROW(op_rw, 0, 0),
    [OP_WRITE] = ROW(op_rw, 0, 0),
    [OP_CLOSE] = ROW(op_close, 0, 0),
    [OP_SPAWN] = ROW(op_spawn, 0, 0),
    [OP_EXIT] = ROW(op_exit, NORETURN, 0),
    [OP_WAITPID] = ROW(op_waitpid, 0, WAITPID_NOHANG),
    [OP_KILL] = ROW(op_kill, 0, 0),
    [OP_GETPID] = ROW(op_getpid, 0, 0),
    [OP_SLEEP] = ROW(op_sleep, 0, 0),
    [OP_STATS] = ROW(op_stats, 0, 0),
    [OP_PS] = ROW(op_ps, 0, 0),
    [OP_LIST] = ROW(op_list, 0, 0),
    [OP_POWEROFF] = ROW(op_poweroff, ROOT, 0),
    [OP_THREAD] = ROW(op_thread, 0, 0),
    [OP_THREAD_EXIT] = ROW(op_thread_exit, OWNER | NORETURN, 0),
    [OP_THREAD_JOIN] = ROW(op_thread_join, 0, 0),
    [OP_RING_CREATE] = ROW(op_ring_create, OWNER, RING_POLL | RING_POLL_PIN | RING_CQ_UINTR),
    [OP_RING_DESTROY] = ROW(op_ring_destroy, OWNER, 0),
    [OP_UINTR_REGISTER_HANDLER] = ROW(op_uintr_register_handler, OWNER, 0),
    [OP_UINTR_UNREGISTER_HANDLER] = ROW(op_uintr_unregister_handler, OWNER, 0),
    [OP_UINTR_CREATE_VECTOR] = ROW(op_uintr_create_vector, OWNER, 0),
    [OP_UINTR_REGISTER_SENDER] = ROW(op_uintr_register_sender, OWNER, 0),
    [OP_UINTR_UNREGISTER_SENDER] = ROW(op_uintr_unregister_sender, OWNER, 0),
    [OP_PIPE] = ROW(op_pipe, 0, 0),
    [OP_PIPE_ATTACH] = ROW(op_pipe_attach, OWNER, 0),
    [OP_MOUNT] = ROW(op_mount, ROOT, 0),
    [OP_OPEN] = ROW(op_open, 0, O_ACCMODE | O_CREAT | O_TRUNC | O_EXCL),
    [OP_FSOP] = ROW(op_fsop, 0, 0),
    [OP_ARCHIVE_READ] = ROW(op_archive_read, ROOT, 0),
    [OP_CONSOLE_FG] = ROW(op_console_fg, 0, 0),
    [OP_DEV_OPEN] = ROW(op_dev_open, ROOT, 0),
    [OP_DEV_INFO] = ROW(op_dev_info, ROOT, 0),
    [OP_DEV_MAP] = ROW(op_dev_map, ROOT, 0),
    [OP_DEV_DMA] = ROW(op_dev_dma, ROOT, 0),
    [OP_DEV_IRQ] = ROW(op_dev_irq, ROOT, 0),
    [OP_DEV_ARM] = ROW(op_dev_arm, ROOT, 0),
};
#pragma GCC diagnostic pop

/* Validate the fields every entry shares and what its row asks, then run
 * it. While the ring's consumer has a window of its CQ open (ring.c's
 * consume_batch: cq_open is 0), completions are held in it, not yet
 * published, so an opcode that may not return is handed back unrun
 * (OP_ALONE), to run once they are. Tested here, behind the test of
 * `who` that every entry pays already, rather than by comparing each
 * entry's opcode with OP_EXIT and OP_THREAD_EXIT in the loop (a batch:
 * 4 instructions an entry on x86_64); and the window says so itself,
 * where an argument saying "batch" cost every entry and every blocking
 * call an instruction. Only the ring's consumer runs its entries, and
 * it opens and closes the window: it reads its own store. */
int op_run(struct op *op)
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
	if (e->op_flags & c->refuse)
		return -EINVAL;
	/* one test for the opcodes anyone may run (a batch of NOPs: 2
	   instructions an entry) */
	if (c->who) {
		if ((c->who & NORETURN) && !op->ring->cq_open)
			return OP_ALONE;
		if ((c->who & OWNER) && current() != op->ring->owner)
			return -EINVAL;
		if ((c->who & ROOT) && op->ring->uid != 0)
			return -EPERM;
	}
	/* what parking may set, op->file and op->wait, is 0 already
	   (take_entry(), in ring.c) */
	return c->run(op);
}
