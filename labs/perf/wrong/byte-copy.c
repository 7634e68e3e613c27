/*
 * Wrong (not fast enough): memset and memcpy left byte by byte - right,
 * and about four instructions a byte, where a batch's completions are
 * copied twice (into the completion ring, and out of it by cq_wait).
 * caught by unit: test_string words
 * caught by grader: perf/null-batch32
 */
/* REGION shared/string.c perf 1 1 */
void *memset(void *dst, int c, size_t n)
{
	u8 *d = dst;
	while (n--)
		*d++ = (u8)c;
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;
	while (n--)
		*d++ = *s++;
	return dst;
}
