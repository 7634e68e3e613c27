# tools/tools.mk - host tools of the on-disk file system (docs/disk.md);
# included by the top Makefile.
#
#   make disk-image      build/$(ARCH)/disk.img, made by mkfs from the boot
#                        archive if it does not exist (DISK_MB, default 32);
#                        an existing image keeps what earlier boots wrote,
#                        and gets the archive's files again when the archive
#                        is newer (mkfs -u): a rebuilt program is on the disk
#                        (remove the image to start over)
#   build/host/mkfs [-u] IMAGE ARCHIVE [MiB]
#   build/host/fsck IMAGE
#
# The tools compile the file system's own code (user/lib/disktree.c, log.c,
# bcache.c, diskcheck.c) for the host.

DISK_SRC := user/lib/disktree.c user/lib/log.c user/lib/bcache.c user/lib/diskcheck.c
DISK_HDR := user/include/disk.h user/include/fstree.h user/lib/fspath.h tools/filedev.h \
	tools/hostfile.h
DISK_MB ?= 32
DISK_IMG := $(B)/disk.img

$(H)/mkfs $(H)/fsck: $(H)/%: tools/%.c tools/hostfile.c $(DISK_SRC) $(DISK_HDR) user/include/fsfiles.h
	@mkdir -p $(H)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ $< tools/hostfile.c $(DISK_SRC)

# A newer archive updates the disk rather than remaking it: remaking would
# lose what the boots wrote on it.
$(DISK_IMG): $(ARCHIVE) | $(H)/mkfs
	$(H)/mkfs -u $@ $(ARCHIVE) $(DISK_MB)

.PHONY: disk-image disk-tools
disk-image: $(DISK_IMG)
disk-tools: $(H)/mkfs $(H)/fsck

# The unit test of the on-disk file system links the same sources.
$(H)/test_disk: tests/unit/test_disk.c $(DISK_SRC) $(DISK_HDR)
	@mkdir -p $(H)
	$(HOSTCC) $(HOST_CFLAGS) -Itests/unit -o $@ $< $(DISK_SRC) -lcmocka

# The grader's disk (booted with snapshot=on, so its writes go nowhere):
# the archive's files and nothing else, made afresh from each archive.
# Quiet: `make print-qemu` may make it, and the grader reads its output.
$(B)/disk0.img: $(ARCHIVE) | $(H)/mkfs
	@rm -f $@
	@$(H)/mkfs $@ $(ARCHIVE) $(DISK_MB) >/dev/null
