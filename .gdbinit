# .gdbinit - read by gdb-multiarch started in the repository root.
# `make qemu-gdb` (or `make qemu-gdb ARCH=x86_64`) writes
# build/gdb-target.gdb: the architecture, the kernel ELF with its symbols,
# and this user's port. We just load it.
#
# If gdb says it refused to load this file, add to ~/.config/gdb/gdbinit:
#   add-auto-load-safe-path /path/to/duet/.gdbinit
set confirm off
set pagination off
source build/gdb-target.gdb
