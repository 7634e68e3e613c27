/*
 * ringscript.h - how fuzz_ring.c reads its input as a program, shared
 * with mkseeds.c, which writes a few such programs as seeds.
 *
 *   byte 0, byte 1     log2 of the SQ and CQ sizes (mod 7: 1 to 64 entries)
 *   then steps, each a byte (mod R_NSTEPS) and its operands:
 *
 *   R_SQE      64 bytes   write the next submission entry (its user_data's
 *                         low 32 bits are replaced by a serial number)
 *   R_PUBLISH  -          store the program's tail into sq_tail
 *   R_POKE     1+4 bytes  scribble on header word (b & 15): set it to the
 *                         value, or with b & 0x80 add the value's low byte
 *   R_ENTER    1+1+2      ring_enter: ring id (b < 0xf0: ours, else b & 15),
 *                         flags (b < 0xf0: b & RING_ENTER_WAKEUP, else b),
 *                         to_submit (0xffff: ~0u)
 *   R_REAP     1 byte     reap up to that many completions
 *   R_COMPLETE 1+1        complete parked op (b % parked): ok, or -ENOENT if b & 1
 *   R_DEFERRED -          the owner's way through the kernel (op_continue_thread)
 *   R_FAILALLOC 1 byte    the next (b % 4) kmallocs fail
 *
 * An entry's user_data, bits 32..33, says what the scripted op_run()
 * does with it (R_NOW: complete with bits 40..55 as the result).
 */
#pragma once

enum { R_SQE, R_PUBLISH, R_POKE, R_ENTER, R_REAP, R_COMPLETE, R_DEFERRED, R_FAILALLOC, R_NSTEPS };
enum { R_NOW, R_FAIL, R_LATER, R_ZERO };

#define R_UD(kind, res) ((unsigned long long)(kind) << 32 | (unsigned long long)(res) << 40)
