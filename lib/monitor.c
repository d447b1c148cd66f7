// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libthinvmx: the introspection listener's side
 * (uapi/thinvmx_introspect.h). Attach to a domain, choose what is monitored, and
 * serve the per-vCPU event rings: read events in batches, hand each to a
 * callback, write the answers of sync events into the response rings and
 * ring the doorbell once per batch. The ring arithmetic is the module's
 * own (kmod/memevent/ring.c, compiled in).
 *
 * Threads: tvx_monitor_serve() may run in several threads at once as long
 * as their vCPU masks do not overlap (each ring has one consumer); that is
 * how a daemon serves vCPUs in parallel.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "libthinvmx.h"
#include "../kmod/memevent/ring.h"

struct tvx_monitor_vcpu {
	struct ring req;		/* consumer */
	struct ring rsp;		/* producer */
};

struct tvx_monitor {
	int fd;
	void *area;
	size_t area_size;
	unsigned int nr_vcpus;
	struct tvx_monitor_vcpu vc[];
};

static int tvx_monitor_map(struct tvx_monitor *m, unsigned int slots_log2)
{
	struct ring_layout l;
	unsigned int i;
	int ret;

	m->area = mmap(NULL, m->area_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       m->fd, 0);
	if (m->area == MAP_FAILED) {
		m->area = NULL;
		return -errno;
	}
	for (i = 0; i < m->nr_vcpus; i++) {
		__u8 *base = m->area;

		ret = ring_layout(m->nr_vcpus, slots_log2, i, &l);
		if (!ret)
			ret = ring_attach(&m->vc[i].req, (void *)(base + l.req_hdr),
					  base + l.req_slots, slots_log2,
					  THINVMX_RING_RECORD_SIZE, false);
		if (!ret)
			ret = ring_attach(&m->vc[i].rsp, (void *)(base + l.rsp_hdr),
					  base + l.rsp_slots, slots_log2,
					  THINVMX_RING_RECORD_SIZE, true);
		if (ret)
			return ret;
	}
	return 0;
}

static int tvx_monitor_attach_cmd(int fd0, unsigned long cmd,
				  unsigned int slots_log2, unsigned int nr_vcpus,
				  struct tvx_monitor **out)
{
	struct thinvmx_attach_monitor a = {
		.slots_log2 = slots_log2,
		.nr_vcpus = nr_vcpus,
	};
	struct tvx_monitor *m;
	int fd, ret;

	fd = ioctl(fd0, cmd, &a);
	if (fd < 0)
		return -errno;
	m = calloc(1, sizeof(*m) + a.nr_vcpus * sizeof(m->vc[0]));
	if (!m) {
		close(fd);
		return -ENOMEM;
	}
	m->fd = fd;
	m->nr_vcpus = a.nr_vcpus;
	m->area_size = a.mmap_size;
	ret = tvx_monitor_map(m, a.slots_log2 ? a.slots_log2 :
				 THINVMX_RING_SLOTS_LOG2_DEFAULT);
	if (ret) {
		tvx_monitor_detach(m);
		return ret;
	}
	*out = m;
	return 0;
}

/* THINVMX_HOST_ATTACH on /dev/thinvmx: the host's listener, a ring per CPU */
int tvx_host_attach(struct tvx_handle *h, unsigned int slots_log2,
		    struct tvx_monitor **out)
{
	return tvx_monitor_attach_cmd(tvx_handle_fd(h), THINVMX_HOST_ATTACH,
				      slots_log2, 0, out);
}

int tvx_monitor_attach_fd(int domain_fd, unsigned int slots_log2,
			  unsigned int nr_vcpus, struct tvx_monitor **out)
{
	return tvx_monitor_attach_cmd(domain_fd, THINVMX_ATTACH_MONITOR,
				      slots_log2, nr_vcpus, out);
}

int tvx_monitor_attach(struct tvx_domain *d, unsigned int slots_log2,
		       unsigned int nr_vcpus, struct tvx_monitor **out)
{
	return tvx_monitor_attach_fd(tvx_domain_fd(d), slots_log2, nr_vcpus, out);
}

