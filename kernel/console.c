/*
 * console.c - the console: output with newline translation, and line
 * input with echo and editing.
 *
 * Input arrives one byte at a time from the UART interrupt. Bytes are
 * echoed at once and collected in a circular buffer with three indexes
 * (the xv6 scheme):
 *
 *        r              w              e
 *   ... [ lines ready to read ][ line being typed ] ...
 *
 *   r: next byte a reader takes      w: end of the completed lines
 *   e: end of the line being edited (backspace moves it back)
 *
 * Enter moves w up to e, making the line readable. Indexes only grow;
 * they are reduced modulo the buffer size when used.
 *
 * The keys a terminal's line discipline knows (docs/console.md):
 *   Backspace, Ctrl-H  erase a character    Ctrl-U  erase the line
 *   Ctrl-D  end the line without a newline: at the start of a line, a
 *           read gets 0 bytes, which programs take as end of file
 *   Ctrl-C  throw the line away and stop the foreground job (job.c);
 *           with none, hand the reader an empty line: a fresh prompt
 *   Ctrl-P  print what every thread is doing
 *
 * Programs see the console as a file (console_file(): their descriptors
 * 0, 1 and 2): a read parks until a line is typed (op_console_ready), a
 * write goes to the UART.
 */
#include "proc.h"

#define INPUT_SIZE	  256
#define BACKSPACE	  0x7f
#define CTRL_H		  0x08
#define CTRL_U		  0x15
#define CTRL_C		  0x03
#define CTRL_D		  0x04 /* kept in the buffer: where a line ends without a newline */
#define CTRL_P		  0x10 /* print the process table (procdump), as xv6 does */
#define CONSOLE_WRITE_MAX 4096 /* most bytes one program's write takes */

static struct {
	struct spinlock lock;
	char buf[INPUT_SIZE];
	u32 r, w, e;
} in = {{0, "console", -1}, {0}, 0, 0, 0};

void console_putc(char c)
{
	if (c == '\n')
		uart_putc('\r');
	uart_putc(c);
}

/*
 * A program's write reaches the UART whole: two CPUs writing at once
 * (a background job and the shell) take turns by writes, not by bytes.
 */
static struct spinlock out_lock = {0, "console out", -1};

void console_write(const char *s, size_t n)
{
	spin_lock(&out_lock);
	while (n--)
		console_putc(*s++);
	spin_unlock(&out_lock);
}

static void erase_one(void)
{
	in.e--;
	console_write("\b \b", 3);
}

/* End the line being typed with c ('\n' or CTRL_D): readers may take it. */
static bool end_line(char c)
{
	/* keep one byte free so a full buffer still ends its line */
	if (in.e - in.r >= INPUT_SIZE)
		return false;
	in.buf[in.e++ % INPUT_SIZE] = c;
	in.w = in.e;
	return true;
}

/* Ctrl-C: the line typed so far goes; the foreground job stops. */
static void interrupt(void)
{
	spin_lock(&in.lock);
	in.e = in.w;
	console_write("^C\n", 3);
	spin_unlock(&in.lock);
	if (job_interrupt()) /* not under in.lock: sched_lock comes first */
		return;
	spin_lock(&in.lock);
	bool line = end_line('\n');
	spin_unlock(&in.lock);
	if (line)
		op_console_ready();
}

/* Called from the UART interrupt for each byte typed. */
void console_input(char c)
{
	bool line = false;
	if (c == CTRL_C) {
		interrupt();
		return;
	}
	spin_lock(&in.lock);
	switch (c) {
	case BACKSPACE:
	case CTRL_H:
		if (in.e != in.w)
			erase_one();
		break;
	case CTRL_U: /* kill the whole line */
		while (in.e != in.w)
			erase_one();
		break;
	case CTRL_P:
		spin_unlock(&in.lock);
		procdump();
		return;
	case '\r':
	case '\n':
		if ((line = end_line('\n')))
			console_putc('\n');
		break;
	case CTRL_D:
		line = end_line(CTRL_D);
		break;
	default:
		if ((u8)c >= ' ' && in.e - in.r < INPUT_SIZE - 1) {
			in.buf[in.e++ % INPUT_SIZE] = c;
			console_putc(c);
		}
		break;
	}
	spin_unlock(&in.lock);
	if (line)
		op_console_ready(); /* reads waiting for a line */
}

bool console_has_line(void)
{
	spin_lock(&in.lock);
	bool has = in.r != in.w;
	spin_unlock(&in.lock);
	return has;
}

