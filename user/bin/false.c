/*
 * false.c - do nothing, unsuccessfully: status 1 (`false || echo no`).
 */
int main(void)
{
	return 1;
}
