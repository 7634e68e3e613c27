/*
 * uart.c - where the 16550's registers are: QEMU virt maps UART0 at
 * physical 0x10000000, one byte per register, reached through the
 * direct map, and wires it to PLIC source 10. The driver itself is
 * portable (kernel/uart.c).
 */

#include "machine.h"

u8 arch_uart_read(int reg)
{
	return *(volatile u8 *)P2V(UART_BASE + reg);
}

void arch_uart_write(int reg, u8 val)
{
	*(volatile u8 *)P2V(UART_BASE + reg) = val;
}

int arch_uart_irq(void)
{
	return UART_IRQ;
}
