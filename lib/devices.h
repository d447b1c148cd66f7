/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device models a Linux guest needs from its VMM, as pure state
 * machines (lib/uart.c, lib/ioapic.c; unit tests in selftests/unit/):
 *
 * - a 16550A UART, what Linux's 8250 driver probes for at 0x3f8: the
 *   divisor latch, scratch register, loopback, a 16-byte receive FIFO and
 *   the interrupt identification by priority;
 * - an IOAPIC (version 0x20, 24 pins) at 0xfec00000, whose redirection
 *   table turns a device's interrupt line into the MSI message the
 *   module's local APIC delivers.
 *
 * They neither lock nor do I/O: the VMM serialises calls and carries out
 * what they return (a byte to print, a message to deliver).
 */
#ifndef _THINVMX_LIB_DEVICES_H
#define _THINVMX_LIB_DEVICES_H

#include <stdbool.h>
#include <linux/types.h>

/* ---------------------------------------------------------------- UART */

#define UART_FIFO_SIZE	16
#define UART_IER_RDI	0x01	/* IER: received-data interrupt enabled */
#define UART_MCR_OUT2	0x08	/* MCR: the interrupt line let out (PC) */
#define UART_MCR_LOOP	0x10	/* MCR: loopback */

struct tvx_uart {
	__u8 ier, lcr, mcr, lsr, msr, scr, dll, dlm, fcr;
	bool thri;			/* THR-empty interrupt pending */
	__u8 rx[UART_FIFO_SIZE];
	unsigned int rx_head, rx_count;
};

void tvx_uart_init(struct tvx_uart *u);
__u8 tvx_uart_read(struct tvx_uart *u, unsigned int off);
int tvx_uart_write(struct tvx_uart *u, unsigned int off, __u8 val);
int tvx_uart_rx(struct tvx_uart *u, __u8 byte);
bool tvx_uart_irq(const struct tvx_uart *u);

/* -------------------------------------------------------------- IOAPIC */

#define IOAPIC_PINS		24
#define IOAPIC_GPA		0xfec00000U
#define IOAPIC_SIZE		0x1000U

struct tvx_msi {
	__u64 address;			/* 0xfee00000 | dest << 12 | mode << 2 */
	__u32 data;			/* vector | delivery << 8 | trigger << 15 */
};

struct tvx_ioapic {
	__u32 id;
	__u32 sel;			/* IOREGSEL */
	__u64 redir[IOAPIC_PINS];
	__u32 lines;			/* pin levels, bit per pin */
};

void tvx_ioapic_init(struct tvx_ioapic *io);
__u32 tvx_ioapic_read(struct tvx_ioapic *io, unsigned int off);
int tvx_ioapic_write(struct tvx_ioapic *io, unsigned int off, __u32 val,
		     struct tvx_msi msi[IOAPIC_PINS]);
int tvx_ioapic_set_line(struct tvx_ioapic *io, unsigned int pin, bool level,
			struct tvx_msi *msi);
int tvx_ioapic_eoi(struct tvx_ioapic *io, __u8 vector,
		   struct tvx_msi msi[IOAPIC_PINS]);

#endif /* _THINVMX_LIB_DEVICES_H */
