// SPDX-License-Identifier: GPL-2.0
/*
 * A 16550A UART as a pure state machine (lib/devices.h). Transmission is
 * instant: THR and the shift register are always empty, so a written byte
 * is handed straight back to the VMM to print, and the THR-empty interrupt
 * follows at once when enabled. Received bytes wait in a 16-byte FIFO.
 * The register behaviour is what Linux's 8250 driver probes and relies on
 * (drivers/tty/serial/8250/8250_port.c, autoconfig()): the scratch
 * register, IER holding only its four bits, loopback mapping MCR to MSR,
 * and IIR reporting FIFOs (bits 7:6) once FCR enables them.
 */
#include <errno.h>
#include <string.h>

#include "devices.h"

#define UART_RBR_THR	0
#define UART_IER	1
#define UART_IIR_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7

#define IER_RDI		0x01	/* received data available */
#define IER_THRI	0x02	/* THR empty */
#define IER_RLSI	0x04	/* receiver line status */
#define IER_MSI		0x08	/* modem status */

#define IIR_NO_INT	0x01
#define IIR_MSI		0x00
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_RLSI	0x06
#define IIR_FIFOS	0xc0

#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02

#define LCR_DLAB	0x80

#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	UART_MCR_OUT2	/* gates the interrupt line on a PC */
#define MCR_LOOP	UART_MCR_LOOP

#define LSR_DR		0x01
#define LSR_OE		0x02
#define LSR_ERRORS	0x1e
#define LSR_THRE	0x20
#define LSR_TEMT	0x40

#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80
#define MSR_DELTAS	0x0f

/**
 * tvx_uart_init() - a UART after reset
 * @u: the UART
 */
void tvx_uart_init(struct tvx_uart *u)
{
	memset(u, 0, sizeof(*u));
	u->lsr = LSR_THRE | LSR_TEMT;
	u->msr = MSR_CTS | MSR_DSR | MSR_DCD;	/* a terminal is attached */
}

/* The pending interrupt of highest priority, as IIR bits 3:0 say it */
static __u8 uart_iir(const struct tvx_uart *u)
{
	if ((u->ier & IER_RLSI) && (u->lsr & LSR_ERRORS))
		return IIR_RLSI;
	if ((u->ier & IER_RDI) && u->rx_count)
		return IIR_RDI;
	if ((u->ier & IER_THRI) && u->thri)
		return IIR_THRI;
	if ((u->ier & IER_MSI) && (u->msr & MSR_DELTAS))
		return IIR_MSI;
	return IIR_NO_INT;
}

/**
 * tvx_uart_irq() - the level of the UART's interrupt line
 * @u: the UART
 *
 * Return: true while an enabled interrupt is pending and OUT2 lets it out.
 */
bool tvx_uart_irq(const struct tvx_uart *u)
{
	return (u->mcr & MCR_OUT2) && uart_iir(u) != IIR_NO_INT;
}

/* The MSR a loopback shows: the modem outputs wired to its inputs */
static __u8 uart_loop_msr(const struct tvx_uart *u)
{
	return (u->mcr & MCR_RTS ? MSR_CTS : 0) | (u->mcr & MCR_DTR ? MSR_DSR : 0) |
	       (u->mcr & MCR_OUT1 ? MSR_RI : 0) | (u->mcr & MCR_OUT2 ? MSR_DCD : 0);
}

static __u8 uart_pop(struct tvx_uart *u)
{
	__u8 b;

	if (!u->rx_count)
		return 0;
	b = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
	u->rx_count--;
	return b;
}

/**
 * tvx_uart_read() - a guest read of register @off
 * @u: the UART
 * @off: 0-7
 *
 * Return: the register's value (reads of RBR, IIR, LSR and MSR have the
 * side effects the hardware has).
 */
__u8 tvx_uart_read(struct tvx_uart *u, unsigned int off)
{
	__u8 v;

	switch (off) {
	case UART_RBR_THR:
		return u->lcr & LCR_DLAB ? u->dll : uart_pop(u);
	case UART_IER:
		return u->lcr & LCR_DLAB ? u->dlm : u->ier;
	case UART_IIR_FCR:
		v = uart_iir(u);
		if (v == IIR_THRI)
			u->thri = false;	/* reading IIR acknowledges THRE */
		return v | (u->fcr & FCR_ENABLE ? IIR_FIFOS : 0);
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		v = u->lsr | (u->rx_count ? LSR_DR : 0);
		u->lsr &= ~LSR_ERRORS;
		return v;
	case UART_MSR:
		if (u->mcr & MCR_LOOP)
			return uart_loop_msr(u);
		v = u->msr;
		u->msr &= ~MSR_DELTAS;
		return v;
	case UART_SCR:
		return u->scr;
	default:
		return 0xff;
	}
}

/**
 * tvx_uart_rx() - a byte arrives on the line
 * @u: the UART
 * @byte: the byte
 *
 * Return: 0; -ENOSPC when the FIFO is full (the byte is lost and the
 * overrun bit set, as the hardware does).
 */
int tvx_uart_rx(struct tvx_uart *u, __u8 byte)
{
	if (u->rx_count == UART_FIFO_SIZE) {
		u->lsr |= LSR_OE;
		return -ENOSPC;
	}
	u->rx[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = byte;
	u->rx_count++;
	return 0;
}

/**
 * tvx_uart_write() - a guest write of @val to register @off
 * @u: the UART
 * @off: 0-7
 * @val: the value
 *
 * Return: the byte transmitted (0-255), for the VMM to print; -1 when the
 * write transmits nothing (any other register, or loopback, where the
 * byte comes back as received).
 */
int tvx_uart_write(struct tvx_uart *u, unsigned int off, __u8 val)
{
	switch (off) {
	case UART_RBR_THR:
		if (u->lcr & LCR_DLAB) {
			u->dll = val;
			return -1;
		}
		/* sent at once: THR is empty again, which raises THRI */
		u->thri = true;
		if (u->mcr & MCR_LOOP) {
			tvx_uart_rx(u, val);
			return -1;
		}
		return val;
	case UART_IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = val;
			return -1;
		}
		/* enabling THRI with THR empty raises it (and so does Linux expect) */
		if ((val & IER_THRI) && !(u->ier & IER_THRI))
			u->thri = true;
		u->ier = val & 0x0f;
		return -1;
	case UART_IIR_FCR:
		if (val & FCR_CLEAR_RX)
			u->rx_count = 0;
		u->fcr = val & 0xc9;
		return -1;
	case UART_LCR:
		u->lcr = val;
		return -1;
	case UART_MCR:
		u->mcr = val & 0x1f;
		return -1;
	case UART_SCR:
		u->scr = val;
		return -1;
	default:	/* LSR and MSR: factory test writes, ignored */
		return -1;
	}
}
