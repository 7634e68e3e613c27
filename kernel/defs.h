/*
 * defs.h - the kernel's one index of functions: every function one
 * kernel file offers the others, listed under the file that defines it
 * (as xv6's defs.h). The structures live in the headers that own them
 * (kernel.h: CPUs, locks, page tables; proc.h: processes, threads,
 * rings, operations, files); what the arch code offers and calls is its
 * contract, arch.h, and the user-interrupt model is uintr.h.
 */
#pragma once

#include "types.h"

struct cpu;
struct dirent;
struct file;
struct fileops;
struct op;
struct pagetable;
struct proc;
struct ring;
struct spawn_how;
struct spinlock;
struct thread;
struct trapframe;
struct urecv;

/* archive.c: the boot archive (cpio "newc"), linked into the kernel */
int archive_find(const char *path, const void **data, size_t *size);
int archive_entry(int index, struct dirent *d);

/* console.c: the console, and the console as a file */
void console_putc(char c);
void console_write(const char *s, size_t n);
void console_input(char c);
int console_getline(char *buf, int max);
bool console_has_line(void);
int console_take_line(char *buf, int max);
struct file *console_file(void);
void op_console_ready(void); /* hand typed lines to waiting reads */

/* cpu.c: per-CPU state */
static inline struct cpu *mycpu(void); /* kernel.h */
int ncpu_online(void);

/* dev.c: devices for driver processes; OP_DEV_* */
int op_dev_open(struct op *op);
int op_dev_info(struct op *op);
int op_dev_map(struct op *op);
int op_dev_dma(struct op *op);
int op_dev_irq(struct op *op);
int op_dev_arm(struct op *op);
void dev_release_proc(struct proc *p);

/* elf.c: load a program image into a user address space */
int elf_load(struct pagetable *pt, const void *image, size_t size, u64 *entry);

/* file.c: files and descriptors; OP_READ, OP_WRITE, OP_CLOSE */
struct file *file_new(const struct fileops *ops, void *priv, u64 arg);
void file_ref(struct file *f);
void file_put(struct file *f);
struct file *fd_get(struct proc *p, int fd);
int fd_alloc(struct proc *p, struct file *f);
bool fd_close(struct proc *p, int fd, struct file *f);
void fd_close_all(struct proc *p);
int op_rw(struct op *op);
int op_close(struct op *op);

/* fs.c: files through a user-space server; OP_MOUNT, OP_OPEN, OP_FSOP */
int op_mount(struct op *op);
int op_open(struct op *op);
int op_fsop(struct op *op);
int fs_exec(struct op *op, const char *path);
void fs_timers(void);

/* heap.c: kernel heap */
void *kmalloc(size_t n);
void *kzalloc(size_t n);
void kfree(void *p);
u64 heap_free_bytes(void); /* bytes in free slots (OP_STATS, leak checks) */

/* ipi.c: asking other CPUs to act */
void ipi_kick(int cpu);
void ipi_poll(void);
void tlb_shootdown(struct pagetable *pt);

/* main.c */
bool cmdline_get(const char *name, char *buf, size_t n);

/* monitor.c: the kernel's boot-time command line */
void monitor_run(void) __attribute__((noreturn));

/* op.c: an operation's life: run a chain, park, complete, continue, cancel */
void op_chain(struct op *op, bool heap, bool cancel);
int op_park(struct op *op);
struct op *op_unpark(bool (*match)(struct op *op, void *arg), void *arg);
void op_complete(struct op *op, int res, u32 cflags);
void op_continue(struct ring *r);
void op_continue_thread(struct thread *t);
void op_cancel_ring(struct ring *r);
struct op *op_dup(const struct op *op);
void op_free_chain(struct op *op);

/* job.c: jobs and the console's foreground job; OP_CONSOLE_FG */
int op_console_fg(struct op *op);
int job_check(struct proc *p, int job);
int job_may_fg(int uid);
void job_fg_locked(struct proc *p, int uid);
bool job_interrupt(void); /* Ctrl-C (console.c): stop the foreground job; false: none */

/* ops.c: the opcode table */
int op_run(struct op *op);

/* page.c: physical page allocator (buddy system) */
void page_init(void);
u64 page_alloc(int order);		/* physical address of 2^order zeroed pages, or 0 */
u64 page_alloc_for(int uid, int order); /* the same, for uid's memory: root's reserve kept */
void page_free(u64 pa, int order);
u64 page_free_count(void);
u64 page_total_count(void);

/* pipe.c: hardware and kernel pipes; OP_PIPE, OP_PIPE_ATTACH */
int op_pipe(struct op *op);
int op_pipe_attach(struct op *op);
void pipe_unmap_all(struct proc *p);
int pipe_connection(struct file **client, struct file **server, u64 buf);
struct pipe;
struct pipe *pipe_dma_get(struct file *f, u64 *pa);
void pipe_dma_put(struct pipe *p);

/* printf.c */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void panic_begin(void);

/* proc.c: processes and threads; OP_WAITPID, OP_THREAD_JOIN */
int proc_spawn(const char *path, const void *image, size_t size, char **argv, int argc,
	       struct file **fds, int uid, int gid, struct proc *parent,
	       const struct spawn_how *how);
