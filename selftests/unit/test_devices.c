// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the VMM's device models (lib/uart.c, lib/ioapic.c): the
 * 16550A as Linux's 8250 driver probes and drives it, and the IOAPIC's
 * redirection table, edge and level delivery, remote IRR and EOI.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../lib/uart.c"
#include "../../lib/ioapic.c"

/* ---------------------------------------------------------------- UART */

/* drivers/tty/serial/8250/8250_port.c autoconfig(), the steps it takes */
static void test_uart_linux_probe(void **state)
{
	struct tvx_uart u;

	(void)state;
	tvx_uart_init(&u);
	/* scratch register */
	tvx_uart_write(&u, UART_SCR, 0xa5);
	assert_int_equal(0xa5, tvx_uart_read(&u, UART_SCR));
	/* IER: only its four bits stick */
	tvx_uart_write(&u, UART_IER, 0);
	assert_int_equal(0, tvx_uart_read(&u, UART_IER) & 0x0f);
	tvx_uart_write(&u, UART_IER, 0xff);
	assert_int_equal(0x0f, tvx_uart_read(&u, UART_IER));
	tvx_uart_write(&u, UART_IER, 0);
	/* loopback: MCR = LOOP | OUT2 | RTS reads back as DCD | CTS */
	tvx_uart_write(&u, UART_MCR, MCR_LOOP | 0x0a);
	assert_int_equal(0x90, tvx_uart_read(&u, UART_MSR) & 0xf0);
	tvx_uart_write(&u, UART_MCR, 0);
	/* FIFOs: IIR bits 7:6 are 3 once FCR enables them: a 16550A */
	tvx_uart_write(&u, UART_IIR_FCR, FCR_ENABLE);
	assert_int_equal(3, tvx_uart_read(&u, UART_IIR_FCR) >> 6);
	tvx_uart_write(&u, UART_IIR_FCR, 0);
	assert_int_equal(0, tvx_uart_read(&u, UART_IIR_FCR) >> 6);
	/* EFR probes read IIR under LCR 0xbf: never 0, so no ST16C650 */
	tvx_uart_write(&u, UART_IIR_FCR, FCR_ENABLE);
	tvx_uart_write(&u, UART_LCR, 0xbf);
	assert_int_not_equal(0, tvx_uart_read(&u, UART_IIR_FCR));
	/* the divisor latch is its own pair of registers */
	tvx_uart_write(&u, UART_LCR, LCR_DLAB | 3);
	tvx_uart_write(&u, UART_RBR_THR, 0x01);
	tvx_uart_write(&u, UART_IER, 0x00);
	assert_int_equal(0x01, tvx_uart_read(&u, UART_RBR_THR));
	assert_int_equal(0x00, tvx_uart_read(&u, UART_IER));
	tvx_uart_write(&u, UART_LCR, 3);
	assert_int_equal(0, tvx_uart_read(&u, UART_IER));
	assert_int_equal(LSR_THRE | LSR_TEMT, tvx_uart_read(&u, UART_LSR));
}

static void test_uart_tx(void **state)
{
	struct tvx_uart u;

	(void)state;
	tvx_uart_init(&u);
	tvx_uart_write(&u, UART_LCR, 3);
	assert_int_equal('x', tvx_uart_write(&u, UART_RBR_THR, 'x'));
	assert_int_equal(0xff, tvx_uart_write(&u, UART_RBR_THR, 0xff));
	/* not while DLAB is set: that is the divisor */
	tvx_uart_write(&u, UART_LCR, LCR_DLAB);
	assert_int_equal(-1, tvx_uart_write(&u, UART_RBR_THR, 'y'));
	tvx_uart_write(&u, UART_LCR, 3);
	/* loopback: what is sent is received, nothing printed */
	tvx_uart_write(&u, UART_MCR, MCR_LOOP);
	assert_int_equal(-1, tvx_uart_write(&u, UART_RBR_THR, 'z'));
	assert_int_equal(LSR_DR, tvx_uart_read(&u, UART_LSR) & LSR_DR);
	assert_int_equal('z', tvx_uart_read(&u, UART_RBR_THR));
	assert_int_equal(0, tvx_uart_read(&u, UART_LSR) & LSR_DR);
	/* LSR and MSR writes are ignored */
	tvx_uart_write(&u, UART_LSR, 0);
	assert_int_equal(LSR_THRE | LSR_TEMT, tvx_uart_read(&u, UART_LSR));
}

