/*
 * true.c - do nothing, successfully: status 0 (`true && echo yes`).
 */
int main(void)
{
	return 0;
}
