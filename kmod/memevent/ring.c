// SPDX-License-Identifier: GPL-2.0
/*
 * Event ring index arithmetic and mmap layout: pure logic, compiled into the
 * module, into libthinvmx and into the host unit tests
 * (selftests/unit/test_ring.c).
 *
 * prod and cons are free-running u64 counters, so "how many records" is
 * always prod - cons in modulo 2^64 arithmetic, and wrapping past U64_MAX
 * needs no special case. A slot is an index masked with the ring size, at
 * every single access: whatever the peer writes, no slot address leaves
 * the ring.
 *
 * The peer can write anything into the shared header. Its index must lie
 * in a window: the consumer's cons between the cons we saw last and our
 * prod (it cannot consume what was never produced, nor un-consume); the
 * producer's prod between the prod we saw last and our cons plus the size
 * (it cannot overwrite records not consumed, nor un-produce). Anything
 * else is -EPROTO, and the caller treats the peer as broken. Moving
 * backwards inside the old window would only hurt the peer, but is refused
 * too: it is never a correct peer.
 */
#include "ring.h"

static_assert(THINVMX_RING_SLOTS_LOG2_MAX < 31, "counts fit an int");
static_assert(THINVMX_RING_SLOTS_LOG2_DEFAULT >= THINVMX_RING_SLOTS_LOG2_MIN,
	      "default ring size");
static_assert(THINVMX_RING_SLOTS_LOG2_DEFAULT <= THINVMX_RING_SLOTS_LOG2_MAX,
	      "default ring size");
static_assert((THINVMX_RING_RECORD_SIZE << THINVMX_RING_SLOTS_LOG2_MIN) %
	      THINVMX_RING_PAGE_SIZE == 0, "slot areas are whole pages");
static_assert(sizeof(struct thinvmx_ring_header) <= THINVMX_RING_PAGE_SIZE,
	      "the header fits its page");

/**
 * ring_slots_log2_valid() - whether a ring may have 1 << @slots_log2 slots
 * @slots_log2: log2 of the slot count
 *
 * Return: true within [THINVMX_RING_SLOTS_LOG2_MIN, _MAX].
 */
bool ring_slots_log2_valid(u32 slots_log2)
{
	return slots_log2 >= THINVMX_RING_SLOTS_LOG2_MIN &&
	       slots_log2 <= THINVMX_RING_SLOTS_LOG2_MAX;
}

static u64 ring_slots(u32 slots_log2)
{
	return 1ULL << slots_log2;
}

/* lo <= x <= hi in the modulo 2^64 order that starts at lo */
static bool ring_in_window(u64 x, u64 lo, u64 hi)
{
	return x - lo <= hi - lo;
}

/**
 * ring_count() - records between two indices
 * @prod: producer index
 * @cons: consumer index
 * @slots_log2: log2 of the slot count (valid)
 *
 * Return: prod - cons, or -EPROTO when that exceeds the ring size (cons
 * beyond prod, or prod more than a ring ahead).
 */
int ring_count(u64 prod, u64 cons, u32 slots_log2)
{
	u64 n = prod - cons;

	if (n > ring_slots(slots_log2))
		return -EPROTO;
	return (int)n;
}

/**
 * ring_space() - free slots between two indices
 * @prod: producer index
 * @cons: consumer index
 * @slots_log2: log2 of the slot count (valid)
 *
 * Return: the free slot count, or -EPROTO as for ring_count().
 */
int ring_space(u64 prod, u64 cons, u32 slots_log2)
{
	int n = ring_count(prod, cons, slots_log2);

	if (n < 0)
		return n;
	return (int)ring_slots(slots_log2) - n;
}

/**
 * ring_header_init() - make an empty ring's shared header
 * @hdr: the header page, zeroed by the caller
 * @slots_log2: log2 of the slot count (valid)
 * @slot_size: bytes per record
 * @vcpu: the vCPU it serves
 * @start: the first index (0; the tests start near U64_MAX)
 *
 * Plain stores: nobody else sees the ring yet.
 */
void ring_header_init(struct thinvmx_ring_header *hdr, u32 slots_log2,
		      u32 slot_size, u32 vcpu, u64 start)
{
	hdr->prod = start;
	hdr->cons = start;
	hdr->slots_log2 = slots_log2;
	hdr->slot_size = slot_size;
	hdr->vcpu = vcpu;
	hdr->full_waits = 0;
	hdr->refused = 0;
}

