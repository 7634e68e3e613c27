#!/bin/sh
# run.sh - boot the x86_64 kernel in a user-supplied Bochs and run
# uintrtest there (tests/bochs/bochs.mk: make bochs-uintr BOCHS=...).
#
#   run.sh BOCHS KERNEL_ELF WORKDIR CPUS MODE TIMEOUT [PROGRAM]
#
# MODE is "native" (the kernel uses the CPU's user interrupts, and the
# run fails if it does not find them) or "emulate" (uintr=emulate: the
# kernel emulates them on the same CPU, for comparison). PROGRAM is the
# test program to run (default uintrtest; pipetest works too): it must
# end with the line "PROGRAM: N passed, M failed".
#
# Bochs boots a Multiboot kernel from a GRUB rescue CD; the kernel's
# command line types "uintrtest" and "poweroff" at the shell for us
# (input=, kernel/main.c); the serial port goes to a file; the kernel's
# poweroff writes "Shutdown" to port 0x8900, which stops Bochs - always
# with exit status 1, so the verdict comes from the serial log.
set -eu

BOCHS=$1 ELF=$2 W=$3 CPUS=$4 MODE=$5 TIMEOUT=$6 PROG=${7:-uintrtest}

die() { echo "bochs-uintr: $*" >&2; exit 1; }

case $MODE in native | emulate) ;; *) die "BOCHS_UINTR=$MODE: native or emulate" ;; esac

[ -x "$BOCHS" ] || die "BOCHS=$BOCHS is not an executable"
for t in grub-mkrescue xorriso objcopy nm; do
	command -v $t >/dev/null ||
		die "needs $t (Debian: apt-get install grub-pc-bin grub-common xorriso)"
done
[ -d /usr/lib/grub/i386-pc ] || die "needs GRUB's BIOS modules (apt-get install grub-pc-bin)"

# The BIOS images: next to a Bochs built in its source tree (bios/), in
# its installed share directory, or in $BXSHARE.
bdir=$(dirname "$BOCHS")
bios=""
for d in ${BXSHARE:-} "$bdir/bios" "$bdir/../share/bochs" /usr/share/bochs; do
	[ -f "$d/BIOS-bochs-latest" ] && { bios=$d; break; }
done
[ -n "$bios" ] || die "cannot find BIOS-bochs-latest (set BXSHARE to Bochs's share or bios directory)"
vga=""
for f in "$bios/VGABIOS-lgpl-latest.bin" "$bios/VGABIOS-lgpl/VGABIOS-lgpl-latest.bin" \
	/usr/share/vgabios/vgabios.bin; do
	[ -f "$f" ] && { vga=$f; break; }
done
[ -n "$vga" ] || die "cannot find VGABIOS-lgpl-latest.bin near $bios"

rm -rf "$W"
mkdir -p "$W/iso/boot/grub"

# GRUB's Multiboot loader wants the entry point inside a segment's
# virtual addresses (it converts it to physical itself), unlike QEMU's,
# which takes it as physical (arch.mk's kernel.img): same bytes, another
# entry. The 32-bit ELF keeps the low 32 bits of the virtual addresses.
entry=$(nm "$ELF" | sed -n 's/^ffffffff\(........\) T start32$/\1/p')
[ -n "$entry" ] || die "no start32 in $ELF"
objcopy -O elf32-i386 --strip-debug --set-start=0x$entry "$ELF" "$W/iso/boot/duet.img"

# GRUB 2 passes only the arguments after the file name as the command
# line; QEMU (and GRUB legacy) put the file name first, and firmware.c
# skips that first word. So the name goes in twice.
args="/boot/duet.img input=$PROG,poweroff"
[ "$MODE" = emulate ] && args="$args uintr=emulate"
cat > "$W/iso/boot/grub/grub.cfg" <<CFG
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
menuentry duet {
	multiboot /boot/duet.img $args
	boot
}
CFG
grub-mkrescue -o "$W/duet.iso" "$W/iso" >"$W/grub-mkrescue.log" 2>&1 ||
	die "grub-mkrescue failed: $W/grub-mkrescue.log"

# ips: how many instructions make a second of the guest's time. With
# clock sync=none the guest's clock runs on instructions, so timeouts
# in the test mean the same however busy the host is.
cat > "$W/bochsrc" <<RC
megs: 256
cpu: model=sapphire_rapids, count=$CPUS, ips=50000000
romimage: file=$bios/BIOS-bochs-latest
vgaromimage: file=$vga
ata0-master: type=cdrom, path=$W/duet.iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=$W/serial.log
display_library: nogui
clock: sync=none
log: $W/bochs.log
panic: action=fatal
RC

echo "bochs-uintr: booting $ELF in $BOCHS ($CPUS CPUs, $MODE); serial log: $W/serial.log"
start=$(date +%s)
timeout "$TIMEOUT" "$BOCHS" -q -f "$W/bochsrc" >"$W/bochs.out" 2>&1 || true
echo "bochs-uintr: Bochs ran $(($(date +%s) - start)) s"

log=$W/serial.log
[ -f "$log" ] || die "FAIL: no serial output ($W/bochs.log)"
tr -d '\r' < "$log" > "$W/serial.txt"
grep -aE "^uintr: |^$PROG: |^FAIL|^pid [0-9]+ .*killed|^panic" "$W/serial.txt" || true

fail() { echo "bochs-uintr: FAIL: $*"; exit 1; }
if [ "$MODE" = native ]; then
	grep -aq '^uintr: native' "$W/serial.txt" ||
		fail "the kernel found no UINTR in this Bochs's CPU (configure --enable-uintr, cpu model sapphire_rapids)"
else
	grep -aq '^uintr: emulated' "$W/serial.txt" || fail "the kernel did not emulate"
fi
sum=$(sed -n "s/^$PROG: \([0-9]*\) passed, \([0-9]*\) failed\$/\1 \2/p" "$W/serial.txt" | tail -1)
[ -n "$sum" ] || fail "$PROG did not finish (timeout ${TIMEOUT}s, or a crash: see $log)"
set -- $sum
[ "$2" -eq 0 ] || fail "$PROG: $1 passed, $2 failed"
[ "$1" -gt 0 ] || fail "$PROG: no check ran"
if [ "$PROG" = uintrtest ]; then
	[ "$1" -ge 30 ] || fail "uintrtest: only $1 checks ran"
	# natively, the spinning receiver took its interrupt and returned from
	# its handler (UIRET) without a single exception
	exc=$(sed -n 's/^uintrtest: receiver spinning on .* system calls, \([0-9]*\) exceptions.*/\1/p' \
		"$W/serial.txt")
	[ "$MODE" = emulate ] || [ "$exc" = 0 ] ||
		fail "the spinning receiver took ${exc:-?} exceptions, not 0"
fi
echo "bochs-uintr: PASS ($MODE, $CPUS CPUs): $PROG $1 passed"