static void test_uart_rx_fifo(void **state)
{
	struct tvx_uart u;
	unsigned int i;

	(void)state;
	tvx_uart_init(&u);
	for (i = 0; i < UART_FIFO_SIZE; i++)
		assert_int_equal(0, tvx_uart_rx(&u, 'a' + i));
	/* the 17th is lost, and the overrun shows once in LSR */
	assert_int_equal(-ENOSPC, tvx_uart_rx(&u, '!'));
	assert_int_equal(LSR_OE | LSR_DR, tvx_uart_read(&u, UART_LSR) & (LSR_OE | LSR_DR));
	assert_int_equal(0, tvx_uart_read(&u, UART_LSR) & LSR_OE);
	for (i = 0; i < UART_FIFO_SIZE; i++)
		assert_int_equal('a' + i, tvx_uart_read(&u, UART_RBR_THR));
	assert_int_equal(0, tvx_uart_read(&u, UART_LSR) & LSR_DR);
	/* an empty FIFO reads 0 and stays empty */
	assert_int_equal(0, tvx_uart_read(&u, UART_RBR_THR));
	assert_int_equal(0, u.rx_count);
	/* FCR clears it */
	tvx_uart_rx(&u, 'q');
	tvx_uart_write(&u, UART_IIR_FCR, FCR_ENABLE | FCR_CLEAR_RX);
	assert_int_equal(0, tvx_uart_read(&u, UART_LSR) & LSR_DR);
}

static void test_uart_interrupts(void **state)
{
	struct tvx_uart u;

	(void)state;
	tvx_uart_init(&u);
	/* nothing enabled: no interrupt, IIR says none */
	tvx_uart_rx(&u, 'a');
	assert_false(tvx_uart_irq(&u));
	assert_int_equal(IIR_NO_INT, tvx_uart_read(&u, UART_IIR_FCR));
	/* received data, enabled: pending, but the line needs OUT2 */
	tvx_uart_write(&u, UART_IER, IER_RDI);
	assert_int_equal(IIR_RDI, tvx_uart_read(&u, UART_IIR_FCR));
	assert_false(tvx_uart_irq(&u));
	tvx_uart_write(&u, UART_MCR, MCR_OUT2);
	assert_true(tvx_uart_irq(&u));
	tvx_uart_read(&u, UART_RBR_THR);
	assert_false(tvx_uart_irq(&u));

	/* enabling THRI with THR empty raises it; reading IIR acknowledges */
	tvx_uart_write(&u, UART_IER, IER_RDI | IER_THRI);
	assert_true(tvx_uart_irq(&u));
	assert_int_equal(IIR_THRI, tvx_uart_read(&u, UART_IIR_FCR));
	assert_false(tvx_uart_irq(&u));
	assert_int_equal(IIR_NO_INT, tvx_uart_read(&u, UART_IIR_FCR));
	/* each byte sent raises it again */
	tvx_uart_write(&u, UART_RBR_THR, 'b');
	assert_true(tvx_uart_irq(&u));
	/* received data comes before THRE; THRE survives that read of IIR */
	tvx_uart_rx(&u, 'c');
	assert_int_equal(IIR_RDI, tvx_uart_read(&u, UART_IIR_FCR));
	tvx_uart_read(&u, UART_RBR_THR);
	assert_int_equal(IIR_THRI, tvx_uart_read(&u, UART_IIR_FCR));
	/* line status first of all */
	tvx_uart_write(&u, UART_IER, IER_RLSI | IER_RDI);
	for (int i = 0; i <= UART_FIFO_SIZE; i++)
		tvx_uart_rx(&u, 'x');
	assert_int_equal(IIR_RLSI, tvx_uart_read(&u, UART_IIR_FCR));
	tvx_uart_read(&u, UART_LSR);
	assert_int_equal(IIR_RDI, tvx_uart_read(&u, UART_IIR_FCR));
	/* turning THRI off drops a pending one */
	tvx_uart_write(&u, UART_IER, IER_THRI);
	tvx_uart_write(&u, UART_IER, 0);
	tvx_uart_write(&u, UART_IER, IER_RDI);
	tvx_uart_write(&u, UART_IIR_FCR, FCR_CLEAR_RX);
	assert_false(tvx_uart_irq(&u));
}