/**
 * ring_attach() - one side's view of a ring
 * @r: the view to fill
 * @hdr: the ring's header
 * @slots: its records
 * @slots_log2: log2 of the slot count, as this side knows it
 * @slot_size: bytes per record, as this side knows it
 * @producer: true for the producer's view, false for the consumer's
 *
 * Takes both indices from the header once (the module attaches before the
 * listener can map the ring; libthinvmx trusts the module). The geometry
 * is this side's, never the header's: the header only has to agree.
 *
 * Return:
 * * 0         - attached
 * * -EINVAL   - @slots_log2 outside the allowed range, @slot_size not a
 *               non-zero multiple of 8
 * * -EPROTO   - the header disagrees with the geometry, or its indices are
 *               more than a ring apart
 */
int ring_attach(struct ring *r, struct thinvmx_ring_header *hdr, void *slots,
		u32 slots_log2, u32 slot_size, bool producer)
{
	u64 prod, cons;

	if (!ring_slots_log2_valid(slots_log2) || !slot_size || slot_size % 8)
		return -EINVAL;
	if (hdr->slots_log2 != slots_log2 || hdr->slot_size != slot_size)
		return -EPROTO;
	prod = ring_load_acquire(&hdr->prod);
	cons = ring_load_acquire(&hdr->cons);
	if (ring_count(prod, cons, slots_log2) < 0)
		return -EPROTO;

	r->hdr = hdr;
	r->slots = slots;
	r->own = producer ? prod : cons;
	r->peer = producer ? cons : prod;
	r->avail = 0;
	r->slots_log2 = slots_log2;
	r->slot_size = slot_size;
	r->producer = producer;
	return 0;
}

/* The address of record @idx: masked, so always inside the ring. */
static void *ring_slot(const struct ring *r, u64 idx)
{
	u64 mask = ring_slots(r->slots_log2) - 1;

	return r->slots + (size_t)(idx & mask) * r->slot_size;
}

/**
 * ring_prod_reserve() - make sure @n slots are free
 * @r: the producer's view
 * @n: slots wanted, 1 to the ring size
 *
 * Reads the consumer's index (acquire) and checks it. On success the slots
 * ring_prod_slot(r, 0 .. return value - 1) may be written, and handed over
 * with ring_prod_publish().
 *
 * Return:
 * * >= n      - the free slot count
 * * -ENOSPC   - fewer than @n free: the caller waits for room
 * * -EPROTO   - the consumer's index is outside [last seen, prod]
 * * -EINVAL   - not a producer's view, or @n out of range
 */
int ring_prod_reserve(struct ring *r, u32 n)
{
	u64 cons;
	int space;

	if (!r->producer || !n || n > ring_slots(r->slots_log2))
		return -EINVAL;
	r->avail = 0;
	cons = ring_load_acquire(&r->hdr->cons);
	if (!ring_in_window(cons, r->peer, r->own))
		return -EPROTO;
	r->peer = cons;
	space = ring_space(r->own, cons, r->slots_log2);
	/* the window keeps own - cons <= size; checked anyway */
	if (space < 0)
		return space;
	r->avail = space;
	return (u32)space >= n ? space : -ENOSPC;
}

/**
 * ring_prod_slot() - the @i-th reserved slot
 * @r: the producer's view
 * @i: 0 .. the last ring_prod_reserve()'s return value - 1
 *
 * Return: the slot, or NULL when @i is not reserved.
 */
void *ring_prod_slot(const struct ring *r, u32 i)
{
	if (!r->producer || i >= r->avail)
		return NULL;
	return ring_slot(r, r->own + i);
}

/**
 * ring_prod_publish() - hand @n written records to the consumer
 * @r: the producer's view
 * @n: records, at most the slots reserved
 *
 * One release store of prod: the consumer sees all @n records or none.
 *
 * Return: 0, or -EINVAL when @n exceeds the reservation.
 */
int ring_prod_publish(struct ring *r, u32 n)
{
	if (!r->producer || n > r->avail)
		return -EINVAL;
	r->own += n;
	r->avail -= n;
	ring_store_release(&r->hdr->prod, r->own);
	return 0;
}

