# tests/bench/bench.mk - the benchmarks (issue 8); included by the top Makefile.
#
#   make bench [ARCH=riscv64|x86_64] [ACCEL=kvm]
#       duet's bench (user/bin/bench.c) on each arch (both without ARCH),
#       three times: under -icount shift=4,sleep=off with one vCPU (guest
#       instructions; the -1cpu cases), under -icount with two vCPUs (the
#       -2cpu cases that block rather than spin: BENCH_ICOUNT2), and under
#       plain TCG with two CPUs (time; the -2cpu cases); with ACCEL=kvm
#       also under KVM on x86_64, unless /dev/kvm is PVM (skipped, with
#       the reason). Writes docs/bench/results.md,
#       results.tsv and the plots.
#   make bench-quick
#       `bench -q` on both arches, with one CPU (icount) and with two (TCG):
#       checks that every case prints a result or a skip line, and that
#       each case ran in one of the two. Timings are not checked.
#   make bench-linux
#       the classic cases as /init of a Linux guest (Debian's kernel:
#       system calls, io_uring, pipes, tmpfs reads) and duet's bench on
#       x86_64, both under the same QEMU options, in one run: under
#       -icount with one CPU (instructions), then under plain TCG with
#       two vCPUs (time: the 2-CPU pipe ping-pongs), then under plain TCG
#       with one vCPU and the disk (time: the disk-* cases). Writes
#       docs/bench/linux.md and linux.tsv, the ratios. Then the UDP
#       comparison with Linux: `make bench-udp`, below.
#   make bench-udp
#       UDP from the host to an echo in the guest, duet and Linux
#       (below, "UDP between the host and the guest"): docs/bench/udp.md.
#   make test-budget
#       the budget test (part of `make test`): on each arch, one boot
#       under -icount with one CPU runs the cases of
#       tests/bench/budgets.txt, and each one's guest instructions per
#       operation must stay at or under its committed budget
#       (tests/bench/budget.sh). A count, never a time.
#   make profile ARCH=<arch> CASE=<case> [N=<ops>]
#       one case's instructions per operation by function (below).
#
# Everything a run printed stays in build/bench/raw/ (the BENCH lines,
# and each console's transcript in *.console). The method is in
# docs/benchmarks.md.

BENCH_B := build/bench
BENCH_RUN := $(BENCH_B)/bench-run
BENCH_RAW := $(BENCH_B)/raw
BENCH_DOCS := docs/bench
# ARCH on the command line: that arch; not given (or ARCH=all): both.
BENCH_ARCHES := $(if $(filter file override,$(origin ARCH)),$(ARCHES),$(ARCH))
# Under -icount shift=N the guest's clock advances 2^N ns per instruction.
BENCH_SHIFT := 4
ICOUNT := -icount shift=$(BENCH_SHIFT),sleep=off
# Under -icount QEMU runs several vCPUs round robin on one host thread,
# and a vCPU that spins starves the others (docs/benchmarks.md): with two
# vCPUs, only the cases that block.
BENCH_ICOUNT2 := cpu-loop pipe-kernel-pingpong-2cpu pipe-kernel-stream-2cpu uintr-cross-sleep-2cpu
BENCH_REPORT := sh tests/bench/report.sh

# What the benchmarks need beyond `make deps`: command:Debian-package.
BENCH_DEPS := gnuplot:gnuplot-nox cpio:cpio apt-get:apt dpkg-deb:dpkg \
	/usr/lib/x86_64-linux-gnu/libc.a:libc6-dev

.PHONY: bench bench-quick bench-linux bench-udp bench-deps test-budget profile

# The same check and install as `make deps`, with our packages added.
bench-deps:
	@$(MAKE) --no-print-directory deps DEPS='$(DEPS) $(BENCH_DEPS)'

$(BENCH_RUN): tests/bench/run.c tests/harness/vm.c tests/harness/vm.h
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ tests/bench/run.c tests/harness/vm.c

