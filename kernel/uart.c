/*
 * uart.c - driver for the 16550 serial port, the console of both arches.
 *
 * The same chip sits at an MMIO address on RISC-V's virt board and at I/O
 * port 0x3f8 on the PC; arch_uart_read/arch_uart_write hide that. Output
 * is polled (wait until the transmitter has room); input is interrupt
 * driven: the chip raises its line when a byte arrives and uart_intr()
 * drains it into the console.
 *
 * Registers (offsets 0..7), with the "divisor latch access" bit (DLAB)
 * of LCR clear unless noted:
 *
 *   0 RBR/THR  receive / transmit byte      (DLAB=1: DLL divisor low)
 *   1 IER      interrupt enable             (DLAB=1: DLM divisor high)
 *   2 IIR/FCR  interrupt id / FIFO control
 *   3 LCR      line control: word length, parity, DLAB (bit 7)
 *   4 MCR      modem control: DTR, RTS, OUT2 (gates the IRQ line on PCs)
 *   5 LSR      line status: bit 0 data ready, bit 5 transmitter empty
 */
#include "kernel.h"

enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, FCR = 2, LCR = 3, MCR = 4, LSR = 5 };

#define IER_RX		 0x01 /* interrupt when a byte arrives */
#define FCR_ENABLE_CLEAR 0x07 /* enable FIFOs, clear both */
#define LCR_8N1		 0x03 /* 8 data bits, no parity, 1 stop bit */
#define LCR_DLAB	 0x80
#define MCR_DTR_RTS_OUT2 0x0b
#define LSR_DATA	 0x01
#define LSR_THR_EMPTY	 0x20

void uart_init(void)
{
	arch_uart_write(IER, 0);
	arch_uart_write(LCR, LCR_DLAB);
	arch_uart_write(DLL, 3); /* 115200 / 3 = 38400 baud (QEMU ignores it) */
	arch_uart_write(DLM, 0);
	arch_uart_write(LCR, LCR_8N1);
	arch_uart_write(FCR, FCR_ENABLE_CLEAR);
	arch_uart_write(MCR, MCR_DTR_RTS_OUT2);
	arch_uart_write(IER, IER_RX);
}

void uart_putc(char c)
{
	while (!(arch_uart_read(LSR) & LSR_THR_EMPTY))
		arch_relax();
	arch_uart_write(THR, (u8)c);
}

/* Interrupt handler: hand every byte that has arrived to the console. */
void uart_intr(int irq)
{
	(void)irq; /* it has only one */
	while (arch_uart_read(LSR) & LSR_DATA)
		console_input((char)arch_uart_read(RBR));
}