/*
 * Take up to max bytes of the oldest complete line, its newline
 * included (a Ctrl-D that ended it is taken, not copied); what does not
 * fit stays for the next read. Returns the count: 0 if no line is
 * complete, or the line is a lone Ctrl-D (end of file).
 */
int console_take_line(char *buf, int max)
{
	int n = 0;
	spin_lock(&in.lock);
	while (in.r != in.w && n < max) {
		char c = in.buf[in.r++ % INPUT_SIZE];
		if (c == CTRL_D)
			break;
		buf[n++] = c;
		if (c == '\n')
			break;
	}
	spin_unlock(&in.lock);
	return n;
}

/*
 * Wait for a complete line; copy it without its newline into buf (at
 * most max-1 bytes, the rest of a longer line is dropped) and terminate
 * it. Returns the length. Call with interrupts off: the check and the
 * wait must not let the interrupt that completes the line slip between.
 */
int console_getline(char *buf, int max)
{
	for (;;) {
		spin_lock(&in.lock);
		if (in.r != in.w) {
			int n = 0;
			char c;
			while ((c = in.buf[in.r++ % INPUT_SIZE]) != '\n' && c != CTRL_D)
				if (n < max - 1)
					buf[n++] = c;
			buf[n] = '\0';
			spin_unlock(&in.lock);
			return n;
		}
		spin_unlock(&in.lock);
		arch_idle();
	}
}

/* ---- the console as a file: descriptors 0, 1, 2 ------------------------ */

static bool is_console_read(struct op *op, void *arg)
{
	(void)arg;
	return op->file == console_file() && op->sqe.opcode == OP_READ;
}

/* Lines have been typed: hand them to waiting readers, oldest first. */
void op_console_ready(void)
{
	char line[256];
	for (;;) {
		/* pair a reader with a line under one lock: two CPUs must not
		   both take the reader, or both the line */
		int n = 0;
		spin_lock(&sched_lock);
		struct op *op = console_has_line() ? op_unpark(is_console_read, NULL) : NULL;
		if (op)
			n = console_take_line(line, MIN(sizeof(line), op->sqe.len));
		spin_unlock(&sched_lock);
		if (!op)
			break;
		if (copyout(op->proc->pt, op->sqe.addr, line, n) < 0)
			n = -EFAULT;
		op_complete(op, n, 0);
	}
	/* and wake anyone blocked in wait() on a descriptor */
	spin_lock(&sched_lock);
	struct proc *pt = proc_table();
	for (int i = 0; i < NPROC; i++)
		if (pt[i].state == P_ALIVE)
			sched_wake_proc(&pt[i]);
	spin_unlock(&sched_lock);
}

static int cons_read(struct file *f, struct op *op)
{
	if (op->sqe.len == 0)
		return 0;
	/* A bad buffer fails now, not when a line arrives: the bytes a line
	   may fill must be user-writable (rewriting them with themselves
	   changes nothing). */
	char probe[256];
	u32 n = MIN(sizeof(probe), op->sqe.len);
	if (copyin(op->proc->pt, probe, op->sqe.addr, n) < 0 ||
	    copyout(op->proc->pt, op->sqe.addr, probe, n) < 0)
		return -EFAULT;
	op->file = f;
	spin_lock(&sched_lock);
	int r = op_park(op);
	spin_unlock(&sched_lock);
	if (r == OP_PENDING)
		op_console_ready(); /* a line may be waiting already */
	return r;
}

static int cons_write(struct file *f, struct op *op)
{
	(void)f;
	char buf[128];
	/* the UART is slow and the kernel runs with interrupts off: a big
	   write is cut short, as a write may be, and the caller goes on */
	u32 len = MIN(op->sqe.len, CONSOLE_WRITE_MAX), done = 0;
	while (done < len) {
		u32 n = MIN(sizeof(buf), len - done);
		if (copyin(op->proc->pt, buf, op->sqe.addr + done, n) < 0)
			return done ? (int)done : -EFAULT;
		console_write(buf, n);
		done += n;
	}
	return done;
}

static bool cons_readable(struct file *f)
{
	(void)f;
	return console_has_line();
}

static const struct fileops console_fileops = {
    .read = cons_read, .write = cons_write, .readable = cons_readable};

/* The console is never freed: its count starts at 1 and stays above. */
static struct file console = {1, &console_fileops, NULL, 0};

struct file *console_file(void)
{
	return &console;
}
