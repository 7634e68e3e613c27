# duet - top-level Makefile.
#
#   make [ARCH=riscv64|x86_64] [CPUS=n]   build the kernel for one arch
#   make qemu [APPEND=monitor]            build and boot it (Ctrl-a x quits)
#   make qemu-uboot                       boot it through U-Boot
#   make qemu-gdb                         boot it stopped, waiting for gdb
#   make test                             every test, both arches
#   make help                             all targets
#
# Everything an arch needs (compiler, flags, image format, QEMU command
# lines) lives in arch/$(ARCH)/arch.mk; this file is the same for all.

ARCH ?= riscv64
CPUS ?= 2
ARCHES := riscv64 x86_64

# `make grade ARCH=all` grades both arches in one run (one score, one
# results.json); everything else builds one arch at a time.
ifeq ($(ARCH),all)
ifneq ($(filter-out grade bench,$(MAKECMDGOALS)),)
$(error ARCH=all works only with `make grade` and `make bench`)
endif
GRADE_ARCHES := $(ARCHES)
override ARCH := riscv64
endif

ifeq ($(filter $(ARCH),$(ARCHES)),)
$(error ARCH must be one of: $(ARCHES) (or all, for make grade))
endif

B := build/$(ARCH)
# One gdb port per user, so students sharing a machine don't collide.
GDBPORT ?= $(shell expr `id -u` % 5000 + 25000)

# arch.mk defines: CC OBJCOPY NM, ARCH_CFLAGS ARCH_LDFLAGS, GDB_ARCH,
# QEMU QEMU_OPTS (direct boot), QEMU_UBOOT_OPTS and UBOOT_FILES (U-Boot
# boot), KERNEL_IMG (what QEMU_OPTS boots) and the rules that make them.
include arch/$(ARCH)/arch.mk

CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding \
	-fno-stack-protector -fno-pie -fomit-frame-pointer \
	-Ikernel -Ishared -Iarch/$(ARCH) -MMD -MP $(ARCH_CFLAGS)
LDFLAGS := -nostdlib -no-pie -static $(ARCH_LDFLAGS)

