/* types.h - fixed-width integer names, for the kernel and user programs alike. */
#pragma once

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;
typedef unsigned long uptr; /* an integer as wide as a pointer */
typedef unsigned long size_t;
typedef _Bool bool;

#define true 1
#define false 0
#define NULL ((void *)0)

#define ARRAY_SIZE(a)	 (sizeof(a) / sizeof((a)[0]))
#define ROUND_UP(x, a)	 (((x) + (a)-1) & ~((u64)(a)-1))
#define ROUND_DOWN(x, a) ((x) & ~((u64)(a)-1))
#define MIN(a, b)	 ((a) < (b) ? (a) : (b))
#define MAX(a, b)	 ((a) > (b) ? (a) : (b))
