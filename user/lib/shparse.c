/*
 * shparse.c - the shell's parser (shparse.h has the grammar): a lexer
 * that turns the line into tokens (quotes removed, $? expanded), then
 * one function per grammar rule. Everything lives in struct sh_parser,
 * with fixed room: a line too big for it is an error, never an overflow.
 */
#include "../include/shparse.h" /* by its place: the host unit test includes this file too */

enum {
	T_WORD,
	T_PIPE,
	T_AND,
	T_OR,
	T_SEMI,
	T_AMP,
	T_LP,
	T_RP,
	T_IN,
	T_OUT,
	T_APPEND,
	T_ERR,
	T_END
};

static const char *const tname[] = {"word", "|", "&&", "||", ";",  "&",		 "(",
				    ")",    "<", ">",  ">>", "2>", "end of line"};

static int error(struct sh_parser *p, const char *fmt, const char *what)
{
	snprintf(p->err, sizeof(p->err), fmt, what);
	return -1;
}

static bool put(struct sh_parser *p, char c)
{
	if (p->ntext == SH_TEXT)
		return false;
	p->text[p->ntext++] = c;
	return true;
}

static bool special(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '|' || c == '&' ||
	       c == ';' || c == '(' || c == ')' || c == '<' || c == '>' || !c;
}

/* One word starting at s[*i]: its text into p->text. 0, or -1. */
static int word(struct sh_parser *p, const char *s, int *i)
{
	int k = *i;
	bool ok = true;
	while (ok && !special(s[k])) {
		char c = s[k];
		if (c == '\'' || c == '"') {
			for (k++; s[k] && s[k] != c && ok; k++) {
				if (c == '"' && s[k] == '$' && s[k + 1] == '?') {
					ok = put(p, SH_STATUS);
					k++;
				} else if (c == '"' && s[k] == '\\' &&
					   (s[k + 1] == '"' || s[k + 1] == '\\' ||
					    s[k + 1] == '$')) {
					ok = put(p, s[++k]);
				} else if (s[k] != SH_STATUS) {
					ok = put(p, s[k]);
				}
			}
			if (!s[k])
				return error(p, "unterminated %s quote",
					     c == '"' ? "double" : "single");
			k++;
		} else if (c == '\\' && s[k + 1]) {
			ok = put(p, s[k + 1]);
			k += 2;
		} else if (c == '$' && s[k + 1] == '?') {
			ok = put(p, SH_STATUS);
			k += 2;
		} else {
			ok = c == SH_STATUS || put(p, c); /* only $? may stand for it */
			k++;
		}
	}
	if (!ok || !put(p, '\0'))
		return error(p, "%s", "line too long");
	*i = k;
	return 0;
}

