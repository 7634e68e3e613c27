/*
 * fsfiles.h - the files the file server adds to the boot archive's
 * (docs/servers.md, "Mounting"): made by fsd in its RAM tree, and by
 * mkfs (tools/mkfs.c) in a disk image, from this one table.
 */
#pragma once

#include "abi/fs.h"

static const struct fs_extra {
	const char *path;
	unsigned mode;
	int owner; /* uid and gid */
	const char *text;
} fs_extras[] = {
    {"/tmp", S_IFDIR | S_ISVTX | 0777, 0, 0}, /* sticky: only a file's owner (or root) removes it */
    {"/home/user", S_IFDIR | 0755, 1000, 0},
    {"/etc/secret", S_IFREG | 0600, 0, "only root may read this\n"},
    {"/etc/motd", S_IFREG | 0644, 0,
     "Welcome to duet.\nFiles live in a server, not in the kernel.\n"},
};
