/*
 * Wrong: prints the tick count as the milliseconds: a tick is not a
 * millisecond (the timer's rate is the arch's choice).
 * caught by unit: test_uptime line ms
 */
/* REGION kernel/monitor.c boot 1 1 */
	(void)argc, (void)argv;
	printf("up %llu ms, %llu ticks, %d CPUs online, on cpu%d\n", ticks(), ticks(),
	       ncpu_online(), mycpu()->id);