# $(call bench_kernels,ARCHES): build each arch's kernel, the bench in its boot archive.
bench_kernels = for a in $(1); do $(MAKE) --no-print-directory ARCH=$$a kernel || exit 1; done

# $(call bench_qemu,ARCH,CPUS): the command line `make qemu` would use,
# without the disk: fsd then keeps its tree in memory, so the file cases
# measure the file server's path and not the disk's. Under -icount with
# sleep=off, guest time leaps ahead while the guest idles waiting for
# the host to do a disk request, so a request the disk serves can run
# past the file protocol's timeouts on a busy host (a file case failed
# that way in test-budget). The disk's own cost is blktest's, and
# docs/disk.md's.
bench_qemu = $$($(MAKE) -s --no-print-directory print-qemu ARCH=$(1) CPUS=$(2) NODISK=1)

# KVM: duet's x86_64 kernel on the microvm machine (the PC machine's
# firmware stalls there for seconds); -cpu host needs -arch-capabilities
# on this machine's KVM. Where /dev/kvm is PVM (the kvm_pvm module, a
# software hypervisor), SYSCALL from guest ring 3 never switches to
# ring 0, for duet as for any guest: skipped, with that reason
# (docs/benchmarks.md, "KVM").
BENCH_KVM = -machine microvm -accel kvm -cpu host,-arch-capabilities
BENCH_PVM = /sys/module/kvm_pvm
BENCH_PVM_WHY = /dev/kvm is PVM ($(BENCH_PVM) exists), a software hypervisor whose SYSCALL \
	from guest ring 3 never switches to ring 0, for any guest kernel (docs/benchmarks.md, KVM)

bench: bench-deps $(BENCH_RUN)
	@$(call bench_kernels,$(BENCH_ARCHES))
	@mkdir -p $(BENCH_RAW) $(BENCH_DOCS)
	@set -e; files=""; for a in $(BENCH_ARCHES); do \
		echo "bench: $$a under -icount, 1 CPU (instructions)"; \
		$(BENCH_RUN) $(BENCH_RAW)/$$a-icount.txt "$(call bench_qemu,$$a,1) $(ICOUNT)"; \
		files="$$files $(BENCH_RAW)/$$a-icount.txt"; \
		echo "bench: $$a under -icount, 2 vCPUs ($(BENCH_ICOUNT2))"; \
		rm -f $(BENCH_RAW)/$$a-icount2.*; \
		if $(BENCH_RUN) -a "$(BENCH_ICOUNT2)" $(BENCH_RAW)/$$a-icount2.txt \
			"$(call bench_qemu,$$a,2) $(ICOUNT)"; then \
			files="$$files $(BENCH_RAW)/$$a-icount2.txt"; \
		else \
			why=$$(grep -m1 '^panic: ' $(BENCH_RAW)/$$a-icount2.txt.console || true); \
			why="duet $$a did not run its bench under -icount with 2 vCPUs$${why:+ ($$why)};"; \
			why="$$why transcript: $(BENCH_RAW)/$$a-icount2.txt.console"; \
			echo "bench: icount with 2 vCPUs skipped: $$why"; \
			echo "$$why" > $(BENCH_RAW)/$$a-icount2.skip; \
			files="$$files $(BENCH_RAW)/$$a-icount2.skip"; \
		fi; \
		echo "bench: $$a under TCG, 2 CPUs (time)"; \
		$(BENCH_RUN) $(BENCH_RAW)/$$a-tcg.txt "$(call bench_qemu,$$a,2)"; \
		files="$$files $(BENCH_RAW)/$$a-tcg.txt"; \
		if [ "$(ACCEL)" = kvm ] && [ $$a = x86_64 ]; then \
			why=""; rm -f $(BENCH_RAW)/$$a-kvm.*; \
			if [ -d $(BENCH_PVM) ]; then \
				why="$(BENCH_PVM_WHY)"; \
			elif [ ! -w /dev/kvm ]; then \
				why="/dev/kvm is not usable here"; \
			elif $(BENCH_RUN) -t 60 $(BENCH_RAW)/$$a-kvm.txt \
				"$$(echo "$(call bench_qemu,$$a,1)" | sed 's/-machine pc/$(BENCH_KVM)/')"; then \
				files="$$files $(BENCH_RAW)/$$a-kvm.txt"; \
			else \
				why="duet x86_64 did not run its bench under KVM ($(BENCH_KVM));"; \
				why="$$why transcript: $(BENCH_RAW)/$$a-kvm.txt.console"; \
			fi; \
			if [ -n "$$why" ]; then \
				echo "bench: KVM skipped: $$why"; \
				echo "$$why" > $(BENCH_RAW)/$$a-kvm.skip; \
				files="$$files $(BENCH_RAW)/$$a-kvm.skip"; \
			fi; \
		fi; \
	done; \
	$(BENCH_REPORT) results $(BENCH_DOCS) $(BENCH_SHIFT) $$files

