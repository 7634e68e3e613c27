/*
 * mkseeds.c - write the seed inputs of the host fuzz targets.
 *
 *   mkseeds DIR [FILE...]
 *
 * A fuzzer starts from seeds and mutates them: a seed that is already a
 * good archive, program or ring script lets it reach deep code in its
 * first seconds instead of first guessing "070701" or "\177ELF". This
 * writes small hand-made inputs into DIR/archive, DIR/elf, DIR/ring and DIR/net,
 * then copies each FILE given - the build's boot archives and user
 * programs - into DIR/archive or DIR/elf by its magic number. A program
 * built for another machine gets the host tests' ELF_MACHINE
 * (archdef.h), or the loader would refuse it at its first field.
 *
 * Nothing here is committed: make fuzz-host builds and runs this.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archdef.h"
#include "abi/ring.h"
#include "ringscript.h"

static const char *dir;

static void put(const char *target, const char *name, const void *data, size_t n)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, n, f) != n || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* ---- archives: cpio newc, as `cpio -o -H newc` writes them ---------- */

static unsigned char arc[8192];
static size_t alen;

static void pad4(void)
{
	while (alen % 4)
		arc[alen++] = 0;
}

static void add(const char *name, unsigned mode, const char *data)
{
	size_t size = data ? strlen(data) : 0;
	alen +=
	    sprintf((char *)arc + alen,
		    "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", 100 + (int)alen,
		    mode, 0, 0, 1, 0, (unsigned)size, 0, 0, 0, 0, (unsigned)strlen(name) + 1, 0);
	memcpy(arc + alen, name, strlen(name) + 1);
	alen += strlen(name) + 1;
	pad4();
	memcpy(arc + alen, data ? data : "", size);
	alen += size;
	pad4();
}

static void trailer(void)
{
	add("TRAILER!!!", 0, NULL);
	while (alen % 512)
		arc[alen++] = 0;
}

static void archives(void)
{
	alen = 0;
	add(".", 040755, NULL);
	add("bin", 040755, NULL);
	add("bin/sh", 0100755, "SHELL");
	add("bin/echo", 0100755, NULL);
	add("./bin/ls", 0100755, "ls!");
	add("/etc/motd", 0100644, "hello");
	add("bin/a-program-with-a-name-longer-than-NAME_MAX", 0100755, "x");
	add("bin/sh", 0100755, "second"); /* a name twice: the first one counts */
	trailer();
	put("archive", "small.cpio", arc, alen);
	alen -= 512; /* no trailer, no block padding */
	put("archive", "no-trailer.cpio", arc, alen);

	alen = 0; /* names and data of every length mod 4 */
	for (int n = 1; n <= 4; n++)
		for (int s = 0; s <= 4; s++) {
			char name[8] = "nnnn", data[8] = "abcd";
			name[n] = 0;
			data[s] = 0;
			name[0] = (char)('0' + s);
			add(name, 0100644, data);
		}
	put("archive", "padding.cpio", arc, alen); /* and no trailer */
}

/* ---- programs: a static ELF64 executable, as test_elf.c makes them ---- */

