/*
 * Wrong: names this CPU by its hardware id (APIC id, hart id), not by
 * the kernel's number for it: they differ (a riscv64 hart id need not
 * start at 0 nor be dense).
 * caught by unit: test_uptime line
 */
/* REGION kernel/monitor.c boot 1 1 */
	(void)argc, (void)argv;
	printf("up %llu ms, %llu ticks, %d CPUs online, on cpu%u\n", arch_time_ns() / 1000000,
	       ticks(), ncpu_online(), arch_cpu_hwid(mycpu()->id));