void tvx_monitor_detach(struct tvx_monitor *m)
{
	if (!m)
		return;
	if (m->area)
		munmap(m->area, m->area_size);
	close(m->fd);
	free(m);
}

int tvx_monitor_fd(const struct tvx_monitor *m)
{
	return m->fd;
}

unsigned int tvx_monitor_nr_vcpus(const struct tvx_monitor *m)
{
	return m->nr_vcpus;
}

int tvx_monitor_set(struct tvx_monitor *m, __u32 kind, __u32 mode, __u32 flags)
{
	struct thinvmx_monitor s = { .kind = kind, .mode = mode, .flags = flags };

	return ioctl(m->fd, THINVMX_SET_MONITOR, &s) < 0 ? -errno : 0;
}

int tvx_monitor_get(struct tvx_monitor *m, __u32 kind, __u32 *mode,
		    __u32 *flags)
{
	struct thinvmx_monitor s = { .kind = kind };

	if (ioctl(m->fd, THINVMX_GET_MONITOR, &s) < 0)
		return -errno;
	if (mode)
		*mode = s.mode;
	if (flags)
		*flags = s.flags;
	return 0;
}

int tvx_monitor_doorbell(struct tvx_monitor *m, __u64 vcpu_mask)
{
	struct thinvmx_doorbell db = { .vcpu_mask = vcpu_mask };

	return ioctl(m->fd, THINVMX_MONITOR_DOORBELL, &db) < 0 ? -errno : 0;
}

int tvx_monitor_inject(struct tvx_monitor *m, struct thinvmx_inject_trap *t)
{
	return ioctl(m->fd, THINVMX_INJECT_TRAP, t) < 0 ? -errno : 0;
}

__u64 tvx_monitor_full_waits(const struct tvx_monitor *m, unsigned int vcpu)
{
	if (vcpu >= m->nr_vcpus)
		return 0;
	return __atomic_load_n(&m->vc[vcpu].req.hdr->full_waits, __ATOMIC_RELAXED);
}

__u64 tvx_monitor_refused(const struct tvx_monitor *m, unsigned int vcpu)
{
	if (vcpu >= m->nr_vcpus)
		return 0;
	return __atomic_load_n(&m->vc[vcpu].rsp.hdr->refused, __ATOMIC_RELAXED);
}

__u64 tvx_monitor_timeouts(const struct tvx_monitor *m, unsigned int vcpu)
{
	if (vcpu >= m->nr_vcpus)
		return 0;
	return __atomic_load_n(&m->vc[vcpu].req.hdr->timeouts, __ATOMIC_RELAXED);
}

__u64 tvx_monitor_lost(const struct tvx_monitor *m, unsigned int vcpu)
{
	if (vcpu >= m->nr_vcpus)
		return 0;
	return __atomic_load_n(&m->vc[vcpu].req.hdr->lost, __ATOMIC_RELAXED);
}

int tvx_monitor_set_msr(struct tvx_monitor *m, __u32 msr, __u32 mode, __u32 flags)
{
	struct thinvmx_monitor s = {
		.kind = THINVMX_MONITOR_MSR, .mode = mode, .flags = flags, .msr = msr,
	};

	return ioctl(m->fd, THINVMX_SET_MONITOR, &s) < 0 ? -errno : 0;
}

int tvx_monitor_set_sync_timeout(struct tvx_monitor *m, __u64 ns)
{
	return ioctl(m->fd, THINVMX_SET_SYNC_TIMEOUT, &ns) < 0 ? -errno : 0;
}

int tvx_domain_detach_monitor(struct tvx_domain *d)
{
	return ioctl(tvx_domain_fd(d), THINVMX_DETACH_MONITOR) < 0 ? -errno : 0;
}

int tvx_domain_set_guest_request(struct tvx_domain *d, __u64 channels)
{
	struct thinvmx_guest_request gr = { .channels = channels };

	return ioctl(tvx_domain_fd(d), THINVMX_SET_GUEST_REQUEST, &gr) < 0 ?
	       -errno : 0;
}

int tvx_domain_get_guest_request(struct tvx_domain *d, __u64 *channels)
{
	struct thinvmx_guest_request gr;

	if (ioctl(tvx_domain_fd(d), THINVMX_GET_GUEST_REQUEST, &gr) < 0)
		return -errno;
	*channels = gr.channels;
	return 0;
}

