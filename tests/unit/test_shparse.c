/*
 * test_shparse.c - the shell's parser (user/lib/shparse.c) on the host:
 * the trees of well-formed lines, and malformed ones - unbalanced quotes
 * and parentheses, a lone '>', a 4 KiB line, too many words - each a
 * clear error, never a crash or a write past the parser's room.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../user/lib/shparse.c"

static struct sh_parser p;

static struct sh_node *ok(const char *line)
{
	struct sh_node *t = (struct sh_node *)1;
	assert_int_equal(sh_parse(&p, line, &t), 0);
	assert_string_equal(p.err, "");
	return t;
}

static void bad(const char *line, const char *why)
{
	struct sh_node *t;
	assert_int_equal(sh_parse(&p, line, &t), -1);
	assert_string_equal(p.err, why);
}

static void test_simple(void **state)
{
	(void)state;
	assert_null(ok(""));
	assert_null(ok("   # only a comment"));
	struct sh_node *t = ok("echo a  b\t'c d' e\"f g\"h\\ i # x y");
	assert_int_equal(t->type, SH_CMD);
	assert_int_equal(t->argc, 5);
	assert_string_equal(t->argv[0], "echo");
	assert_string_equal(t->argv[3], "c d");
	assert_string_equal(t->argv[4], "ef gh i");
	assert_null(t->argv[5]);
}

static void test_redirections(void **state)
{
	(void)state;
	struct sh_node *t = ok("cat<in>out 2> err x");
	assert_int_equal(t->argc, 2);
	assert_string_equal(t->in, "in");
	assert_string_equal(t->out, "out");
	assert_string_equal(t->err, "err");
	assert_false(t->append);
	t = ok(">> log");
	assert_int_equal(t->argc, 0);
	assert_true(t->append);
	t = ok("echo a2>x");
	assert_string_equal(t->argv[1], "a2"); /* "2>" only at a word's start */
	assert_string_equal(t->out, "x");
}

static void test_operators(void **state)
{
	(void)state;
	/* a | b && c || d ; e & : SEQ(OR(AND(PIPE(a,b),c),d), BG(e)) */
	struct sh_node *t = ok("a | b && c || d ; e &");
	assert_int_equal(t->type, SH_SEQ);
	assert_int_equal(t->l->type, SH_OR);
	assert_int_equal(t->l->l->type, SH_AND);
	assert_int_equal(t->l->l->l->type, SH_PIPE);
	assert_string_equal(t->l->l->l->r->argv[0], "b");
	assert_int_equal(t->r->type, SH_BG);
	assert_int_equal(t->r->len, 1);
	assert_memory_equal(t->r->text, "e", 1);
	t = ok("(a; (b)) > f | c");
	assert_int_equal(t->type, SH_PIPE);
	assert_int_equal(t->l->type, SH_GROUP);
	assert_string_equal(t->l->out, "f");
	assert_int_equal(t->l->len, 6);
	assert_memory_equal(t->l->text, "a; (b)", 6);
}

static void test_status_is_marked(void **state)
{
	(void)state;
	struct sh_node *t = ok("echo $? \"x$?\" '$?' \\$?");
	assert_string_equal(t->argv[1], "\x01");
	assert_string_equal(t->argv[2], "x\x01");
	assert_string_equal(t->argv[3], "$?");
	assert_string_equal(t->argv[4], "$?");
	t = ok("echo a\x01"
	       "b"); /* the marker itself cannot be typed in */
	assert_string_equal(t->argv[1], "ab");
}

static void test_malformed(void **state)
{
	(void)state;
	bad("echo 'abc", "unterminated single quote");
	bad("echo \"abc", "unterminated double quote");
	bad(">", "syntax error: no file name after '>'");
	bad("echo >", "syntax error: no file name after '>'");
	bad("cat < | x", "syntax error: no file name after '<'");
	bad("(echo a", "syntax error: '(' without ')'");
	bad("echo a)", "syntax error near ')'");
	bad("()", "syntax error near ')'");
	bad("| a", "syntax error near '|'");
	bad("a ||", "syntax error: unexpected end of line");
	bad("a ;; b", "syntax error near ';'");
	bad("a & & b", "syntax error near '&'");
	bad("((((((", "syntax error: unexpected end of line");
}

static void test_limits(void **state)
{
	(void)state;
	static char line[8192];
	memset(line, 'x', 4096); /* a 4 KiB word: more than the room for text */
	line[4096] = '\0';
	bad(line, "line too long");
	for (int i = 0; i < 4096; i += 2) /* 2048 one-letter words */
		line[i] = 'a', line[i + 1] = ' ';
	bad(line, "too many words");
	line[0] = '\0';
	for (int i = 0; i < MAXARGV; i++)
		strcat(line, "w ");
	bad(line, "too many arguments");
	line[0] = '\0';
	for (int i = 0; i < 100; i++) /* more commands than nodes */
		strcat(line, "a;");
	bad(line, "too many commands");
	line[0] = '\0';
	for (int i = 0; i < 120; i++) /* deep, but bounded by the tokens */
		strcat(line, "(");
	bad(line, "syntax error: unexpected end of line");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_simple),    cmocka_unit_test(test_redirections),
	    cmocka_unit_test(test_operators), cmocka_unit_test(test_status_is_marked),
	    cmocka_unit_test(test_malformed), cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests_name("shparse", tests, NULL, NULL);
}
