/* test_console.c - console echo and line editing (kernel/console.c). */
#include "host.h"
#include "../../kernel/console.c"

static char echoed[1024];
static int nechoed;

void uart_putc(char c)
{
	if (nechoed < (int)sizeof(echoed) - 1)
		echoed[nechoed++] = c;
	echoed[nechoed] = '\0';
}

/*
 * A completed line goes to the reads waiting for one (op_console_ready),
 * then every process is woken: the tests count those passes over the
 * process table. No read waits here: nothing is ever parked.
 */
static int lines_ready;
static struct proc procs[NPROC];
struct spinlock sched_lock;
struct proc *proc_table(void)
{
	lines_ready++;
	return procs;
}
void sched_wake_proc(struct proc *p)
{
	(void)p;
}
struct op *op_unpark(bool (*match)(struct op *op, void *arg), void *arg)
{
	(void)match, (void)arg;
	return NULL;
}
int op_park(struct op *op)
{
	(void)op;
	return -ENOMEM;
}
void op_complete(struct op *op, int res, u32 cflags)
{
	(void)op, (void)res, (void)cflags;
}
int copyin(struct pagetable *pt, void *dst, u64 uva, size_t n)
{
	(void)pt, (void)dst, (void)uva, (void)n;
	return -EFAULT;
}
int copyout(struct pagetable *pt, u64 uva, const void *src, size_t n)
{
	(void)pt, (void)uva, (void)src, (void)n;
	return -EFAULT;
}

/* Ctrl-P asks for the process table; the tests count the requests. */
static int dumps;
void procdump(void)
{
	dumps++;
}

/* Ctrl-C asks job.c to stop the foreground job; the tests say whether there is one. */
static int interrupts;
static bool has_fg;
bool job_interrupt(void)
{
	interrupts++;
	return has_fg;
}

/* console_getline() waits here for more input; the test has none left. */
void arch_idle(void)
{
	mock_assert(0, "console_getline waited with no complete line", __FILE__, __LINE__);
}

static void type(const char *s)
{
	while (*s)
		console_input(*s++);
}

static int setup(void **state)
{
	(void)state;
	in.r = in.w = in.e = 0;
	nechoed = 0;
	lines_ready = 0;
	dumps = 0;
	interrupts = 0;
	has_fg = false;
	echoed[0] = '\0';
	return 0;
}

static void test_echo_and_line(void **state)
{
	(void)state;
	char line[64];
	type("hello\r");
	assert_string_equal(echoed, "hello\r\n"); /* newline goes out as CR LF */
	assert_int_equal(console_getline(line, sizeof(line)), 5);
	assert_string_equal(line, "hello");
}

static void test_editing(void **state)
{
	(void)state;
	char line[64];
	type("helq\x7fp me\x15ok\x08x\n");
	assert_int_equal(console_getline(line, sizeof(line)), 2);
	assert_string_equal(line, "ox");
	/* a backspace at the start of a line erases nothing and echoes nothing */
	nechoed = 0;
	type("\x7f\n");
	assert_string_equal(echoed, "\r\n");
	assert_int_equal(console_getline(line, sizeof(line)), 0);
}

static void test_lines_queue_in_order(void **state)
{
	(void)state;
	char line[64];
	type("one\ntwo\n\x01three"); /* control characters are ignored */
	assert_int_equal(console_getline(line, sizeof(line)), 3);
	assert_string_equal(line, "one");
	assert_int_equal(console_getline(line, sizeof(line)), 3);
	assert_string_equal(line, "two");
	type("\n");
	assert_int_equal(console_getline(line, sizeof(line)), 5);
	assert_string_equal(line, "three");
}

static void test_long_line_is_cut_not_lost(void **state)
{
	(void)state;
	char line[8];
	type("abcdefghijkl\nnext\n");
	assert_int_equal(console_getline(line, sizeof(line)), 7);
	assert_string_equal(line, "abcdefg");
	assert_int_equal(console_getline(line, sizeof(line)), 4); /* the next line is intact */
	assert_string_equal(line, "next");
}