/**
 * ring_cons_peek() - how many records wait
 * @r: the consumer's view
 *
 * Reads the producer's index (acquire) and checks it. Records
 * ring_cons_slot(r, 0 .. return value - 1) may then be read; the module
 * copies each out before checking it, since the peer may still write it.
 *
 * Return:
 * * >= 0      - records ready
 * * -EPROTO   - the producer's index is outside [last seen, cons + size]
 * * -EINVAL   - not a consumer's view
 */
int ring_cons_peek(struct ring *r)
{
	u64 prod;
	int count;

	if (r->producer)
		return -EINVAL;
	r->avail = 0;
	prod = ring_load_acquire(&r->hdr->prod);
	if (!ring_in_window(prod, r->peer, r->own + ring_slots(r->slots_log2)))
		return -EPROTO;
	r->peer = prod;
	count = ring_count(prod, r->own, r->slots_log2);
	if (count < 0)
		return count;
	r->avail = count;
	return count;
}

/**
 * ring_cons_slot() - the @i-th waiting record
 * @r: the consumer's view
 * @i: 0 .. the last ring_cons_peek()'s return value - 1
 *
 * Return: the record, or NULL when @i is not ready.
 */
const void *ring_cons_slot(const struct ring *r, u32 i)
{
	if (r->producer || i >= r->avail)
		return NULL;
	return ring_slot(r, r->own + i);
}

/**
 * ring_cons_consume() - give @n read records' slots back
 * @r: the consumer's view
 * @n: records, at most those peeked
 *
 * Return: 0, or -EINVAL when @n exceeds what ring_cons_peek() reported.
 */
int ring_cons_consume(struct ring *r, u32 n)
{
	if (r->producer || n > r->avail)
		return -EINVAL;
	r->own += n;
	r->avail -= n;
	ring_store_release(&r->hdr->cons, r->own);
	return 0;
}

static u64 ring_page_align(u64 bytes)
{
	return DIV_ROUND_UP(bytes, THINVMX_RING_PAGE_SIZE) * THINVMX_RING_PAGE_SIZE;
}

static u64 ring_req_bytes(u32 slots_log2)
{
	return ring_page_align(sizeof(struct thinvmx_event) << slots_log2);
}

static u64 ring_rsp_bytes(u32 slots_log2)
{
	return ring_page_align(sizeof(struct thinvmx_response) << slots_log2);
}

/**
 * ring_vcpu_size() - bytes of one vCPU's two rings in the mmap area
 * @slots_log2: log2 of the slot count
 *
 * Return: THINVMX_RING_VCPU_SIZE(@slots_log2), or 0 if it is invalid.
 */
u64 ring_vcpu_size(u32 slots_log2)
{
	if (!ring_slots_log2_valid(slots_log2))
		return 0;
	return 2 * THINVMX_RING_PAGE_SIZE + ring_req_bytes(slots_log2) +
	       ring_rsp_bytes(slots_log2);
}

/**
 * ring_area_size() - bytes of a listener's whole mmap area
 * @nr_vcpus: vCPU ids with rings, 1..THINVMX_MAX_VCPUS
 * @slots_log2: log2 of the slot count
 *
 * Return: the size, or 0 for an invalid argument.
 */
u64 ring_area_size(u32 nr_vcpus, u32 slots_log2)
{
	if (!nr_vcpus || nr_vcpus > THINVMX_MAX_VCPUS)
		return 0;
	return nr_vcpus * ring_vcpu_size(slots_log2);
}

/**
 * ring_layout() - where vCPU @vcpu's rings are in the mmap area
 * @nr_vcpus: vCPU ids with rings, 1..THINVMX_MAX_VCPUS
 * @slots_log2: log2 of the slot count
 * @vcpu: the vCPU id, below @nr_vcpus
 * @l: the offsets, all page aligned
 *
 * Return: 0, or -EINVAL for an invalid argument.
 */
int ring_layout(u32 nr_vcpus, u32 slots_log2, u32 vcpu, struct ring_layout *l)
{
	u64 base;

	if (!ring_area_size(nr_vcpus, slots_log2) || vcpu >= nr_vcpus)
		return -EINVAL;
	base = vcpu * ring_vcpu_size(slots_log2);
	l->req_hdr = base;
	l->req_slots = l->req_hdr + THINVMX_RING_PAGE_SIZE;
	l->rsp_hdr = l->req_slots + ring_req_bytes(slots_log2);
	l->rsp_slots = l->rsp_hdr + THINVMX_RING_PAGE_SIZE;
	return 0;
}