# Each arch with one CPU and with two; then every case must have run in
# one of them (or printed why it cannot run at all).
bench-quick: deps $(BENCH_RUN)
	@$(call bench_kernels,$(ARCHES))
	@mkdir -p $(BENCH_RAW)
	@for a in $(ARCHES); do \
		for n in 1 2; do \
			f=$(BENCH_RAW)/$$a-quick$$n.txt; \
			printf 'bench-quick: %s, %s CPU(s) ... ' $$a $$n; \
			if [ $$n = 1 ]; then q="$(call bench_qemu,$$a,1) $(ICOUNT)"; \
			else q="$(call bench_qemu,$$a,2)"; fi; \
			$(BENCH_RUN) -q -t 300 $$f "$$q" || exit 1; \
			echo "ok, $$(grep -c ' ns=' $$f) ran," \
				"$$(grep -c ' skip=' $$f) skipped"; \
		done; \
		missing=$$(cat $(BENCH_RAW)/$$a-quick1.txt $(BENCH_RAW)/$$a-quick2.txt | awk ' \
			/^BENCH case=/ { c = $$2; sub(/^case=/, "", c); n[c]++; \
				if ($$0 !~ / skip="measured with /) done[c] = 1 } \
			END { for (c in n) if (!done[c]) printf " %s", c }'); \
		if [ -n "$$missing" ]; then \
			echo "bench-quick: $$a: ran in neither run:$$missing"; exit 1; \
		fi; \
	done

# One boot per arch, the budgeted cases only (full sizes: under -icount
# a run takes seconds of host time), then each row against its budget.
# A failed boot or case still prints what rows it has, then fails.
BENCH_BUDGETS := tests/bench/budgets.txt

test-budget: deps $(BENCH_RUN)
	@$(call bench_kernels,$(ARCHES))
	@mkdir -p $(BENCH_RAW)
	@fail=0; for a in $(ARCHES); do \
		f=$(BENCH_RAW)/$$a-budget.txt; \
		cases=$$(awk -v a=$$a '$$1 == a { printf " %s", $$2 }' $(BENCH_BUDGETS)); \
		echo "test-budget: $$a under -icount, 1 CPU:$$cases"; \
		$(BENCH_RUN) -t 600 -a "cpu-loop$$cases" $$f "$(call bench_qemu,$$a,1) $(ICOUNT)" || fail=1; \
		sh tests/bench/budget.sh $(BENCH_BUDGETS) $$a $(BENCH_SHIFT) $$f || fail=1; \
	done; \
	if [ $$fail = 0 ]; then echo "test-budget: passed: every row within its budget on $(ARCHES)"; \
	else echo "test-budget: FAILED (budgets: $(BENCH_BUDGETS))"; fi; \
	exit $$fail