struct ehdr {
	unsigned char ident[16];
	unsigned short type, machine;
	unsigned version;
	unsigned long long entry, phoff, shoff;
	unsigned flags;
	unsigned short ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct phdr {
	unsigned type, flags;
	unsigned long long offset, vaddr, paddr, filesz, memsz, align;
};

static void elf(const char *name, unsigned long long data_va, unsigned long long bss, int share)
{
	static unsigned char img[0x2100];
	memset(img, 0, sizeof(img));
	struct ehdr *h = (struct ehdr *)img;
	struct phdr *p = (struct phdr *)(img + 64);
	memcpy(h->ident, "\177ELF\2\1\1", 7);
	h->type = 2;
	h->machine = ELF_MACHINE;
	h->version = 1;
	h->entry = 0x400040;
	h->phoff = 64;
	h->ehsize = 64;
	h->phentsize = sizeof(struct phdr);
	h->phnum = 3;
	p[0] = (struct phdr){1, 5, 0x1000, 0x400000, 0x400000, 0x100, 0x100, 0x1000};
	p[1] = (struct phdr){1,		 6,	0x2000 + (data_va & 0xfff), data_va, data_va, 0x20,
			     0x20 + bss, 0x1000};
	p[2] = (struct phdr){0x6474e551, 6, 0, 0, 0, 0, 0, 16}; /* GNU_STACK: ignored */
	if (share) /* a zero-length segment, and one in text's page */
		p[2] = (struct phdr){1, 4, 0x1000, 0x400100, 0x400100, 0, share > 1 ? 8 : 0, 1};
	for (int i = 0; i < 0x120; i++)
		img[0x1000 + i] = (unsigned char)i;
	put("elf", name, img, 0x2000 + (data_va & 0xfff) + 0x20);
}

static void programs(void)
{
	elf("small", 0x403010, 0x2000, 0);
	elf("no-bss", 0x404000, 0, 0);
	elf("top-of-user", USER_TOP - 0x1000, 0xfe0, 0);
	elf("empty-segment", 0x403010, 0, 1);
	elf("shared-page", 0x403010, 0, 2); /* refused: two segments in one page */
}

/* ---- ring scripts (ringscript.h) ------------------------------------- */

static unsigned char scr[4096];
static size_t slen;

static void b(unsigned v)
{
	scr[slen++] = (unsigned char)v;
}
static void sqe(unsigned char flags, unsigned long long ud)
{
	struct sqe e = {0};
	e.flags = flags;
	e.user_data = ud;
	b(R_SQE);
	memcpy(scr + slen, &e, sizeof(e));
	slen += sizeof(e);
}
static void enter(unsigned to_submit)
{
	b(R_ENTER), b(0), b(0), b(to_submit & 0xff), b(to_submit >> 8);
}
static void reap(void)
{
	b(R_REAP), b(0xff);
}
static void poke(int word, unsigned v)
{
	b(R_POKE), b(word), b(v), b(v >> 8), b(v >> 16), b(v >> 24);
}
static void script(const char *name)
{
	put("ring", name, scr, slen);
}
static void start(int sq_log, int cq_log)
{
	slen = 0;
	b(sq_log), b(cq_log);
}

static void rings(void)
{
	start(3, 2); /* three in, three out */
	for (int i = 0; i < 3; i++)
		sqe(0, R_UD(R_NOW, 5 + i));
	b(R_PUBLISH), enter(3), reap();
	script("basic");

	start(3, 1); /* a CQ of 2 and six entries: the backlog, -EBUSY, the drain */
	for (int i = 0; i < 6; i++)
		sqe(0, R_UD(R_NOW, i));
	b(R_PUBLISH), enter(6), enter(1), reap(), enter(1), reap();
	script("overflow");

	start(3, 3); /* a chain broken in its middle, then one on its own */
	sqe(SQE_LINK, R_UD(R_NOW, 1)), sqe(SQE_LINK, R_UD(R_FAIL, 0)), sqe(0, R_UD(R_NOW, 3));
	sqe(0, R_UD(R_ZERO, 0));
	b(R_PUBLISH), enter(4), reap();
	script("link");

	start(2, 2); /* a pending op whose chain waits for it */
	sqe(SQE_LINK, R_UD(R_LATER, 0)), sqe(0, R_UD(R_NOW, 2));
	b(R_PUBLISH), enter(2), b(R_COMPLETE), b(0), b(0), b(R_DEFERRED), reap();
	script("pending");

	start(2, 2); /* lies: a tail far ahead, then scribbled kernel indexes */
	sqe(0, R_UD(R_NOW, 1));
	poke(1, 1000), enter(1);
	b(R_PUBLISH), poke(0, 77), poke(5, 99), enter(1), poke(4, 500), reap();
	script("lies");

	start(3, 3); /* no memory for a chain's second entry */
	sqe(SQE_LINK, R_UD(R_NOW, 1)), sqe(0, R_UD(R_NOW, 2));
	b(R_PUBLISH), b(R_FAILALLOC), b(1), enter(2), reap();
	script("no-memory");
}

/* ---- files from the build ------------------------------------------- */

static void copy(const char *path)
{
	FILE *f = fopen(path, "rb");
	static unsigned char buf[16 << 20];
	size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;
	if (f)
		fclose(f);
	if (n < 64 || n == sizeof(buf))
		return; /* missing, tiny or huge: not a useful seed */
	char name[256];
	snprintf(name, sizeof(name), "%s", strncmp(path, "build/", 6) ? path : path + 6);
	for (char *c = name; *c; c++)
		if (*c == '/')
			*c = '-';
	if (!memcmp(buf, "070701", 6)) {
		put("archive", name, buf, n);
	} else if (!memcmp(buf, "\177ELF", 4)) {
		buf[18] = ELF_MACHINE & 0xff; /* e_machine, little endian */
		buf[19] = ELF_MACHINE >> 8;
		put("elf", name, buf, n);
	}
}

/* ---- frames: fuzz_net's inputs (its first byte: what it makes right) ---- */

static void frames(void)
{
	/* 0: a whole frame, a UDP datagram to 10.0.2.15 port 7 (no UDP checksum) */
	static const unsigned char udp[] = {
	    0, 0x52, 0x54, 0,	 0x12, 0x34, 0x56, 2,  2,  2,	 2,    2,   2,	 0x08, 0x00, 0x45,
	    0, 0,    33,   0,	 1,    0x40, 0,	   64, 17, 0x22, 0xbb, 10,  0,	 2,    2,    10,
	    0, 2,    15,   0x30, 0x39, 0,    7,	   0,  13, 0,	 0,    'h', 'e', 'l',  'l',  'o'};
	/* 2: an Ethernet header is made; an ARP request for 10.0.2.15 */
	static const unsigned char arp[] = {2,	0, 1, 8, 0, 6, 4, 0, 1, 2, 2,  2, 2, 2, 2,
					    10, 0, 2, 2, 0, 0, 0, 0, 0, 0, 10, 0, 2, 15};
	/* 4: both headers are made; an ICMP echo request */
	static const unsigned char icmp[] = {4, 8, 0, 0xf7, 0xfd, 0, 1, 0, 1};
	/* 3: both headers are made; a UDP header and data */
	static const unsigned char udp2[] = {3, 0x30, 0x39, 0, 7, 0, 12, 0, 0, 'd', 'a', 't', 'a'};
	/* 5: both headers are made; a SYN to port 7 (listened on), checksum right */
	static const unsigned char syn[] = {5, 0x04, 0xd2, 0,	 7,    0,    0,	   0x03, 0xe8, 0, 0,
					    0, 0,    0x50, 0x02, 0xff, 0xff, 0x8f, 0x11, 0,    0};
	/* 6: a connection is up; 5 bytes on it, in order (ports and checksum made) */
	static const unsigned char seg[] = {6, 0,    0,	  0,	0,    0,    0x03, 0xe9, 0,
					    0, 0xfa, 1,	  0x50, 0x18, 0xff, 0xff, 0,	0,
					    0, 0,    'h', 'e',	'l',  'l',  'o'};
	put("net", "tcp", syn, sizeof(syn));
	put("net", "tcp2", seg, sizeof(seg));
	put("net", "udp", udp, sizeof(udp));
	put("net", "arp", arp, sizeof(arp));
	put("net", "icmp", icmp, sizeof(icmp));
	put("net", "udp2", udp2, sizeof(udp2));
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: mkseeds DIR [FILE...]\n");
		return 1;
	}
	dir = argv[1];
	archives();
	programs();
	rings();
	frames();
	for (int i = 2; i < argc; i++)
		copy(argv[i]);
	return 0;
}
