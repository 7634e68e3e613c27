/*
 * shparse.h - the shell's command language: a line of text into a tree
 * (user/lib/shparse.c; the shell, user/bin/sh.c, runs the tree). Kept
 * apart from the shell so the host unit tests can feed it anything.
 *
 *   list     := and_or (( ';' | '&' ) and_or)* [ ';' | '&' ]
 *   and_or   := pipeline (( '&&' | '||' ) pipeline)*
 *   pipeline := command ( '|' command )*
 *   command  := ( word | redir )+  |  '(' list ')' redir*
 *   redir    := ( '<' | '>' | '>>' | '2>' ) word
 *
 * Words: 'single quotes' keep everything, "double quotes" keep all but
 * $? (and \" \\ \$), a backslash keeps the next character, $? is the
 * last status; '#' at the start of a word comments out the rest.
 *
 * $? stands in a word as the byte SH_STATUS: the shell puts the status
 * in when it runs the command, not when it reads the line, so
 * `false; echo $?` prints 1.
 */
#pragma once

#include "lib.h"      /* only the string functions: the host unit test includes this too */
#include "abi/ring.h" /* MAXARGV */

#define SH_TOKS	  256	 /* most tokens in a line */
#define SH_NODES  64	 /* most commands and operators in a line */
#define SH_TEXT	  4096	 /* room for the words' text */
#define SH_STATUS '\x01' /* $? in a word */

enum sh_type { SH_CMD, SH_GROUP, SH_PIPE, SH_AND, SH_OR, SH_SEQ, SH_BG };

struct sh_node {
	enum sh_type type;
	struct sh_node *l, *r; /* PIPE AND OR SEQ: both; BG: l; GROUP: l, its list */
	int argc;	       /* CMD: the words (argv[argc] = NULL; argc may be 0) */
	char *argv[MAXARGV];
	char *in, *out, *err; /* CMD, GROUP: redirections (NULL: none) */
	bool append;	      /* out is ">>" */
	const char *text;     /* GROUP: the text between the parentheses; BG: the command */
	int len;	      /* ... its length */
};

struct sh_tok {
	int type;
	char *word;
	int start, end; /* where it is in the line */
};

struct sh_parser {
	const char *line;
	struct sh_tok toks[SH_TOKS];
	int ntok, pos;
	struct sh_node nodes[SH_NODES];
	int nnode;
	char text[SH_TEXT];
	int ntext;
	char err[96]; /* why it failed */
};

/* Parse line. 0 and *tree (NULL: nothing to do, a blank line or a
   comment), or -1 and p->err says why ("syntax error near ')'"). */
int sh_parse(struct sh_parser *p, const char *line, struct sh_node **tree);