void proc_exit(int status) __attribute__((noreturn));
void thread_end(int status) __attribute__((noreturn));
int thread_add(struct proc *p, u64 pc, u64 a0, u64 a1);
void proc_die(struct proc *p, int status);
void die_locked(struct proc *p, int status); /* proc_die, holding sched_lock */
int proc_kill(int uid, struct proc *killer, int pid);
struct proc *proc_table(void);
void proc_init_start(struct file *console);
void procdump(void); /* what every thread is doing (Ctrl-P) */
int op_waitpid(struct op *op);
int op_thread_join(struct op *op);

/* ring.c: submission and completion rings; OP_RING_CREATE, OP_RING_DESTROY */
int ring_setup(struct thread *owner, u32 sq_entries, u32 cq_entries, u32 flags, u64 idle_us,
	       int pin, struct ring **out);
void ring_teardown(struct ring *r);
long ring_enter(unsigned id, unsigned to_submit, unsigned flags);
bool ring_post(struct op *op, bool heap);
bool ring_ready(struct ring *r);
int op_ring_create(struct op *op);
int op_ring_destroy(struct op *op);

/* sched.c */
/* current(): inline in proc.h */
void sched_ready(struct thread *t);
void sched_block(void);
void sched_wake(struct thread *t);
void sched_wake_proc(struct proc *p);
void sched_yield(void);
void sched_exit(void) __attribute__((noreturn));
void scheduler(void) __attribute__((noreturn));
void thread_free(struct thread *t);
struct thread *kthread_create(void (*fn)(void), int pin);

/* spinlock.c */
void spin_init(struct spinlock *l, const char *name);
void spin_lock(struct spinlock *l);
void spin_unlock(struct spinlock *l);
bool spin_holding(struct spinlock *l);
void release_check(const char *what);	  /* panics if this CPU holds a spinlock */
static inline struct cpu *irq_push(void); /* disable interrupts, nestable (kernel.h) */
static inline void irq_pop(void);
static inline void irq_pop_cpu(struct cpu *c);

/* sysproc.c: the opcodes of processes, threads and the system */
int op_spawn(struct op *op);
int spawn_run(struct op *op, const char *path, const void *image, size_t size);
int op_exit(struct op *op);
int op_kill(struct op *op);
int op_getpid(struct op *op);
int op_thread(struct op *op);
int op_thread_exit(struct op *op);
int op_stats(struct op *op);
int op_ps(struct op *op);
int op_list(struct op *op);
int op_archive_read(struct op *op);
int op_poweroff(struct op *op);

/* timer.c: ticks; OP_SLEEP */
u64 ticks(void);
int op_sleep(struct op *op);

/* trap.c (the calls from arch trap code are in arch.h) */
typedef void (*irq_fn)(int irq);
int irq_register(int irq, irq_fn fn);
void irq_unregister(int irq);

/* uart.c: 16550 */
void uart_init(void);
void uart_putc(char c);
void uart_intr(int irq);

/* uintr.c: user interrupts, what the rest of the kernel uses; OP_UINTR_* */
int op_uintr_register_handler(struct op *op);
int op_uintr_unregister_handler(struct op *op);
int op_uintr_create_vector(struct op *op);
int op_uintr_register_sender(struct op *op);
int op_uintr_unregister_sender(struct op *op);
void uintr_return(struct trapframe *tf);
bool uintr_pending(struct thread *t);
bool uintr_deliverable(struct thread *t);
bool uintr_take(struct thread *t, unsigned v);
void uintr_thread_exit(struct thread *t);
void uintr_switch_out(struct thread *t);
struct urecv *uintr_receiver(struct thread *t, u64 entry);
int uintr_sender_add(struct thread *t, struct urecv *u, unsigned vector);
void uintr_kick(struct urecv *u, unsigned vector);
void uintr_sender_drop(struct thread *t, int idx, struct urecv *u);
void uintr_get(struct urecv *u);
void uintr_put(struct urecv *u);
struct urecv *uintr_vector_recv(struct file *f, unsigned *vector);
int uintr_vector_own(struct thread *t, int fd, struct urecv **u, unsigned *vector);

/* uvm.c: user address spaces. Every user page table shares the kernel's
 * upper half; the lower half [0, USER_TOP) is the process's own. */
struct pagetable *uvm_create(int uid);
void uvm_destroy(struct pagetable *pt);
int uvm_alloc(struct pagetable *pt, u64 va, u64 size, unsigned prot);
int uvm_share(struct pagetable *pt, u64 va, u64 pa, u64 size, unsigned prot);
int uvm_unmap(struct pagetable *pt, u64 va, u64 size);
int copyin(struct pagetable *pt, void *dst, u64 uva, size_t n);
int copyout(struct pagetable *pt, u64 uva, const void *src, size_t n);
int copyinstr(struct pagetable *pt, char *dst, u64 uva, size_t max);

/* vm.c: page tables */
void vm_init(void);
struct pagetable *vm_kernel(void);
int vm_map(struct pagetable *pt, u64 va, u64 pa, u64 size, unsigned prot);
u64 vm_translate(struct pagetable *pt, u64 va);

/* wait.c: the wait system call */
long sys_wait(u64 items, u32 n, u64 events, u32 max, s64 timeout_ns);
void wait_wake_fds(void);		 /* a descriptor may be ready: wake wait()s on them */
bool pipe_wakes_waiters(struct file *f); /* f's changes call wait_wake_fds() */
