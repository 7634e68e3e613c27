# user/user.mk - the C library, the user programs and the boot archive.
#
# Included by the top Makefile after arch/$(ARCH)/arch.mk, which define
# ARCH, B, CC, OBJCOPY and USER_CFLAGS (the arch's flags for user code).
#
#   $(B)/user/bin/<prog>     each program of user/bin/<prog>.c, with debug
#                            information: gdb reads these
#   $(B)/user/root/bin/<prog>  the same, stripped: what the archive holds
#   $(B)/archive.cpio        the boot archive the kernel embeds: bin/<prog>
#
# Every program links the whole C library: user/lib/*.c, the
# freestanding code the kernel compiles too (shared/*.c: string.c,
# format.c) and the arch's assembly in user/lib/$(ARCH)/ - the same file
# names on every arch: user.S (start-up code and system-call stubs) and
# uintr.S (the user-interrupt entry stub). Of the kernel's tree, user
# code sees only the ABI, kernel/abi/ (hence -Ikernel: the headers say
# "abi/ring.h"). --gc-sections drops what a program does not use.

UPROGS := $(patsubst user/bin/%.c,%,$(wildcard user/bin/*.c))
ULIB := $(patsubst user/lib/%.c,$(B)/user/lib/%.o,$(wildcard user/lib/*.c)) \
	$(patsubst user/lib/%.S,$(B)/user/lib/%.o,$(wildcard user/lib/$(ARCH)/*.S)) \
	$(patsubst shared/%.c,$(B)/user/shared/%.o,$(wildcard shared/*.c))
UBINS := $(addprefix $(B)/user/bin/,$(UPROGS))

# Freestanding: no host headers or libraries. -nostdinc keeps a stray
# #include <stdio.h> from finding the host's; -isystem gives back the
# compiler's own headers (stdarg.h). Each function and variable gets a
# section of its own so that the linker can drop the unused ones.
# `=`, not `:=`: the compiler is asked only when a rule runs, after
# `make deps` has had the chance to install it.
UCFLAGS = -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -nostdinc \
	-isystem $(shell $(CC) -print-file-name=include) \
	-fno-stack-protector -fno-pie -fomit-frame-pointer -fno-asynchronous-unwind-tables \
	-ffunction-sections -fdata-sections -Iuser/include -Ishared -Ikernel -MMD -MP $(USER_CFLAGS)
ULDFLAGS := -nostdlib -static -no-pie -Wl,--gc-sections -Wl,--build-id=none \
	-Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -T user/user.ld

# Objects are rebuilt when the flags change: the flags live in these files.
UFLAGDEPS := arch/$(ARCH)/arch.mk user/user.mk

$(B)/user/lib/%.o: user/lib/%.c $(UFLAGDEPS)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -c -o $@ $<

$(B)/user/lib/%.o: user/lib/%.S $(UFLAGDEPS)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -D__ASSEMBLY__ -c -o $@ $<

$(B)/user/shared/%.o: shared/%.c $(UFLAGDEPS)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -c -o $@ $<

$(B)/user/bin/%.o: user/bin/%.c $(UFLAGDEPS)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -c -o $@ $<

$(B)/user/bin/%: $(B)/user/bin/%.o $(ULIB) user/user.ld
	$(CC) $(UCFLAGS) $(ULDFLAGS) -o $@ $< $(ULIB)

$(B)/user/root/bin/%: $(B)/user/bin/%
	@mkdir -p $(@D)
	$(OBJCOPY) --strip-debug $< $@

# newc is the format the kernel reads (kernel/archive.c). Owner root and
# --reproducible (no inode or device numbers): the same programs make the
# same archive, whoever builds it.
$(B)/archive.cpio: $(addprefix $(B)/user/root/bin/,$(UPROGS))
	cd $(B)/user/root && printf 'bin/%s\n' $(UPROGS) | \
		cpio -o -H newc -R 0:0 --reproducible --quiet > archive.cpio.tmp
	mv $(B)/user/root/archive.cpio.tmp $@

.PHONY: user
user: $(B)/archive.cpio

# Nothing compiles before the tools are there (see deps in the Makefile).
$(ULIB) $(UBINS:=.o): | deps

.PRECIOUS: $(B)/user/bin/%.o $(UBINS) $(ULIB)

-include $(ULIB:.o=.d) $(UBINS:=.d)