# shared/ is the freestanding code the C library compiles too.
KSRC := $(wildcard kernel/*.c kernel/*.S shared/*.c) $(wildcard arch/$(ARCH)/*.c arch/$(ARCH)/*.S)
# trap.c and trap.S both exist: keep the suffix in the object's name
KOBJ := $(patsubst %,$(B)/%.o,$(KSRC))

.PHONY: all kernel qemu qemu-gdb qemu-uboot print-qemu print-qemu-uboot disk-reset \
	test test-unit test-grade deps clean help format gdb-target

all: kernel
kernel: $(B)/kernel.elf $(KERNEL_IMG)

# Objects are rebuilt when the flags change (they live in arch.mk and here).
$(B)/%.c.o: %.c arch/$(ARCH)/arch.mk Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(B)/%.S.o: %.S arch/$(ARCH)/arch.mk Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -D__ASSEMBLY__ -c -o $@ $<

$(B)/kernel.elf: $(KOBJ) arch/$(ARCH)/kernel.ld
	$(CC) $(CFLAGS) $(LDFLAGS) -T arch/$(ARCH)/kernel.ld -o $@ $(KOBJ)

-include $(KOBJ:.o=.d)

# Nothing compiles before the tools are there, even under make -j.
$(KOBJ): | deps

# The boot archive of user programs (user/user.mk builds it) is linked
# into the kernel; .incbin hides it from the compiler's dependency lists.
ARCHIVE := $(B)/archive.cpio
$(B)/kernel/archive_data.S.o: $(ARCHIVE)
$(B)/kernel/archive_data.S.o: CFLAGS += -DARCHIVE_PATH='"$(ARCHIVE)"'

include user/user.mk

# ---- U-Boot helpers, used by both arch.mk files --------------------------

# mkfs.fat and sfdisk live in /usr/sbin, which users often lack in PATH.
SBIN := PATH="$$PATH:/usr/sbin:/sbin"

# $(call uboot_script,OUT,UBOOT_ARCH,LINE...): a U-Boot script image.
define uboot_script
	@mkdir -p $(dir $(1))
	printf '%s\n' $(3) > $(1).txt
	mkimage -A $(2) -O linux -T script -C none -n duet -d $(1).txt $(1) >/dev/null
endef

# $(call boot_disk,OUT,FILES): the disk U-Boot's "distro boot" scans: a DOS
# partition table with one bootable FAT partition from 1 MiB to the end
# (16 MiB), holding FILES. Made without mounting anything: sfdisk writes
# the table; mkfs.fat and mtools write into the file at the partition's
# offset.
define boot_disk
	rm -f $(1).tmp
	truncate -s 16M $(1).tmp
	echo 'start=1MiB, type=c, bootable' | $(SBIN) sfdisk -q $(1).tmp
	$(SBIN) mkfs.fat --offset 2048 $(1).tmp 15360 >/dev/null
	mcopy -i $(1).tmp@@1M $(2) ::/
	mv $(1).tmp $(1)
endef

# ---- running ---------------------------------------------------------

# APPEND=... is the kernel command line, e.g. `make qemu APPEND=monitor`.
KCMDLINE = $(if $(APPEND),-append '$(APPEND)')

# The disk blkd drives (docs/drivers.md), a virtio-blk device (the arch's
# QEMU_DISK says which transport). `make qemu` boots with $(DISK), made
# on first use and kept across boots; `make disk-reset` starts over. The
# grader boots with $(DISK0) under snapshot=on: every run sees the same
# pristine disk and its writes go nowhere, so parallel tests share no
# state. mkfs makes both, DISK_MB MiB holding the boot archive's files
# (tools/tools.mk has the rules; docs/disk.md).
DISK_MB := 32
DISK := $(B)/disk.img
DISK0 := $(B)/disk0.img
comma := ,
disk_opts = -drive file=$(1),format=raw,if=none,id=hd0$(2) $(QEMU_DISK)

# The network card netd drives (docs/servers.md, "Network"), a virtio-net
# device (the arch's QEMU_NET says which transport) on QEMU's user
# network. `make qemu` forwards the host's loopback UDP port NETPORT (one
# per user, like GDBPORT) to the guest's UDP port 7 (`udpecho 7`);
# print-qemu forwards one only if NETPORT is given, so that parallel
# graders, each with its own port, never collide. restrict=on (the guest
# reaches QEMU's gateway 10.0.2.2 and nothing beyond) whenever no port is
# forwarded; with one it must be off: QEMU's user network (libslirp, as
# of QEMU 7.2) drops every UDP datagram a restricted guest sends, the
# answers to a forwarded port too. The guest then could reach out, but
# only sends where a program asks it to; no test asks beyond 10.0.2.2.
# TCPPORT=p also forwards the host's loopback TCP port p to the guest's
# TCP port 7 (`tcpecho 7`); TCP needs no unrestricted network. GUESTFWD=p
# (print-qemu) sends the guest's TCP connection to 10.0.2.100:7 to the
# host's loopback port p, where something must listen before QEMU starts.
# FRAMEPORT=p FRAMEPEER=q (print-qemu) put the card on a hub with the
# user network and a socket: every Ethernet frame the host sends as a
# UDP datagram to its loopback port p reaches the card as it is, and
# every frame on the hub goes to the host's loopback port q (the
# grader's raw frames: tests/net_test.c, net/host-frames).
NETPORT_USER := $(shell expr `id -u` % 5000 + 30000)
net_opts = -netdev user,id=$(if $(4),u0,n0),$(if $(1),restrict=off$(comma)hostfwd=udp:127.0.0.1:$(1)-:7,restrict=on)$(if \
	$(2),$(comma)hostfwd=tcp:127.0.0.1:$(2)-:7)$(if \
	$(3),$(comma)guestfwd=tcp:10.0.2.100:7-tcp:127.0.0.1:$(3))$(if \
	$(4), -netdev hubport$(comma)id=n0$(comma)hubid=0 -netdev hubport$(comma)id=h1$(comma)hubid=0$(comma)netdev=u0 \
	-netdev socket$(comma)id=r0$(comma)udp=127.0.0.1:$(5)$(comma)localaddr=127.0.0.1:$(4) \
	-netdev hubport$(comma)id=h2$(comma)hubid=0$(comma)netdev=r0) $(QEMU_NET)

disk-reset:
	rm -f $(DISK)

qemu: deps kernel $(DISK)
	@echo "duet: type poweroff at the \$$ prompt to shut down; Ctrl-a x quits QEMU at once"
	@echo "duet: host UDP port $(or $(NETPORT),$(NETPORT_USER)) reaches the guest's port 7"
	$(QEMU) $(QEMU_OPTS) $(call disk_opts,$(DISK)) $(call net_opts,$(or $(NETPORT),$(NETPORT_USER)),$(TCPPORT)) $(KCMDLINE)

qemu-uboot: deps kernel $(UBOOT_FILES)
	$(QEMU) $(QEMU_UBOOT_OPTS)

# build/gdb-target.gdb tells .gdbinit which kernel was booted last.
gdb-target:
	@mkdir -p build
	@printf 'set architecture %s\nfile %s\ntarget remote localhost:%s\n' \
		'$(GDB_ARCH)' '$(B)/kernel.elf' '$(GDBPORT)' > build/gdb-target.gdb

qemu-gdb: deps kernel gdb-target $(DISK)
	@echo "*** Now run 'gdb-multiarch' in another window (in $(CURDIR))."
	@echo "*** If gdb ignores .gdbinit, add this line to ~/.config/gdb/gdbinit:"
	@echo "***   add-auto-load-safe-path $(CURDIR)/.gdbinit"
	$(QEMU) $(QEMU_OPTS) $(call disk_opts,$(DISK)) $(call net_opts,$(or $(NETPORT),$(NETPORT_USER)),$(TCPPORT)) $(KCMDLINE) -S -gdb tcp::$(GDBPORT)

# The grader asks for the command lines instead of repeating them.
# NODISK=1 leaves the disk out (the benchmarks: tests/bench/bench.mk);
# DISKIMG=path boots that image instead, and keeps its writes (the disk
# tests: tests/disk_test.c).
print-qemu: $(DISK0)
	@echo '$(QEMU) $(QEMU_OPTS) $(if $(NODISK),,$(if $(DISKIMG),$(call disk_opts,$(DISKIMG)),$(call disk_opts,$(DISK0),$(comma)snapshot=on))) $(call net_opts,$(NETPORT),$(TCPPORT),$(GUESTFWD),$(FRAMEPORT),$(FRAMEPEER))'
print-qemu-uboot:
	@echo '$(QEMU) $(QEMU_UBOOT_OPTS)'

# ---- set-up ------------------------------------------------------------

# command:Debian-package pairs that the build, QEMU and the tests need.
DEPS := qemu-system-riscv64:qemu-system-misc qemu-system-x86_64:qemu-system-x86 \
	riscv64-unknown-elf-gcc:gcc-riscv64-unknown-elf gdb-multiarch:gdb-multiarch \
	mkimage:u-boot-tools dtc:device-tree-compiler mcopy:mtools \
	/usr/sbin/mkfs.fat:dosfstools /usr/sbin/sfdisk:fdisk gcc:gcc make:make \
	/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin:opensbi \
	/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin:u-boot-qemu \
	/usr/include/cmocka.h:libcmocka-dev cpio:cpio ccache:ccache

deps:
	@missing=""; for d in $(DEPS); do \
		c=$${d%%:*}; p=$${d##*:}; \
		if [ "$${c#/}" != "$$c" ]; then [ -e "$$c" ] || missing="$$missing $$p"; \
		else command -v $$c >/dev/null 2>&1 || missing="$$missing $$p"; fi; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "deps: installing$$missing"; \
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			  apt-get install -y -qq $$missing >/dev/null; } || exit 1; \
		else \
			echo "deps: missing packages. Run:"; \
			echo "  sudo apt-get install$$missing"; exit 1; \
		fi; \
	fi

# ---- tests ---------------------------------------------------------------

HOSTCC ?= gcc
HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Ikernel -Ishared -Itests

include tests/tests.mk
include tools/tools.mk
include labs/labs.mk
include tests/bench/bench.mk
include tests/fuzz/fuzz.mk
include tests/robust.mk
include tests/bochs/bochs.mk

clean:
	@echo "clean: removing build/, the disks build/<arch>/disk.img included"
	rm -rf build

# Not C to format: user/lib/asm.h (assembler macros for user/lib/<arch>/*.S)
# and labs/*/wrong/ (region bodies, indented as they sit in their files).
format:
	clang-format -i $$(git ls-files '*.c' '*.h' ':!user/lib/asm.h' ':!labs/*/wrong/*')

help:
	@sed -n '2,12p' Makefile
	@echo 'Other targets: kernel user deps grade print-qemu print-qemu-uboot'
	@echo '  test-unit test-arch test-selftest test-grade clean format'
	@echo '  bench bench-quick bench-linux (benchmarks: tests/bench/bench.mk)'
	@echo '  fuzz-host fuzz-host-quick fuzz-deps (FUZZ_TIME=s: host fuzz targets, tests/fuzz/)'
	@echo '  fuzz grind (OPS=n, SECS=s, SEED=n: the ring fuzzer, grind; tests/robust.mk)'