/* -------------------------------------------------------------- IOAPIC */

static struct tvx_msi scratch[IOAPIC_PINS];

static __u32 io_read(struct tvx_ioapic *io, unsigned int reg)
{
	tvx_ioapic_write(io, IOREGSEL, reg, scratch);
	return tvx_ioapic_read(io, IOWIN);
}

static int io_write(struct tvx_ioapic *io, unsigned int reg, __u32 val,
		    struct tvx_msi *msi)
{
	tvx_ioapic_write(io, IOREGSEL, reg, scratch);
	return tvx_ioapic_write(io, IOWIN, val, msi ? msi : scratch);
}

static void test_ioapic_registers(void **state)
{
	struct tvx_ioapic io;
	unsigned int pin;

	(void)state;
	tvx_ioapic_init(&io);
	/* version 0x20, 24 pins; every pin masked after reset */
	assert_int_equal(0x170020, io_read(&io, REG_VER));
	for (pin = 0; pin < IOAPIC_PINS; pin++)
		assert_int_equal(RTE_MASKED, io_read(&io, REG_REDIR + 2 * pin));
	io_write(&io, REG_ID, 0x0a000000, NULL);
	assert_int_equal(0x0a000000, io_read(&io, REG_ID));
	assert_int_equal(0x0a000000, io_read(&io, REG_ARB));
	/* IOREGSEL reads back; registers past the table read 0 */
	tvx_ioapic_write(&io, IOREGSEL, 0x3f, scratch);
	assert_int_equal(0x3f, tvx_ioapic_read(&io, IOREGSEL));
	assert_int_equal(0, io_read(&io, REG_REDIR + 2 * IOAPIC_PINS));
	/* the read-only bits are the IOAPIC's, not the guest's */
	io_write(&io, REG_REDIR + 4, 0xffffffff, NULL);
	io_write(&io, REG_REDIR + 5, 0xffffffff, NULL);
	assert_int_equal(0xffffffffU & ~(__u32)RTE_RO & 0x1ffff,
			 io_read(&io, REG_REDIR + 4));
	assert_int_equal(0xff000000, io_read(&io, REG_REDIR + 5));
	assert_int_equal(-EINVAL, tvx_ioapic_set_line(&io, IOAPIC_PINS, true, NULL));
}

static void test_ioapic_edge(void **state)
{
	struct tvx_ioapic io;
	struct tvx_msi msi, many[IOAPIC_PINS];

	(void)state;
	tvx_ioapic_init(&io);
	/* masked: the edge is lost */
	assert_int_equal(0, tvx_ioapic_set_line(&io, 4, true, &msi));
	tvx_ioapic_set_line(&io, 4, false, &msi);
	/* pin 4: vector 0x24, fixed, physical, to APIC 1 */
	io_write(&io, REG_REDIR + 9, 1U << 24, NULL);
	assert_int_equal(0, io_write(&io, REG_REDIR + 8, 0x24, &msi));
	assert_int_equal(1, tvx_ioapic_set_line(&io, 4, true, &msi));
	assert_int_equal(0xfee01000ULL, msi.address);
	assert_int_equal(0x24 | 1U << 14, msi.data);
	/* a level held high is no new edge */
	assert_int_equal(0, tvx_ioapic_set_line(&io, 4, true, &msi));
	tvx_ioapic_set_line(&io, 4, false, &msi);
	assert_int_equal(1, tvx_ioapic_set_line(&io, 4, true, &msi));
	/* logical destination, lowest priority */
	io_write(&io, REG_REDIR + 8, 0x31 | 1U << 8 | 1U << 11, NULL);
	tvx_ioapic_set_line(&io, 4, false, &msi);
	assert_int_equal(1, tvx_ioapic_set_line(&io, 4, true, &msi));
	assert_int_equal(0xfee01004ULL, msi.address);
	assert_int_equal(0x31 | 1U << 8 | 1U << 14, msi.data);
	/* an EOI means nothing to an edge pin */
	assert_int_equal(0, tvx_ioapic_eoi(&io, 0x31, many));
}