# make profile ARCH=<arch> CASE=<bench case> [N=<ops>]: where the case's
# guest instructions go, by function, per operation (lab perf): two runs
# under -icount with a QEMU plugin counting every instruction by address
# (tools/profile/). Writes build/profile/<arch>-<case>/profile.txt.
INSNCOUNT := $(H)/insncount.so

$(INSNCOUNT): tools/profile/insncount.c
	@mkdir -p $(@D)
	gcc -O2 -Wall -Wextra -Werror -shared -fPIC -o $@ $<

profile: deps $(BENCH_RUN) $(INSNCOUNT)
	@[ -n "$(CASE)" ] || { echo "CASE=<bench case> is missing (bench -l lists them)"; exit 1; }
	@$(MAKE) --no-print-directory ARCH=$(ARCH) kernel
	@sh tools/profile/profile.sh $(ARCH) $(CASE) $(N)

# ---- Linux -------------------------------------------------------------
#
# The kernel: Debian's linux-image-amd64 names the current versioned
# package in its Depends; `apt-get download` fetches that .deb into
# build/bench/linux/ (nothing is installed on the host) and we take
# /boot/vmlinuz-* out of it. A .deb already there is used as it is.

BENCH_LINUX := $(BENCH_B)/linux
LINUX_KERNEL := $(BENCH_LINUX)/vmlinuz
LINUX_INITRD := $(BENCH_LINUX)/initrd.cpio
# tsc=reliable: keep the TSC as Linux's clock under QEMU, so that
# clock_gettime stays in the vDSO and counts guest instructions under icount.
LINUX_APPEND := console=ttyS0 tsc=reliable quiet panic=-1