static int lex(struct sh_parser *p)
{
	const char *s = p->line;
	int i = 0;
	for (;;) {
		while (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')
			i++;
		if (!s[i] || s[i] == '#')
			break;
		if (p->ntok == SH_TOKS - 1)
			return error(p, "%s", "too many words");
		struct sh_tok *t = &p->toks[p->ntok++];
		t->start = i;
		t->word = NULL;
		char c = s[i], d = s[i + 1];
		int len = 1;
		if (c == '|')
			t->type = d == '|' ? (len = 2, T_OR) : T_PIPE;
		else if (c == '&')
			t->type = d == '&' ? (len = 2, T_AND) : T_AMP;
		else if (c == ';')
			t->type = T_SEMI;
		else if (c == '(')
			t->type = T_LP;
		else if (c == ')')
			t->type = T_RP;
		else if (c == '<')
			t->type = T_IN;
		else if (c == '>')
			t->type = d == '>' ? (len = 2, T_APPEND) : T_OUT;
		else if (c == '2' && d == '>')
			t->type = (len = 2, T_ERR);
		else
			len = 0;
		if (len) {
			i += len;
		} else {
			t->type = T_WORD;
			t->word = p->text + p->ntext;
			if (word(p, s, &i) < 0)
				return -1;
		}
		t->end = i;
	}
	p->toks[p->ntok] = (struct sh_tok){T_END, NULL, i, i};
	return 0;
}

static struct sh_tok *peek(struct sh_parser *p)
{
	return &p->toks[p->pos];
}

static struct sh_node *node(struct sh_parser *p, enum sh_type type, struct sh_node *l,
			    struct sh_node *r)
{
	if (p->nnode == SH_NODES) {
		error(p, "%s", "too many commands");
		return NULL;
	}
	struct sh_node *n = &p->nodes[p->nnode++];
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->l = l;
	n->r = r;
	return n;
}

static struct sh_node *unexpected(struct sh_parser *p)
{
	struct sh_tok *t = peek(p);
	if (t->type == T_END)
		error(p, "syntax error: unexpected %s", tname[T_END]);
	else
		error(p, "syntax error near '%s'", t->type == T_WORD ? t->word : tname[t->type]);
	return NULL;
}

/* Redirections after a command: 1 if there was one, 0 if none, -1 on error. */
static int redir(struct sh_parser *p, struct sh_node *n)
{
	int type = peek(p)->type;
	if (type != T_IN && type != T_OUT && type != T_APPEND && type != T_ERR)
		return 0;
	p->pos++;
	if (peek(p)->type != T_WORD)
		return error(p, "syntax error: no file name after '%s'", tname[type]);
	char *file = p->toks[p->pos++].word;
	if (type == T_IN)
		n->in = file;
	else if (type == T_ERR)
		n->err = file;
	else {
		n->out = file;
		n->append = type == T_APPEND;
	}
	return 1;
}

static struct sh_node *sh_list(struct sh_parser *p, bool in_group);

static struct sh_node *command(struct sh_parser *p)
{
	struct sh_node *n;
	int r;
	if (peek(p)->type == T_LP) {
		int start = p->toks[p->pos++].end;
		struct sh_node *body = sh_list(p, true);
		if (!body)
			return p->err[0] ? NULL : unexpected(p);
		if (peek(p)->type != T_RP) {
			error(p, "%s", "syntax error: '(' without ')'");
			return NULL;
		}
		if (!(n = node(p, SH_GROUP, body, NULL)))
			return NULL;
		n->text = p->line + start;
		n->len = p->toks[p->pos++].start - start;
		while ((r = redir(p, n)) > 0)
			;
		return r < 0 ? NULL : n;
	}
	if (!(n = node(p, SH_CMD, NULL, NULL)))
		return NULL;
	for (;;) {
		if ((r = redir(p, n)) < 0)
			return NULL;
		if (r)
			continue;
		if (peek(p)->type != T_WORD)
			break;
		if (n->argc == MAXARGV - 1) {
			error(p, "%s", "too many arguments");
			return NULL;
		}
		n->argv[n->argc++] = p->toks[p->pos++].word;
	}
	n->argv[n->argc] = NULL;
	if (n->argc == 0 && !n->in && !n->out && !n->err)
		return unexpected(p);
	return n;
}

static struct sh_node *pipeline(struct sh_parser *p)
{
	struct sh_node *l = command(p);
	while (l && peek(p)->type == T_PIPE) {
		p->pos++;
		struct sh_node *r = command(p);
		l = r ? node(p, SH_PIPE, l, r) : NULL;
	}
	return l;
}

static struct sh_node *and_or(struct sh_parser *p)
{
	struct sh_node *l = pipeline(p);
	while (l && (peek(p)->type == T_AND || peek(p)->type == T_OR)) {
		enum sh_type type = peek(p)->type == T_AND ? SH_AND : SH_OR;
		p->pos++;
		struct sh_node *r = pipeline(p);
		l = r ? node(p, type, l, r) : NULL;
	}
	return l;
}

/* A list, up to the end of the line (or a ')' in a group). NULL: empty, or an error. */
static struct sh_node *sh_list(struct sh_parser *p, bool in_group)
{
	struct sh_node *all = NULL;
	for (;;) {
		int type = peek(p)->type;
		if (type == T_END || (type == T_RP && in_group))
			return all;
		int start = peek(p)->start;
		struct sh_node *n = and_or(p);
		if (!n)
			return NULL;
		type = peek(p)->type;
		if (type == T_AMP) {
			int end = p->toks[p->pos - 1].end;
			if (!(n = node(p, SH_BG, n, NULL)))
				return NULL;
			n->text = p->line + start;
			n->len = end - start;
		}
		if (type == T_AMP || type == T_SEMI)
			p->pos++;
		else if (type != T_END && !(type == T_RP && in_group))
			return unexpected(p);
		if (all && !(n = node(p, SH_SEQ, all, n)))
			return NULL;
		all = n;
	}
}

int sh_parse(struct sh_parser *p, const char *line, struct sh_node **tree)
{
	p->line = line;
	p->ntok = p->pos = p->nnode = p->ntext = 0;
	p->err[0] = '\0';
	*tree = NULL;
	if (lex(p) < 0)
		return -1;
	struct sh_node *t = sh_list(p, false);
	if (p->err[0])
		return -1;
	if (peek(p)->type != T_END) {
		unexpected(p);
		return -1;
	}
	*tree = t;
	return 0;
}
