/*
 * hostfile.h - opening host files (hostfile.c): a descriptor, or -1 and
 * hostfile_error() says why.
 */
#pragma once

int hostfile_open(const char *path, int rw, long long *bytes); /* *bytes: its size */
int hostfile_create(const char *path, long long bytes);	       /* empty, of that size */
const char *hostfile_error(void);
