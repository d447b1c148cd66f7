// SPDX-License-Identifier: GPL-2.0
/*
 * An IOAPIC (82093AA register layout, version 0x20 with the EOI register)
 * as a pure state machine (lib/devices.h). The VMM says which lines are
 * asserted; the redirection table turns an edge, or an asserted level the
 * guest has not yet acknowledged (remote IRR clear), into the MSI message
 * the local APIC is to deliver. A level-triggered interrupt stays in
 * service (remote IRR) until the guest's EOI for its vector, and is sent
 * again then if its line is still asserted. An edge on a masked pin is
 * lost, as on the hardware.
 */
#include <errno.h>
#include <string.h>

#include "devices.h"

#define IOREGSEL	0x00
#define IOWIN		0x10
#define IOEOI		0x40

#define REG_ID		0x00
#define REG_VER		0x01
#define REG_ARB		0x02
#define REG_REDIR	0x10

#define IOAPIC_VERSION	0x20

#define RTE_VECTOR	0xffULL
#define RTE_DELIVERY	(7ULL << 8)
#define RTE_DEST_LOG	(1ULL << 11)
#define RTE_STATUS	(1ULL << 12)	/* read-only */
#define RTE_POLARITY	(1ULL << 13)
#define RTE_REMOTE_IRR	(1ULL << 14)	/* read-only */
#define RTE_LEVEL	(1ULL << 15)
#define RTE_MASKED	(1ULL << 16)
#define RTE_DEST_SHIFT	56
#define RTE_RO		(RTE_STATUS | RTE_REMOTE_IRR)
/* what a guest may set: the rest of the low dword and the destination */
#define RTE_WRITABLE	(RTE_VECTOR | RTE_DELIVERY | RTE_DEST_LOG | RTE_POLARITY | \
			 RTE_LEVEL | RTE_MASKED | (0xffULL << RTE_DEST_SHIFT))

/**
 * tvx_ioapic_init() - an IOAPIC after reset: every pin masked
 * @io: the IOAPIC
 */
void tvx_ioapic_init(struct tvx_ioapic *io)
{
	unsigned int i;

	memset(io, 0, sizeof(*io));
	for (i = 0; i < IOAPIC_PINS; i++)
		io->redir[i] = RTE_MASKED;
}

static void ioapic_msi(__u64 rte, struct tvx_msi *msi)
{
	msi->address = 0xfee00000ULL | ((rte >> RTE_DEST_SHIFT) & 0xff) << 12 |
		       (rte & RTE_DEST_LOG ? 1ULL << 2 : 0);
	msi->data = (rte & RTE_VECTOR) | (rte & RTE_DELIVERY) |
		    (rte & RTE_LEVEL ? 1U << 15 : 0) | 1U << 14;
}

/* Deliver pin @pin if it should fire now; 1 if *msi was filled */
static int ioapic_service(struct tvx_ioapic *io, unsigned int pin,
			  struct tvx_msi *msi)
{
	__u64 *rte = &io->redir[pin];

	if (!(io->lines & (1U << pin)) || (*rte & RTE_MASKED))
		return 0;
	if (*rte & RTE_LEVEL) {
		if (*rte & RTE_REMOTE_IRR)
			return 0;
		*rte |= RTE_REMOTE_IRR;
	}
	ioapic_msi(*rte, msi);
	return 1;
}

/**
 * tvx_ioapic_read() - a guest's 32-bit read at offset @off
 * @io: the IOAPIC
 * @off: IOREGSEL (0x00) or IOWIN (0x10); anything else reads 0
 *
 * Return: the value.
 */
__u32 tvx_ioapic_read(struct tvx_ioapic *io, unsigned int off)
{
	unsigned int pin;

	if (off == IOREGSEL)
		return io->sel;
	if (off != IOWIN)
		return 0;
	switch (io->sel) {
	case REG_ID:
	case REG_ARB:
		return (io->id & 0xf) << 24;
	case REG_VER:
		return (IOAPIC_PINS - 1) << 16 | IOAPIC_VERSION;
	}
	if (io->sel < REG_REDIR || io->sel >= REG_REDIR + 2 * IOAPIC_PINS)
		return 0;
	pin = (io->sel - REG_REDIR) / 2;
	return io->sel & 1 ? io->redir[pin] >> 32 : (__u32)io->redir[pin];
}

