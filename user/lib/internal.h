/*
 * internal.h - what the C library's files call in each other, and
 * programs do not: the hardware-pipe hooks of read, write and close.
 */
#pragma once

#include "async.h"

/* ring.c: ring_call() of an entry with these fields (the others 0), built in its SQ slot */
long ring_call_fields(u8 opcode, int fd, u64 off, u64 addr, u32 len, unsigned *cflags);

/* pipe.c */
bool pipe_known(int fd);			     /* a hardware pipe end in use here */
long pipe_rw(int fd, void *buf, size_t n, bool out); /* read/write it (attaching first) */
void pipe_forget(int fd);			     /* fd was closed */

/* file.c: read/write on a connection to a server are requests and replies */
long conn_rw(int fd, void *buf, size_t n, bool out);
void conn_forget(int fd); /* fd was closed */

/* cwd.c: the working directory spawn gave us (ring.c's start-up) */
void cwd_init(const char *dir);
