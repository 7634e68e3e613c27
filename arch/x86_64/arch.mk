# arch/x86_64/arch.mk - x86_64: toolchain and flags, the kernel image
# QEMU boots, the U-Boot ROM and disk, and the QEMU command lines.
# Included by the top Makefile, which defines B (build/x86_64) and CPUS.

# CCACHE: a compiler cache put in front, if set (labs/test-labs.sh sets it)
CC := $(CCACHE) gcc
OBJCOPY := objcopy
NM := nm

# -mcmodel=kernel: code and data live in the top 2 GiB (kernel.ld), so an
#   address fits in a sign-extended 32-bit immediate.
# -mno-red-zone: an interrupt pushes its frame right below %rsp, where
#   leaf functions would otherwise keep locals.
# -mgeneral-regs-only: no SSE or x87 in the kernel, so traps need not save
#   those registers.
# -fno-asynchronous-unwind-tables: no .eh_frame; gdb unwinds from
#   .debug_frame (the call-frame information -g emits; no frame
#   pointer is needed: the top Makefile omits them).
ARCH_CFLAGS := -m64 -march=x86-64 -mcmodel=kernel -mno-red-zone -mgeneral-regs-only \
	-fno-pic -fno-asynchronous-unwind-tables
ARCH_LDFLAGS := -Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack -Wl,--build-id=none

# User programs: static, linked at 4 MiB (user/user.ld), so the default
# small code model and absolute addressing (-fno-pic) fit. -mgeneral-regs-only:
# the kernel does not save the SSE and x87 registers on a context switch
# yet, so a program must not use them (and they trap: see start.c). The
# red zone stays: every trap from user mode switches to a kernel stack.
USER_CFLAGS := -m64 -march=x86-64 -mgeneral-regs-only -fno-pic

GDB_ARCH := i386:x86-64

# QEMU's -kernel loads a Multiboot kernel only as a 32-bit ELF: the same
# bytes with ELF32 headers, entered at start32 (physical address, from
# kernel.ld). gdb and U-Boot use the 64-bit kernel.elf.
KERNEL_IMG := $(B)/kernel.img

$(KERNEL_IMG): $(B)/kernel.elf
	$(OBJCOPY) -O elf32-i386 --strip-debug \
		--set-start=0x$$($(NM) $< | sed -n 's/ A start32_pa$$//p') $< $@

# The PC machine ("pc", i440FX) rather than q35: it boots a little faster
# under TCG (about 0.15 s from start to the banner here, q35 0.2 s: fewer
# devices for SeaBIOS to set up), and U-Boot's QEMU build describes an
# i440FX board in its device tree. No network card: the firmware would
# spend time on it (SeaBIOS loads a PXE ROM, U-Boot tries DHCP). The disk
# is read-only so that several QEMUs (parallel tests) can share it.
QEMU := qemu-system-x86_64
QEMU_COMMON = -machine pc -smp $(CPUS) -m 256M -nographic -no-reboot -nic none \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04
QEMU_OPTS = $(QEMU_COMMON) -kernel $(KERNEL_IMG)
# The disk (drive hd0, the Makefile's disk_opts) as a modern-only virtio-pci
# device: memory BARs found through capabilities, no legacy I/O ports
# (which a user-space driver could reach only with an I/O permission map).
QEMU_DISK := -device virtio-blk-pci,drive=hd0,disable-legacy=on
# The network card (netdev n0, the Makefile's net_opts), modern-only too;
# romfile= (none): SeaBIOS has no network boot ROM to load.
QEMU_NET := -device virtio-net-pci,netdev=n0,disable-legacy=on,romfile=
QEMU_UBOOT_OPTS = $(QEMU_COMMON) -bios $(B)/u-boot.rom \
	-drive if=virtio,format=raw,readonly=on,file=$(B)/boot.disk

# ---- U-Boot --------------------------------------------------------------
#
# U-Boot runs its default environment (no saved one on QEMU): bootcmd
# runs "distro boot", which searches the devices in $boot_targets for a
# boot script, after counting down $bootdelay (2 s) while polling the
# console for a key. We build a copy of the ROM with that environment
# edited in place: bootdelay -2 (boot at once, and do not look at the
# console at all, so input that is already waiting cannot stop the boot)
# and boot_targets "virtio0" (our disk; skips probing USB, SCSI, IDE and
# DHCP). The environment is a list of NUL-terminated "name=value" strings
# inside the binary (the ROM holds two copies). Each edit replaces one run
# of entries by the same number of bytes, padding the last value with
# spaces, and fails unless it finds exactly the expected bytes. The
# unused "bootargs" (Linux's command line) gives up its room for the
# extra byte of "-2".
UBOOT_ROM := /usr/lib/u-boot/qemu-x86_64/u-boot.rom
UBOOT_FILES := $(B)/u-boot.rom $(B)/boot.disk

$(B)/u-boot.rom: $(UBOOT_ROM) arch/x86_64/arch.mk
	@mkdir -p $(@D)
	cp $(UBOOT_ROM) $@.tmp
	@echo "edit the default environment in $@"
	@set -e; \
	edit() { \
		printf "$$1" > $@.old; printf "$$2" > $@.new; \
		pad=$$(($$(wc -c < $@.old) - $$(wc -c < $@.new) - 1)); \
		printf "%$${pad}s\0" "" >> $@.new; n=0; \
		for off in $$(grep -abo "$${1%%\\0*}" $@.tmp | cut -d: -f1); do \
			dd if=$@.tmp bs=1 skip=$$off count=$$(wc -c < $@.old) 2>/dev/null | \
				cmp -s - $@.old || { echo "$@: unexpected bytes at $$off"; exit 1; }; \
			dd if=$@.new of=$@.tmp bs=1 seek=$$off conv=notrunc 2>/dev/null; \
			n=$$((n + 1)); \
		done; \
		[ $$n -gt 0 ] || { echo "$@: '$${1%%\\0*}' not found"; exit 1; }; \
	}; \
	args='bootargs=root=/dev/sdb3 init=/sbin/init rootwait ro\0'; \
	edit "$${args}bootcmd=run distro_bootcmd\0bootdelay=2\0" \
		'bootdelay=-2\0bootcmd=run distro_bootcmd'; \
	edit 'boot_targets=usb0 scsi0 virtio0 ide0 dhcp \0' 'boot_targets=virtio0'
	rm -f $@.old $@.new
	mv $@.tmp $@

# The boot script that distro boot finds and runs: load the 64-bit ELF
# and start it at its entry point (start64) with bootelf -p, which copies
# each segment to its physical address, and jumps there only if
# $$autostart is "yes".
$(B)/boot.scr: arch/x86_64/arch.mk
	$(call uboot_script,$@,x86,'load $${devtype} $${devnum}:$${distro_bootpart} $${loadaddr} kernel.elf' \
		'setenv autostart yes' 'bootelf -p $${loadaddr}')

$(B)/boot.disk: $(B)/boot.scr $(B)/kernel.elf
	$(call boot_disk,$@,$(B)/boot.scr $(B)/kernel.elf)
