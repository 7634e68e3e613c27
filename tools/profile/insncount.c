/*
 * insncount.c - a QEMU TCG plugin: how many times each guest instruction
 * ran, by address (tools/profile/profile.sh turns that into functions).
 *
 *	qemu-system-... -plugin build/host/insncount.so,out=FILE
 *
 * At QEMU's exit FILE gets one line per instruction that ran,
 * "<address in hex> <count>". Every CPU adds to the same counters (run it
 * with one CPU). When QEMU translates a block, each of its instructions
 * gets an inline "add 1 to this counter" op: no call per instruction,
 * and a block translated again (its cache flushed) finds its counters.
 *
 * Debian's QEMU ships no plugin header, so the few functions of QEMU's
 * plugin API (include/qemu/qemu-plugin.h, version 1, QEMU 7.2) used here
 * are declared below; QEMU resolves them when it loads the plugin.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum { QEMU_PLUGIN_INLINE_ADD_U64 = 0 };

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   void (*cb)(qemu_plugin_id_t, struct qemu_plugin_tb *));
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, void (*cb)(qemu_plugin_id_t, void *),
				    void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn, int op, void *ptr,
						uint64_t imm);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* Counters by address: open addressing, a table at most half full. */
struct slot {
	uint64_t addr, count; /* count UINT64_MAX: an empty slot */
};
static size_t used; /* slots taken in the newest table */
static char *out;

/* A counter never moves once an inline op points at it, so a full table
 * is not rehashed: a table twice its size is chained in front of it, and
 * counter() looks in the newest first, then in the older ones. */
struct table {
	struct slot *slots;
	size_t size;
	struct table *older;
};
static struct table *tables;

static struct slot *find(struct table *t, uint64_t addr, int make)
{
	for (size_t i = (addr * 0x9e3779b97f4a7c15ull) >> 20;; i++) {
		struct slot *s = &t->slots[i & (t->size - 1)];
		if (s->addr == addr && s->count != UINT64_MAX)
			return s;
		if (s->count == UINT64_MAX) /* empty */
			return make ? s : NULL;
	}
}

static struct table *new_table(size_t n)
{
	struct table *t = calloc(1, sizeof(*t));
	if (t)
		t->slots = malloc(n * sizeof(*t->slots));
	if (!t || !t->slots) {
		fprintf(stderr, "insncount: out of memory\n");
		exit(1);
	}
	memset(t->slots, 0xff, n * sizeof(*t->slots)); /* all empty */
	t->size = n;
	t->older = tables;
	used = 0;
	return t;
}

static uint64_t *counter(uint64_t addr)
{
	for (struct table *t = tables; t; t = t->older) {
		struct slot *s = find(t, addr, 0);
		if (s)
			return &s->count;
	}
	if (2 * (used + 1) > tables->size)
		tables = new_table(2 * tables->size);
	struct slot *s = find(tables, addr, 1);
	s->addr = addr;
	s->count = 0;
	used++;
	return &s->count;
}

static void translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	for (size_t i = 0; i < qemu_plugin_tb_n_insns(tb); i++) {
		struct qemu_plugin_insn *in = qemu_plugin_tb_get_insn(tb, i);
		qemu_plugin_register_vcpu_insn_exec_inline(in, QEMU_PLUGIN_INLINE_ADD_U64,
							   counter(qemu_plugin_insn_vaddr(in)), 1);
	}
}

static void done(qemu_plugin_id_t id, void *p)
{
	(void)id, (void)p;
	FILE *f = fopen(out, "w");
	if (!f) {
		perror(out);
		return;
	}
	for (struct table *t = tables; t; t = t->older)
		for (size_t i = 0; i < t->size; i++)
			if (t->slots[i].count != UINT64_MAX && t->slots[i].count)
				fprintf(f, "%llx %llu\n", (unsigned long long)t->slots[i].addr,
					(unsigned long long)t->slots[i].count);
	fclose(f);
}

__attribute__((visibility("default"))) int
qemu_plugin_install(qemu_plugin_id_t id, const void *info, int argc, char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			out = argv[i] + 4;
	if (!out) {
		fprintf(stderr, "insncount: usage: -plugin insncount.so,out=FILE\n");
		return -1;
	}
	tables = new_table(1 << 16);
	qemu_plugin_register_vcpu_tb_trans_cb(id, translated);
	qemu_plugin_register_atexit_cb(id, done, NULL);
	return 0;
}