$(LINUX_KERNEL):
	@mkdir -p $(@D)
	@set -e; cd $(@D); \
	deb=$$(ls linux-image-6.1*-amd64_*.deb 2>/dev/null | tail -1); \
	if [ -z "$$deb" ]; then \
		pkg=$$(apt-cache depends linux-image-amd64 2>/dev/null | \
			sed -n 's/^ *Depends: \(linux-image-6\.1[^ ]*-amd64\)$$/\1/p' | head -1); \
		if [ -z "$$pkg" ] && [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq; \
			pkg=$$(apt-cache depends linux-image-amd64 2>/dev/null | \
				sed -n 's/^ *Depends: \(linux-image-6\.1[^ ]*-amd64\)$$/\1/p' | head -1); \
		fi; \
		[ -n "$$pkg" ] || { echo "bench-linux: apt knows no linux-image-amd64:" \
			"run 'sudo apt-get update'"; exit 1; }; \
		echo "bench-linux: apt-get download $$pkg"; \
		apt-get download -q $$pkg; \
		deb=$$(ls $${pkg}_*.deb | tail -1); \
	fi; \
	dpkg-deb --fsys-tarfile $$deb | tar -x --wildcards --no-anchored -O 'boot/vmlinuz-*' > vmlinuz.tmp; \
	[ -s vmlinuz.tmp ] || { echo "bench-linux: no vmlinuz in $$deb"; exit 1; }; \
	mv vmlinuz.tmp vmlinuz; echo "bench-linux: kernel from $$deb"

# The initramfs: one file, /init, the static benchmark (newc, as the
# kernel wants; /dev/console comes from the kernel's built-in part).
$(LINUX_INITRD): tests/bench/linux.c
	@mkdir -p $(BENCH_LINUX)/root
	$(HOSTCC) -std=gnu11 -O2 -static -Wall -Wextra -Werror -o $(BENCH_LINUX)/root/init $<
	cd $(BENCH_LINUX)/root && echo init | cpio -o -H newc -R 0:0 --reproducible --quiet > ../initrd.cpio

# The disk run: one vCPU, plain TCG (time: under -icount with sleep=off
# guest time leaps while the guest waits for the host to do a request,
# so a time would not be the guest's), the disk `make print-qemu`
# attaches (duet: disk0.img, fsd's tree; Linux: the same image as a raw
# device, snapshot=on for both: the writes go nowhere). Linux's /init
# (disk=1) loads the virtio-blk driver's modules.
LINUX_INITRD_DISK := $(BENCH_LINUX)/initrd-disk.cpio
LINUX_BLK_MODULES := virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci \
	virtio_blk
BENCH_DISK := cpu-loop disk-write-1m disk-read-1m-cold disk-read-1m-warm disk-read-4k-rand

$(LINUX_INITRD_DISK): tests/bench/linux.c $(LINUX_KERNEL)
	$(call linux_initrd,disk,$(LINUX_BLK_MODULES))

# duet's cases for the time comparison with two vCPUs (Linux's /init
# picks its own by the number of CPUs it sees).
BENCH_LINUX2 := cpu-loop pipe-kernel-pingpong-2cpu pipe-hw-pingpong-2cpu \
	nop-polled-uintr-2cpu nop-polled-wait-2cpu

bench-linux: bench-deps $(BENCH_RUN) $(LINUX_KERNEL) $(LINUX_INITRD) $(LINUX_INITRD_DISK)
	@$(MAKE) --no-print-directory ARCH=x86_64 kernel
	@mkdir -p $(BENCH_RAW) $(BENCH_DOCS)
	@set -e; linux() { echo "$$1" | sed "s|-kernel [^ ]*|-kernel $(LINUX_KERNEL) -initrd $${2:-$(LINUX_INITRD)}|"; }; \
	q="$(call bench_qemu,x86_64,1) $(ICOUNT)"; q2="$(call bench_qemu,x86_64,2)"; \
	q3=$$($(MAKE) -s --no-print-directory print-qemu ARCH=x86_64 CPUS=1); \
	echo "bench-linux: Linux under -icount, 1 CPU"; \
	$(BENCH_RUN) -l -t 900 $(BENCH_RAW)/linux-icount.txt "$$(linux "$$q") -append '$(LINUX_APPEND)'"; \
	echo "bench-linux: duet x86_64 under the same options"; \
	$(BENCH_RUN) $(BENCH_RAW)/linux-duet-icount.txt "$$q"; \
	echo "bench-linux: Linux under TCG, 2 vCPUs"; \
	$(BENCH_RUN) -l -t 900 $(BENCH_RAW)/linux-tcg.txt "$$(linux "$$q2") -append '$(LINUX_APPEND)'"; \
	echo "bench-linux: duet x86_64 under the same options ($(BENCH_LINUX2))"; \
	$(BENCH_RUN) -a "$(BENCH_LINUX2)" $(BENCH_RAW)/linux-duet-tcg.txt "$$q2"; \
	echo "bench-linux: Linux under TCG, 1 vCPU, the disk"; \
	$(BENCH_RUN) -l -t 900 $(BENCH_RAW)/linux-disk.txt \
		"$$(linux "$$q3" $(LINUX_INITRD_DISK)) -append '$(LINUX_APPEND) disk=1'"; \
	echo "bench-linux: duet x86_64 under the same options ($(BENCH_DISK))"; \
	$(BENCH_RUN) -t 900 -a "$(BENCH_DISK)" $(BENCH_RAW)/linux-duet-disk.txt "$$q3"; \
	$(BENCH_REPORT) linux $(BENCH_DOCS) $(BENCH_SHIFT) \
		$(BENCH_RAW)/linux-icount.txt $(BENCH_RAW)/linux-duet-icount.txt \
		$(BENCH_RAW)/linux-tcg.txt $(BENCH_RAW)/linux-duet-tcg.txt \
		$(BENCH_RAW)/linux-disk.txt $(BENCH_RAW)/linux-duet-disk.txt
	@$(MAKE) --no-print-directory bench-udp

# ---- UDP between the host and the guest ------------------------------------
#
#   make bench-udp [ARCH=...]
#       UDP round trips and streams from the host to an echo in the guest
#       through QEMU's user network and a forwarded port
#       (tests/bench/udp.c): duet's udpecho on each arch, and Linux's
#       (tests/bench/linux.c with udpecho=7) on x86_64, under plain TCG
#       with BENCH_UDP_CPUS vCPUs: times, so a benchmark only, never a
#       test. Writes docs/bench/udp.md and udp.tsv.

BENCH_UDP := $(BENCH_B)/bench-udp
BENCH_UDP_CPUS := 2 1
LINUX_INITRD_UDP := $(BENCH_LINUX)/initrd-udp.cpio
# Debian's virtio-net driver and what it needs, in load order.
LINUX_NET_MODULES := virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci \
	failover net_failover virtio_net

$(BENCH_UDP): tests/bench/udp.c tests/harness/vm.c tests/harness/vm.h
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ tests/bench/udp.c tests/harness/vm.c

# $(call linux_initrd,NAME,MODULES): build/bench/linux/initrd-NAME.cpio:
# /init and the modules, from the same .deb as the kernel, numbered in /m
# in the order /init loads them.
define linux_initrd
	@rm -rf $(BENCH_LINUX)/root-$(1) && mkdir -p $(BENCH_LINUX)/root-$(1)/m
	$(HOSTCC) -std=gnu11 -O2 -static -Wall -Wextra -Werror -o $(BENCH_LINUX)/root-$(1)/init $<
	@set -e; deb=$$(ls $(BENCH_LINUX)/linux-image-6.1*-amd64_*.deb | tail -1); \
	t=$(BENCH_LINUX)/root-$(1)/deb; mkdir -p $$t; \
	dpkg-deb --fsys-tarfile $$deb | tar -x -C $$t --wildcards $(2:%='*/%.ko'); \
	i=10; for m in $(2); do \
		f=$$(find $$t -name $$m.ko); \
		[ -n "$$f" ] || { echo "bench-linux: no $$m.ko in $$deb"; exit 1; }; \
		mv $$f $(BENCH_LINUX)/root-$(1)/m/$$i-$$m.ko; i=$$((i + 1)); \
	done; rm -rf $$t
	cd $(BENCH_LINUX)/root-$(1) && find init m | cpio -o -H newc -R 0:0 --reproducible --quiet > ../initrd-$(1).cpio
endef

$(LINUX_INITRD_UDP): tests/bench/linux.c $(LINUX_KERNEL)
	$(call linux_initrd,udp,$(LINUX_NET_MODULES))

bench-udp: bench-deps $(BENCH_UDP) $(LINUX_KERNEL) $(LINUX_INITRD_UDP)
	@$(call bench_kernels,$(BENCH_ARCHES))
	@mkdir -p $(BENCH_RAW) $(BENCH_DOCS)
	@set -e; files=""; for n in $(BENCH_UDP_CPUS); do \
		for a in $(BENCH_ARCHES); do \
			q=$$($(MAKE) -s --no-print-directory print-qemu ARCH=$$a CPUS=$$n NODISK=1 NETPORT=@PORT@); \
			f=$(BENCH_RAW)/udp-duet-$$a-$${n}cpu.txt; \
			echo "bench-udp: duet $$a, $$n CPU(s), under TCG"; \
			$(BENCH_UDP) $$f "$$q"; files="$$files $$f"; \
			if [ $$a = x86_64 ]; then \
				f=$(BENCH_RAW)/udp-linux-$$a-$${n}cpu.txt; \
				echo "bench-udp: Linux $$a, $$n CPU(s), under the same options"; \
				$(BENCH_UDP) -l $$f "$$(echo "$$q" | \
					sed 's|-kernel [^ ]*|-kernel $(LINUX_KERNEL) -initrd $(LINUX_INITRD_UDP)|') \
					-append '$(LINUX_APPEND) udpecho=7'"; \
				files="$$files $$f"; \
			fi; \
		done; \
	done; \
	sh tests/bench/udp-report.sh $(BENCH_DOCS) $$files