static void test_ioapic_level(void **state)
{
	struct tvx_ioapic io;
	struct tvx_msi msi[IOAPIC_PINS];

	(void)state;
	tvx_ioapic_init(&io);
	/* asserted while masked: delivered when unmasked */
	tvx_ioapic_set_line(&io, 10, true, msi);
	assert_int_equal(1, io_write(&io, REG_REDIR + 20, 0x40 | RTE_LEVEL, msi));
	assert_int_equal(0x40 | 1U << 15 | 1U << 14, msi[0].data);
	assert_true(io_read(&io, REG_REDIR + 20) & RTE_REMOTE_IRR);
	/* in service: no more until the EOI */
	tvx_ioapic_set_line(&io, 10, false, msi);
	assert_int_equal(0, tvx_ioapic_set_line(&io, 10, true, msi));
	/* another vector's EOI does not count */
	assert_int_equal(0, tvx_ioapic_eoi(&io, 0x41, msi));
	assert_true(io_read(&io, REG_REDIR + 20) & RTE_REMOTE_IRR);
	/* its EOI, line still high: again */
	assert_int_equal(1, tvx_ioapic_eoi(&io, 0x40, msi));
	assert_int_equal(0x40 | 1U << 15 | 1U << 14, msi[0].data);
	/* its EOI, line low: nothing, remote IRR clear */
	tvx_ioapic_set_line(&io, 10, false, msi);
	assert_int_equal(0, tvx_ioapic_eoi(&io, 0x40, msi));
	assert_false(io_read(&io, REG_REDIR + 20) & RTE_REMOTE_IRR);
	/* the EOI register (version 0x20) does the same */
	tvx_ioapic_set_line(&io, 10, true, msi);
	assert_int_equal(1, tvx_ioapic_write(&io, IOEOI, 0x40, msi));
	/* two pins, one vector: one EOI serves both */
	io_write(&io, REG_REDIR + 22, 0x40 | RTE_LEVEL, msi);
	tvx_ioapic_set_line(&io, 11, true, msi);
	assert_int_equal(2, tvx_ioapic_eoi(&io, 0x40, msi));
	/* both in service again: the next EOI serves both again */
	assert_int_equal(2, tvx_ioapic_eoi(&io, 0x40, msi));
	tvx_ioapic_set_line(&io, 11, false, msi);
	assert_int_equal(1, tvx_ioapic_eoi(&io, 0x40, msi));
	/* masking a pin does not lose its level */
	io_write(&io, REG_REDIR + 20, 0x40 | RTE_LEVEL | RTE_MASKED, msi);
	tvx_ioapic_eoi(&io, 0x40, msi);
	assert_int_equal(1, io_write(&io, REG_REDIR + 20, 0x40 | RTE_LEVEL, msi));
	/* turning a pin to edge drops its service state */
	io_write(&io, REG_REDIR + 20, 0x40, msi);
	assert_false(io_read(&io, REG_REDIR + 20) & RTE_REMOTE_IRR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uart_linux_probe),
		cmocka_unit_test(test_uart_tx),
		cmocka_unit_test(test_uart_rx_fifo),
		cmocka_unit_test(test_uart_interrupts),
		cmocka_unit_test(test_ioapic_registers),
		cmocka_unit_test(test_ioapic_edge),
		cmocka_unit_test(test_ioapic_level),
	};

	return cmocka_run_group_tests_name("devices", tests, NULL, NULL);
}
