# arch.mk - riscv64: toolchain, image, and QEMU command lines.
#
# Boot chain: QEMU virt -> OpenSBI (machine mode, from Debian's opensbi
# package) -> our kernel at physical 0x80200000 in supervisor mode.
# Or, for `make qemu-uboot`: OpenSBI -> U-Boot -> boot.scr on a FAT disk
# -> bootm of a uImage -> our kernel, at the same address.

# CCACHE: a compiler cache put in front, if set (labs/test-labs.sh sets it)
CC := $(CCACHE) riscv64-unknown-elf-gcc
OBJCOPY := riscv64-unknown-elf-objcopy
NM := riscv64-unknown-elf-nm

# rv64imac with the 2.2 ISA spec: CSR instructions without naming zicsr,
# which would make gcc 12 pick a libgcc multilib that does not exist (we
# link no libgcc anyway). medany: code and data within 2 GiB of each other,
# anywhere, reached pc-relative, which lets boot.S run at its physical address.
ARCH_CFLAGS := -march=rv64imac -misa-spec=2.2 -mabi=lp64 -mcmodel=medany
ARCH_LDFLAGS := -Wl,--build-id=none -Wl,-z,max-page-size=4096
# User programs: the same instruction set and ABI (no floating point: the
# kernel neither saves nor enables the FPU, so an FP instruction traps and
# ends the program). medany works wherever the program is linked.
USER_CFLAGS := -march=rv64imac -misa-spec=2.2 -mabi=lp64 -mcmodel=medany

GDB_ARCH := riscv:rv64

# The image is the flat binary, not the ELF: it is what OpenSBI's
# convention (and U-Boot's bootm) expects at 0x80200000, QEMU loads a raw
# -kernel at the first 2 MiB boundary after the firmware (0x80200000),
# and both boot paths then run the very same bytes. gdb reads the ELF.
KERNEL_IMG := $(B)/kernel.bin

$(KERNEL_IMG): $(B)/kernel.elf
	$(OBJCOPY) -O binary $< $@

QEMU := qemu-system-riscv64
OPENSBI := /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin
UBOOT := /usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin
# U-Boot needs 256 MiB; use the same everywhere so both paths see one machine.
QEMU_HW := -smp $(CPUS) -m 256M

# -no-reboot: a reset request (a crash in firmware) exits QEMU instead of
# looping; the kernel itself exits through arch_poweroff().
# Every virtio-mmio transport is a modern (virtio 1.x) device: QEMU's
# default there is the legacy interface, which blkd and netd refuse. In
# QEMU_OPTS, not with the disk: a boot without one (the benchmarks'
# NODISK=1) still has a modern network card.
QEMU_OPTS := -machine virt $(QEMU_HW) -bios $(OPENSBI) -kernel $(KERNEL_IMG) -nographic -no-reboot \
	-global virtio-mmio.force-legacy=false
# The disk (drive hd0, the Makefile's disk_opts) on a virtio-mmio transport.
QEMU_DISK := -device virtio-blk-device,drive=hd0
# The network card (netdev n0, the Makefile's net_opts), on another.
QEMU_NET := -device virtio-net-device,netdev=n0

# ---- U-Boot ---------------------------------------------------------------
#
# U-Boot runs its default boot command, which finds boot.scr on the first
# virtio disk and runs it: load the uImage, bootm it with the device tree
# U-Boot itself got (bootm passes a0 = hart id, a1 = device tree). The
# device tree is QEMU's own, dumped for this -smp and -m, plus
# /config/bootdelay = -2: boot at once, without even looking for a key
# press that would stop it (0 would still look, once).

UBOOT_DTB := $(B)/uboot-virt-$(CPUS)cpu.dtb
UBOOT_DISK := $(B)/uboot-disk.img
UBOOT_FILES := $(UBOOT_DTB) $(UBOOT_DISK)

QEMU_UBOOT_OPTS := -machine virt $(QEMU_HW) -bios $(OPENSBI) -kernel $(UBOOT) -dtb $(UBOOT_DTB) \
	-drive file=$(UBOOT_DISK),format=raw,if=none,id=disk0,readonly=on \
	-device virtio-blk-device,drive=disk0 -nographic -no-reboot

# Load and entry address: KERNEL_PHYS (machine.h, kernel.ld).
$(B)/uImage: $(KERNEL_IMG)
	mkimage -A riscv -O linux -T kernel -C none -a 0x80200000 -e 0x80200000 \
		-n duet -d $< $@ >/dev/null

$(B)/boot.scr: arch/riscv64/arch.mk
	$(call uboot_script,$@,riscv,'load $${devtype} $${devnum}:$${distro_bootpart} $${kernel_addr_r} uImage' \
		'bootm $${kernel_addr_r} - $${fdtcontroladdr}')

$(UBOOT_DISK): $(B)/uImage $(B)/boot.scr
	$(call boot_disk,$@,$(B)/uImage $(B)/boot.scr)

$(UBOOT_DTB): arch/riscv64/arch.mk
	@mkdir -p $(B)
	$(QEMU) -machine virt,dumpdtb=$@.orig $(QEMU_HW) -nographic >/dev/null 2>&1
	dtc -q -I dtb -O dts $@.orig > $@.dts
	printf '/ {\n\tconfig {\n\t\tbootdelay = <0xfffffffe>;\n\t};\n};\n' >> $@.dts
	dtc -q -I dts -O dtb -o $@ $@.dts