static __u64 tvx_monitor_mask(const struct tvx_monitor *m, __u64 mask)
{
	return m->nr_vcpus >= 64 ? mask : mask & ((1ULL << m->nr_vcpus) - 1);
}

/* Events waiting in the request rings of @mask (0 if none), or -EPROTO. */
static int tvx_monitor_pending(struct tvx_monitor *m, __u64 mask)
{
	unsigned int i;
	int n, total = 0;

	for (i = 0; i < m->nr_vcpus; i++) {
		if (!(mask & (1ULL << i)))
			continue;
		n = ring_cons_peek(&m->vc[i].req);
		if (n < 0)
			return n;
		total += n;
	}
	return total;
}

/* One answer into @vcpu's response ring; full: ring, then wait for room. */
static int tvx_monitor_put_answer(struct tvx_monitor *m, unsigned int vcpu,
				  const struct thinvmx_response *rsp)
{
	struct ring *r = &m->vc[vcpu].rsp;
	int ret;

	for (;;) {
		ret = ring_prod_reserve(r, 1);
		if (ret != -ENOSPC)
			break;
		/* the module drains the ring at the doorbell */
		ret = tvx_monitor_doorbell(m, 1ULL << vcpu);
		if (ret && ret != -EINVAL && ret != -ESRCH)
			return ret;
	}
	if (ret < 0)
		return ret;
	memcpy(ring_prod_slot(r, 0), rsp, sizeof(*rsp));
	return ring_prod_publish(r, 1);
}

static long tvx_elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

int tvx_monitor_serve(struct tvx_monitor *m, __u64 vcpu_mask, unsigned int flags,
		      int timeout_ms, tvx_event_fn fn, void *arg)
{
	struct pollfd pfd = { .fd = m->fd, .events = POLLIN };
	struct thinvmx_response rsp;
	struct thinvmx_event ev;
	__u64 ring = 0;
	struct timespec t0;
	int n, i, ret, handled = 0, stop = 0, err = 0;
	unsigned int v;

	vcpu_mask = tvx_monitor_mask(m, vcpu_mask);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		n = tvx_monitor_pending(m, vcpu_mask);
		if (n)
			break;
		if (timeout_ms >= 0 && tvx_elapsed_ms(&t0) >= timeout_ms)
			return 0;
		if (flags & TVX_MONITOR_BUSY_POLL)
			continue;
		ret = poll(&pfd, 1, timeout_ms < 0 ? 100 : timeout_ms);
		if (ret < 0 && errno != EINTR)
			return -errno;
		if (ret > 0 && (pfd.revents & (POLLERR | POLLHUP | POLLNVAL)))
			return -EPROTO;
	}
	if (n < 0)
		return n;

	for (v = 0; v < m->nr_vcpus && !err; v++) {
		struct ring *req = &m->vc[v].req;

		if (!(vcpu_mask & (1ULL << v)))
			continue;
		n = ring_cons_peek(req);
		if (n < 0)
			return n;
		for (i = 0; i < n; i++) {
			memcpy(&ev, ring_cons_slot(req, i), sizeof(ev));
			memset(&rsp, 0, sizeof(rsp));
			rsp.version = THINVMX_EVENT_VERSION;
			rsp.reason = ev.reason;
			rsp.vcpu = ev.vcpu;
			rsp.seq = ev.seq;
			handled++;
			if (!stop) {
				ret = fn(m, &ev, &rsp, arg);
				if (ret < 0)
					stop = ret;
			}
			/* a stopping daemon still answers, with "continue" */
			if (stop)
				rsp.flags = 0;
			if (ev.flags & THINVMX_EVENT_F_SYNC) {
				ret = tvx_monitor_put_answer(m, v, &rsp);
				if (ret) {
					err = ret;
					break;
				}
			}
		}
		ring_cons_consume(req, i);
		ring |= 1ULL << v;
	}
	/* answers, and room for vCPUs that waited for it */
	if (ring) {
		ret = tvx_monitor_doorbell(m, ring);
		if (ret && !err)
			err = ret;
	}
	if (err)
		return err;
	return stop ? stop : handled;
}
