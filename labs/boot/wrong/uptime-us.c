/*
 * Wrong: the time since boot in microseconds, printed as milliseconds
 * (ns / 1000): a thousand times too much.
 * caught by unit: test_uptime line ms
 */
/* REGION kernel/monitor.c boot 1 1 */
	(void)argc, (void)argv;
	printf("up %llu ms, %llu ticks, %d CPUs online, on cpu%d\n", arch_time_ns() / 1000,
	       ticks(), ncpu_online(), mycpu()->id);
