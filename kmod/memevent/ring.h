/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-vCPU event rings (DESIGN.md, "Monitor events and trap
 * injection"): index arithmetic, the checks of what the other side wrote,
 * and the layout of the listener's mmap area. Pure logic (ring.c), the same
 * file in the module, in libthinvmx and in the unit tests
 * (selftests/unit/test_ring.c). Allocating, mapping and waking stay
 * elsewhere.
 *
 * One producer and one consumer per ring. Each keeps a private copy of the
 * index it owns (struct ring.own) and never reads it back from shared
 * memory; the other side's index is read with an acquire load and checked
 * before it is used.
 */
#ifndef _THINVMX_MEMEVENT_RING_H
#define _THINVMX_MEMEVENT_RING_H

#include "../pure.h"
#include "../../uapi/thinvmx.h"

#ifdef __KERNEL__
#include <asm/barrier.h>
#endif

/*
 * Acquire load of the other side's index, release store of our own: the
 * records written before a release store of prod are visible to whoever
 * reads that prod with an acquire load, and slots are reused only after
 * the consumer's release store of cons says it is done with them (perf's
 * ring-buffer pairing). The kernel's smp_*() here; lib/pure.h maps them to
 * the compiler's __atomic builtins.
 */
#define ring_load_acquire(p)		smp_load_acquire(p)
/* pairs with the other side's ring_load_acquire() of the same index */
#define ring_store_release(p, v)	smp_store_release(p, v)

/* One side's view of one ring. */
struct ring {
	struct thinvmx_ring_header *hdr;	/* shared: the peer may write anything */
	u8 *slots;		/* 1 << slots_log2 records of slot_size bytes */
	u64 own;		/* our index (prod or cons): the only trusted copy */
	u64 peer;		/* the peer's index, as last checked */
	u32 avail;		/* producer: slots free; consumer: records ready */
	u32 slots_log2;		/* trusted copy */
	u32 slot_size;		/* trusted copy */
	bool producer;
};

/* Offsets of one vCPU's rings in the listener's mmap area, in bytes. */
struct ring_layout {
	u64 req_hdr;		/* request ring header (module -> listener) */
	u64 req_slots;		/* its records */
	u64 rsp_hdr;		/* response ring header (listener -> module) */
	u64 rsp_slots;
};

bool ring_slots_log2_valid(u32 slots_log2);
int ring_count(u64 prod, u64 cons, u32 slots_log2);
int ring_space(u64 prod, u64 cons, u32 slots_log2);

void ring_header_init(struct thinvmx_ring_header *hdr, u32 slots_log2,
		      u32 slot_size, u32 vcpu, u64 start);
int ring_attach(struct ring *r, struct thinvmx_ring_header *hdr, void *slots,
		u32 slots_log2, u32 slot_size, bool producer);

int ring_prod_reserve(struct ring *r, u32 n);
void *ring_prod_slot(const struct ring *r, u32 i);
int ring_prod_publish(struct ring *r, u32 n);

int ring_cons_peek(struct ring *r);
const void *ring_cons_slot(const struct ring *r, u32 i);
int ring_cons_consume(struct ring *r, u32 n);

u64 ring_vcpu_size(u32 slots_log2);
u64 ring_area_size(u32 nr_vcpus, u32 slots_log2);
int ring_layout(u32 nr_vcpus, u32 slots_log2, u32 vcpu, struct ring_layout *l);

#endif /* _THINVMX_MEMEVENT_RING_H */