static void test_full_buffer_still_ends_the_line(void **state)
{
	(void)state;
	char line[INPUT_SIZE + 8];
	for (int i = 0; i < INPUT_SIZE + 50; i++)
		console_input('x');
	console_input('\n');
	assert_int_equal(console_getline(line, sizeof(line)), INPUT_SIZE - 1);
}

static void test_waits_without_a_line(void **state)
{
	(void)state;
	char line[8];
	type("partial");
	expect_assert_failure(console_getline(line, sizeof(line)));
}

static void test_take_line_keeps_the_rest(void **state)
{
	(void)state;
	char buf[16];
	assert_false(console_has_line());
	assert_int_equal(console_take_line(buf, sizeof(buf)), 0);
	type("abcdef\nxy\n");
	assert_int_equal(lines_ready, 2); /* one notification per completed line */
	assert_true(console_has_line());
	assert_int_equal(console_take_line(buf, 4), 4); /* a short read: "abcd" */
	assert_memory_equal(buf, "abcd", 4);
	assert_int_equal(console_take_line(buf, sizeof(buf)), 3); /* the rest: "ef\n" */
	assert_memory_equal(buf, "ef\n", 3);
	assert_int_equal(console_take_line(buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "xy\n", 3);
	assert_false(console_has_line());
}

/* Ctrl-P dumps the threads at once, and is not part of the line. */
static void test_ctrl_p(void **state)
{
	(void)state;
	char buf[16];
	type("ab\x10"
	     "c\r");
	assert_int_equal(dumps, 1);
	assert_int_equal(console_take_line(buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "abc\n", 4);
}

/* Ctrl-D ends a line without a newline; alone at its start it is end of file: a 0-byte read. */
static void test_ctrl_d(void **state)
{
	(void)state;
	char buf[16];
	type("ab\x04");
	assert_int_equal(lines_ready, 1);
	assert_string_equal(echoed, "ab"); /* Ctrl-D shows nothing */
	assert_true(console_has_line());
	assert_int_equal(console_take_line(buf, sizeof(buf)), 2); /* "ab", no newline */
	assert_memory_equal(buf, "ab", 2);
	assert_false(console_has_line()); /* the Ctrl-D went with it */
	type("\x04");
	assert_true(console_has_line());
	assert_int_equal(console_take_line(buf, sizeof(buf)), 0); /* end of file */
	assert_false(console_has_line());
	type("\x04z\n");
	assert_int_equal(console_getline(buf, sizeof(buf)), 0); /* the monitor: an empty line */
	assert_int_equal(console_getline(buf, sizeof(buf)), 1);
	assert_string_equal(buf, "z");
}

/* Ctrl-C throws the line away and stops the foreground job; with none, the reader gets an empty
 * line. */
static void test_ctrl_c(void **state)
{
	(void)state;
	char buf[16];
	has_fg = true;
	type("abc\x03");
	assert_int_equal(interrupts, 1);
	assert_string_equal(echoed, "abc^C\r\n");
	assert_false(console_has_line()); /* the job's reader is gone: nothing for it */
	has_fg = false;
	type("de\x03");
	assert_int_equal(interrupts, 2);
	assert_int_equal(lines_ready, 1);
	assert_int_equal(console_take_line(buf, sizeof(buf)), 1); /* a fresh prompt */
	assert_memory_equal(buf, "\n", 1);
	type("f\n");
	assert_int_equal(console_take_line(buf, sizeof(buf)), 2); /* "abc" and "de" are gone */
	assert_memory_equal(buf, "f\n", 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_echo_and_line, setup),
	    cmocka_unit_test_setup(test_editing, setup),
	    cmocka_unit_test_setup(test_lines_queue_in_order, setup),
	    cmocka_unit_test_setup(test_long_line_is_cut_not_lost, setup),
	    cmocka_unit_test_setup(test_full_buffer_still_ends_the_line, setup),
	    cmocka_unit_test_setup(test_waits_without_a_line, setup),
	    cmocka_unit_test_setup(test_take_line_keeps_the_rest, setup),
	    cmocka_unit_test_setup(test_ctrl_p, setup),
	    cmocka_unit_test_setup(test_ctrl_d, setup),
	    cmocka_unit_test_setup(test_ctrl_c, setup),
	};
	return cmocka_run_group_tests_name("console", tests, NULL, NULL);
}
