/*
 * uart.c - where the PC's first serial port (COM1) is: 8 I/O ports from
 * 0x3f8, wired to ISA IRQ 4. The 16550 driver itself is kernel/uart.c.
 */
#include "machine.h"

#define COM1 0x3f8

u8 arch_uart_read(int reg)
{
	return inb(COM1 + reg);
}

void arch_uart_write(int reg, u8 val)
{
	outb(COM1 + reg, val);
}

int arch_uart_irq(void)
{
	return 4;
}