/**
 * tvx_ioapic_write() - a guest's 32-bit write at offset @off
 * @io: the IOAPIC
 * @off: IOREGSEL, IOWIN or the EOI register (0x40)
 * @val: the value
 * @msi: the messages the write makes due (an unmasked level pin that is
 *       asserted, or an EOI): room for one per pin, so none is ever lost
 *
 * Return: the number of messages to deliver.
 */
int tvx_ioapic_write(struct tvx_ioapic *io, unsigned int off, __u32 val,
		     struct tvx_msi msi[IOAPIC_PINS])
{
	unsigned int pin;
	__u64 rte;

	if (off == IOREGSEL) {
		io->sel = val & 0xff;
		return 0;
	}
	if (off == IOEOI)
		return tvx_ioapic_eoi(io, val & 0xff, msi);
	if (off != IOWIN)
		return 0;
	if (io->sel == REG_ID) {
		io->id = (val >> 24) & 0xf;
		return 0;
	}
	if (io->sel < REG_REDIR || io->sel >= REG_REDIR + 2 * IOAPIC_PINS)
		return 0;
	pin = (io->sel - REG_REDIR) / 2;
	rte = io->redir[pin];
	if (io->sel & 1)
		rte = (rte & 0xffffffffULL) | (__u64)val << 32;
	else
		rte = (rte & ~0xffffffffULL) | val;
	io->redir[pin] = (io->redir[pin] & RTE_RO) | (rte & RTE_WRITABLE);
	/* an edge pin has no service state to keep */
	if (!(io->redir[pin] & RTE_LEVEL))
		io->redir[pin] &= ~RTE_REMOTE_IRR;
	if (!(io->redir[pin] & RTE_LEVEL))
		return 0;
	return ioapic_service(io, pin, msi);
}

/**
 * tvx_ioapic_set_line() - a device asserts or deasserts pin @pin
 * @io: the IOAPIC
 * @pin: 0..IOAPIC_PINS-1
 * @level: asserted
 * @msi: the message to deliver, when the return value is 1
 *
 * Return: 1 to deliver *msi; 0; -EINVAL for a pin out of range.
 */
int tvx_ioapic_set_line(struct tvx_ioapic *io, unsigned int pin, bool level,
			struct tvx_msi *msi)
{
	bool was;

	if (pin >= IOAPIC_PINS)
		return -EINVAL;
	was = io->lines & (1U << pin);
	if (!level) {
		io->lines &= ~(1U << pin);
		return 0;
	}
	io->lines |= 1U << pin;
	if (!(io->redir[pin] & RTE_LEVEL) && was)
		return 0;		/* no edge */
	return ioapic_service(io, pin, msi);
}

/**
 * tvx_ioapic_eoi() - the guest's EOI of @vector reaches the IOAPIC
 * @io: the IOAPIC
 * @vector: the vector
 * @msi: the messages due again, one per pin at most
 *
 * Every level pin with that vector in service leaves it, and fires again
 * if its line is still asserted.
 *
 * Return: the number of messages to deliver.
 */
int tvx_ioapic_eoi(struct tvx_ioapic *io, __u8 vector,
		   struct tvx_msi msi[IOAPIC_PINS])
{
	unsigned int pin;
	int n = 0;

	for (pin = 0; pin < IOAPIC_PINS; pin++) {
		__u64 *rte = &io->redir[pin];

		if (!(*rte & RTE_LEVEL) || !(*rte & RTE_REMOTE_IRR) ||
		    (*rte & RTE_VECTOR) != vector)
			continue;
		*rte &= ~RTE_REMOTE_IRR;
		n += ioapic_service(io, pin, &msi[n]);
	}
	return n;
}
