/*
 * Wrong: prints NCPU, the most CPUs the kernel is built for, as the CPUs
 * online: QEMU's -smp decides how many come up.
 * caught by unit: test_uptime line cpus_online
 */
/* REGION kernel/monitor.c boot 1 1 */
	(void)argc, (void)argv;
	printf("up %llu ms, %llu ticks, %d CPUs online, on cpu%d\n", arch_time_ns() / 1000000,
	       ticks(), NCPU, mycpu()->id);
