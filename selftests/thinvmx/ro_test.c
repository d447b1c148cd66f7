// SPDX-License-Identifier: GPL-2.0
/*
 * Read-only MMIO: a guest can read but never write frames in the set, also
 * when they join or leave it while the guest runs; MSI-X decoding of a real
 * (emulated) device matches what lspci reports.
 *
 * ASSIGN_DEVICE_BAR maps only a device given to the domain with
 * ASSIGN_DEVICE, and giving it back undoes what the BAR registered.
 *
 * Requires: root and the thinvmx module. The guest tests need usable VMX
 * and a PCI VGA with a memory BAR and no driver (the Bochs tier has one);
 * where no IOMMU covers it they assign it with allow_unsafe_assignment
 * set for the moment (which taints the kernel); the MSI-X test
 * needs a device with MSI-X and lspci (the QEMU tier has both). Each
 * SKIPs without what it needs.
 */
#include <dirent.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "tvx_test.h"
#include "libthinvmx.h"
#include "tvx_guest.h"
#include "tvx_daemon.h"
#include "mmio_forms.h"

#define PAGE		4096UL
#define MEM_BYTES	(64ULL << 20)
#define BAR_GFN		0x10000ULL	/* the BAR goes at 256 MiB */

/* A PCI function of class @class_prefix: its sbdf and sysfs path. */
static bool find_pci(const char *class_prefix, __u32 *sbdf, char *path,
		     size_t len)
{
	struct dirent *de;
	DIR *dir = opendir("/sys/bus/pci/devices");
	bool found = false;

	if (!dir)
		return false;
	while (!found && (de = readdir(dir))) {
		unsigned int seg, bus, dev, fn;
		char p[300];
		const char *cls;

		if (sscanf(de->d_name, "%x:%x:%x.%x", &seg, &bus, &dev, &fn) != 4)
			continue;
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/class", de->d_name);
		cls = tvx_read_file(p);
		if (!cls || strncmp(cls, class_prefix, strlen(class_prefix)))
			continue;
		*sbdf = THINVMX_PCI_SBDF(seg, bus, dev, fn);
		snprintf(path, len, "/sys/bus/pci/devices/%s", de->d_name);
		found = true;
	}
	closedir(dir);
	return found;
}

/* Start address of BAR @bar from the sysfs "resource" file, 0 if none. */
static __u64 bar_start(const char *dev, int bar, __u64 *size)
{
	char p[320];
	const char *res;
	unsigned long long s, e, f;
	int i;

	snprintf(p, sizeof(p), "%s/resource", dev);
	res = tvx_read_file(p);
	for (i = 0; res && i <= bar; i++) {
		if (sscanf(res, "%llx %llx %llx", &s, &e, &f) != 3)
			return 0;
		if (i == bar) {
			*size = s ? e - s + 1 : 0;
			return (f & 0x200) ? s : 0;	/* IORESOURCE_MEM */
		}
		res = strchr(res, '\n');
		if (res)
			res++;
	}
	return 0;
}

/* ------------------------------------------------------------ guest */

static void guest_ro_writes(__u64 base)
{
	volatile __u8 *p = (volatile __u8 *)(uintptr_t)base;

	p[0] = 0x11;			/* page 0: lands */
	p[PAGE] = 0x22;			/* page 1: read-only, discarded */
	/* a read-modify-write and a string store: discarded all the same */
	asm volatile("lock orb $0x5, (%0)" : : "r" (p + PAGE) : "memory");
	asm volatile("movb $0x66, %%al; mov %0, %%rdi; mov $16, %%rcx; rep stosb"
		     : : "r" (p + PAGE) : "rax", "rdi", "rcx", "memory");
	GUEST_SYNC(1, p[PAGE]);		/* reads still reach the device */
	p[2 * PAGE] = 0x33;		/* page 2: lands */
	GUEST_SYNC(2);			/* the host makes page 2 read-only */
	p[2 * PAGE] = 0x44;		/* discarded */
	GUEST_SYNC(3, p[2 * PAGE]);
	GUEST_SYNC(4);			/* the host takes it out again */
	p[2 * PAGE] = 0x55;		/* lands */
	GUEST_DONE();
}

/*
 * Two discarded writes back to back: a MOV (skipped after decoding), then
 * a ROL of 3 bytes, which the decoder does not take (stepped against the
 * scratch page).
 */
static void guest_ro_reported(__u64 base)
{
	volatile __u8 *p = (volatile __u8 *)(uintptr_t)base;

	asm volatile("movb $0x22, 8(%0)\n\t"
		     "rolb 9(%0)" : : "r" (p + PAGE) : "memory", "cc");
	GUEST_SYNC(p[PAGE + 8], p[PAGE + 9]);
	GUEST_DONE();
}

FIXTURE(ro) {
	struct tvx_handle *h;
	struct tvx_domain *d;
	struct tvx_vcpu *v;
	struct tvx_ucall uc;
	__u32 sbdf;
	char dev[300];
	__u64 bar, bar_size;
	volatile __u8 *host_view;
};

FIXTURE_SETUP(ro)
{
	const char *why;
	char p[320];
	int fd, err;

	self->host_view = NULL;
	why = tvx_test_open(&self->h, false, &err);
	if (why)
		TVX_SETUP_SKIP("%s", why);
	ASSERT_EQ(0, err);
	if (!find_pci("0x0300", &self->sbdf, self->dev, sizeof(self->dev)))
		TVX_SETUP_SKIP("no PCI VGA in this machine");
	self->bar = bar_start(self->dev, 0, &self->bar_size);
	if (!self->bar || self->bar_size < 4 * PAGE)
		TVX_SETUP_SKIP("the VGA has no memory BAR 0");
	snprintf(p, sizeof(p), "%s/resource0", self->dev);
	fd = open(p, O_RDWR | O_SYNC);
	ASSERT_LE(0, fd) TH_LOG("%s: %s", p, strerror(errno));
	self->host_view = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
			       MAP_SHARED, fd, 0);
	close(fd);
	ASSERT_NE(MAP_FAILED, self->host_view);
	memset((void *)self->host_view, 0xee, 4 * PAGE);

	ASSERT_EQ(0, tvx_domain_create_simple(self->h, MEM_BYTES, &self->d));
	ASSERT_EQ(0, tvx_vcpu_create(self->d, 0, &self->v));
	ASSERT_EQ(0, tvx_guest_load_self(self->d));
}

FIXTURE_TEARDOWN(ro)
{
	__u64 mfn = self->bar >> 12, i;

	/* what a failed test left in the set */
	for (i = 0; self->host_view && i < 3; i++)
		while (!tvx_ro_remove(self->h, mfn + i, mfn + i))
			;
	if (self->host_view)
		munmap((void *)self->host_view, 4 * PAGE);
	tvx_vcpu_destroy(self->v);
	tvx_domain_destroy(self->d);
	tvx_close(self->h);
}

#define RUN_EXPECT(want) TVX_RUN_EXPECT((want), self->v, self->d, &self->uc)

static __u64 discarded(struct tvx_domain *d)
{
	struct thinvmx_domain_info info;

	if (tvx_domain_info(d, &info))
		return ~0ULL;
	return info.mmio_ro_writes_discarded;
}

TEST_F(ro, guest_writes_never_reach_read_only_frames)
{
	__u64 mfn = self->bar >> 12;
	struct thinvmx_ro_entry e[16];
	unsigned int nr, i;
	bool seen = false;

	ASSERT_EQ(0, tvx_assign_device_unsafe(self->d, self->sbdf));
	ASSERT_EQ(0, tvx_assign_device_bar(self->d, self->sbdf, 0, BAR_GFN));
	EXPECT_EQ(-EEXIST, tvx_assign_device_bar(self->d, self->sbdf, 0, BAR_GFN));
	ASSERT_EQ(0, tvx_ro_add(self->h, mfn + 1, mfn + 1));
	ASSERT_EQ(0, tvx_ro_list(self->h, e, 16, &nr));
	for (i = 0; i < nr && i < 16; i++)
		if (e[i].kind == THINVMX_RO_ADMIN && e[i].first_mfn == mfn + 1)
			seen = e[i].users == 1 && e[i].last_mfn == mfn + 1;
	EXPECT_TRUE(seen);

	ASSERT_EQ(0, tvx_vcpu_setup_long_mode(self->v, self->d,
					      (__u64)(uintptr_t)guest_ro_writes, 0));
	ASSERT_EQ(0, tvx_vcpu_set_args(self->v, BAR_GFN << 12, 0, 0));

	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(1, self->uc.args[0]);
	EXPECT_EQ(0x11, self->host_view[0]);		/* neighbour: written */
	EXPECT_EQ(0xee, self->host_view[PAGE]);		/* read-only: not */
	EXPECT_EQ(0xee, self->uc.args[1]);		/* and the guest reads it */
	EXPECT_EQ(0xee, self->host_view[PAGE + 15]);	/* rep stosb: nothing */
	/* one per write: mov, lock or, 16 iterations of rep stosb */
	EXPECT_EQ(18, discarded(self->d));

	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(2, self->uc.args[0]);
	EXPECT_EQ(0x33, self->host_view[2 * PAGE]);
	/* read-only while the guest runs: effective on return */
	ASSERT_EQ(0, tvx_ro_add(self->h, mfn + 2, mfn + 2));

	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(3, self->uc.args[0]);
	EXPECT_EQ(0x33, self->host_view[2 * PAGE]);
	EXPECT_EQ(0x33, self->uc.args[1]);
	EXPECT_EQ(19, discarded(self->d));

	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(4, self->uc.args[0]);
	ASSERT_EQ(0, tvx_ro_remove(self->h, mfn + 2, mfn + 2));
	RUN_EXPECT(TVX_UCALL_DONE);
	EXPECT_EQ(0x55, self->host_view[2 * PAGE]);	/* writes land again */
	EXPECT_EQ(19, discarded(self->d));

	EXPECT_EQ(0, tvx_ro_remove(self->h, mfn + 1, mfn + 1));
	EXPECT_EQ(-ENOENT, tvx_ro_remove(self->h, mfn + 1, mfn + 1));
}

/* RAM for mf_check(): the forms' RAM run, the string forms' other side */
static __u64 mf_ram[2], mf_buf[2];

static void guest_ro_forms(__u64 base)
{
	mf_check((volatile __u64 *)(uintptr_t)(base + PAGE), mf_ram, mf_buf, 1);
	GUEST_DONE();
}

/*
 * The forms compilers emit for device registers (mmio_forms.h) on a
 * read-only device frame: each reads the device's real value and sets
 * registers and flags as on RAM; only the write is dropped. (A
 * read-modify-write used to be stepped against the scratch page, and so
 * computed on what that page held.)
 */
TEST_F(ro, forms_read_the_device_and_only_the_write_is_dropped)
{
	static const __u8 pat[16] = { 0x7f, 0x80, 0xff, 0x00, 0x01, 0xfe,
				      0x10, 0xef, 0x80, 0x00, 0x01, 0x00,
				      0x00, 0x00, 0x00, 0x80 };
	__u64 mfn = self->bar >> 12;
	unsigned int i;

	for (i = 0; i < sizeof(pat); i++)
		self->host_view[PAGE + i] = pat[i];
	ASSERT_EQ(0, tvx_assign_device_unsafe(self->d, self->sbdf));
	ASSERT_EQ(0, tvx_assign_device_bar(self->d, self->sbdf, 0, BAR_GFN));
	ASSERT_EQ(0, tvx_ro_add(self->h, mfn + 1, mfn + 1));
	ASSERT_EQ(0, tvx_vcpu_setup_long_mode(self->v, self->d,
					      (__u64)(uintptr_t)guest_ro_forms, 0));
	ASSERT_EQ(0, tvx_vcpu_set_args(self->v, BAR_GFN << 12, 0, 0));
	RUN_EXPECT(TVX_UCALL_DONE);
	for (i = 0; i < sizeof(pat); i++)
		EXPECT_EQ(pat[i], self->host_view[PAGE + i]);
	EXPECT_LT(0, discarded(self->d));
	EXPECT_EQ(0, tvx_ro_remove(self->h, mfn + 1, mfn + 1));
}

/* Set up the read-only frame at BAR_GFN + 1 and the reporting guest. */
static void ro_reported_setup(struct __test_metadata *_metadata,
			      FIXTURE_DATA(ro) *self, struct tvx_monitor **m,
			      __u32 mode)
{
	__u64 mfn = self->bar >> 12;

	ASSERT_EQ(0, tvx_assign_device_unsafe(self->d, self->sbdf));
	ASSERT_EQ(0, tvx_assign_device_bar(self->d, self->sbdf, 0, BAR_GFN));
	ASSERT_EQ(0, tvx_ro_add(self->h, mfn + 1, mfn + 1));
	ASSERT_EQ(0, tvx_monitor_attach(self->d, 0, 0, m));
	ASSERT_EQ(0, tvx_monitor_set(*m, THINVMX_MONITOR_RO_MMIO_WRITE, mode, 0));
	ASSERT_EQ(0, tvx_vcpu_setup_long_mode(self->v, self->d,
					      (__u64)(uintptr_t)guest_ro_reported, 0));
	ASSERT_EQ(0, tvx_vcpu_set_args(self->v, BAR_GFN << 12, 0, 0));
}

/* What both modes must show: the writes discarded, and how they were. */
static void ro_reported_check(struct __test_metadata *_metadata,
			      FIXTURE_DATA(ro) *self, struct daemon *dm)
{
	__u64 mfn = self->bar >> 12;
	unsigned int i;

	EXPECT_EQ(0xee, self->uc.args[0]);
	EXPECT_EQ(0xee, self->uc.args[1]);
	EXPECT_EQ(0xee, self->host_view[PAGE + 8]);
	EXPECT_EQ(2, discarded(self->d));
	ASSERT_EQ(2, dm->count[THINVMX_EVENT_RO_MMIO_WRITE]);
	for (i = 0; i < 2; i++) {
		const struct thinvmx_event *ev = &dm->evs[i];

		EXPECT_EQ(THINVMX_EVENT_RO_MMIO_WRITE, ev->reason);
		EXPECT_TRUE(ev->flags & THINVMX_EVENT_F_GFN_VALID);
		EXPECT_EQ(BAR_GFN + 1, ev->u.ro_mmio.gfn);
		EXPECT_EQ(mfn + 1, ev->u.ro_mmio.mfn);
		EXPECT_EQ(8 + i, ev->u.ro_mmio.offset);
		if (ev->flags & THINVMX_EVENT_F_GLA_VALID)
			EXPECT_EQ((BAR_GFN << 12) + PAGE + 8 + i, ev->u.ro_mmio.gla);
	}
	EXPECT_LT(dm->evs[0].regs.rip, dm->evs[1].regs.rip);
	EXPECT_EQ(0, tvx_ro_remove(self->h, mfn + 1, mfn + 1));
}

TEST_F(ro, read_only_writes_reported_async)
{
	struct tvx_monitor *m;
	struct daemon dm;

	ro_reported_setup(_metadata, self, &m, THINVMX_MONITOR_MODE_ASYNC);
	daemon_init(&dm, m, self->d, 1);
	RUN_EXPECT(TVX_UCALL_SYNC);
	EXPECT_EQ(2, daemon_drain(&dm));
	EXPECT_FALSE(dm.evs[0].flags & THINVMX_EVENT_F_SYNC);
	ro_reported_check(_metadata, self, &dm);
	tvx_monitor_detach(m);
}

/* Sync: the first write's answer asks for a step, the second's not. */
static void step_first(struct daemon *dm, const struct thinvmx_event *ev,
		       struct thinvmx_response *rsp)
{
	if (ev->reason == THINVMX_EVENT_RO_MMIO_WRITE && ev->seq == 1)
		rsp->flags = THINVMX_RESPONSE_SINGLESTEP;
}

TEST_F(ro, read_only_writes_reported_sync)
{
	struct tvx_monitor *m;
	struct daemon dm;

	ro_reported_setup(_metadata, self, &m, THINVMX_MONITOR_MODE_SYNC);
	daemon_init(&dm, m, self->d, 1);
	dm.policy = step_first;
	ASSERT_EQ(0, daemon_start(&dm));
	RUN_EXPECT(TVX_UCALL_SYNC);
	daemon_stop(&dm);
	EXPECT_EQ(0, dm.error);
	EXPECT_TRUE(dm.evs[0].flags & THINVMX_EVENT_F_SYNC);
	/*
	 * The MOV is discarded and the ROL stepped: its own event comes
	 * first, then its discard by scratch step, which is the step.
	 */
	ASSERT_EQ(3, dm.nr);
	EXPECT_EQ(THINVMX_EVENT_SINGLESTEP, dm.evs[2].reason);
	EXPECT_EQ(dm.evs[1].regs.rip + 3, dm.evs[2].regs.rip);
	ro_reported_check(_metadata, self, &dm);
	tvx_monitor_detach(m);
}

TEST_F(ro, counted_users_and_bad_ranges)
{
	__u64 mfn = self->bar >> 12;
	struct thinvmx_ro_entry e[16];
	unsigned int nr, i, users = 0;

	/* two users of one frame: it stays until the second goes */
	ASSERT_EQ(0, tvx_ro_add(self->h, mfn, mfn + 1));
	ASSERT_EQ(0, tvx_ro_add(self->h, mfn + 1, mfn + 1));
	ASSERT_EQ(0, tvx_ro_list(self->h, e, 16, &nr));
	for (i = 0; i < nr && i < 16; i++)
		if (e[i].first_mfn == mfn + 1)
			users = e[i].users;
	EXPECT_EQ(2, users);
	ASSERT_EQ(0, tvx_ro_remove(self->h, mfn, mfn + 1));
	ASSERT_EQ(0, tvx_ro_list(self->h, e, 16, &nr));
	EXPECT_EQ(1, nr);
	EXPECT_EQ(1, e[0].users);
	ASSERT_EQ(0, tvx_ro_remove(self->h, mfn + 1, mfn + 1));
	ASSERT_EQ(0, tvx_ro_list(self->h, e, 16, &nr));
	EXPECT_EQ(0, nr);

	EXPECT_EQ(-EINVAL, tvx_ro_add(self->h, mfn + 1, mfn));
	EXPECT_EQ(-ENOENT, tvx_ro_remove(self->h, mfn, mfn));
	/* RAM is never device memory (mmio_gate_test: every refusal) */
	EXPECT_EQ(-EPERM, tvx_map_mmio(self->d, BAR_GFN, 0x100, 1));
	/* an I/O BAR or a BAR that is not there, of a device it has */
	ASSERT_EQ(0, tvx_assign_device_unsafe(self->d, self->sbdf));
	EXPECT_EQ(-EINVAL, tvx_assign_device_bar(self->d, self->sbdf, 6, BAR_GFN));
	EXPECT_EQ(-ENODEV, tvx_assign_device_bar(self->d, THINVMX_PCI_SBDF(0, 0xfe, 31, 7),
						 0, BAR_GFN));
}

static __u32 domain_id(struct tvx_domain *d)
{
	struct thinvmx_domain_info info;

	return tvx_domain_info(d, &info) ? ~0U : info.id;
}

/* Registrations of the read-only set for device @sbdf (its table, PBA). */
static int device_records(struct tvx_handle *h, __u32 sbdf, __u32 domain)
{
	struct thinvmx_ro_entry e[64];
	unsigned int nr, i;
	int n = 0;

	if (tvx_ro_list(h, e, 64, &nr))
		return -1;
	for (i = 0; i < nr && i < 64; i++)
		if (e[i].kind != THINVMX_RO_ADMIN && e[i].sbdf == sbdf &&
		    e[i].domain == domain)
			n++;
	return n;
}

/*
 * ASSIGN_DEVICE_BAR maps only a device given to the same domain with
 * ASSIGN_DEVICE, whose DMA is then confined (or the administrator said
 * allow_unsafe_assignment): a guest programs DMA through its BAR. Else
 * -EPERM, the device named in dmesg, and nothing registered or mapped.
 */
TEST_F(ro, a_bar_of_a_device_not_assigned_here_is_refused)
{
	const char *bdf = strrchr(self->dev, '/') + 1;
	__u32 id = domain_id(self->d), other_id;
	struct tvx_domain *other;
	char want[200];
	int kmsg;

	kmsg = tvx_kmsg_open();
	ASSERT_LE(0, kmsg);
	EXPECT_EQ(-EPERM, tvx_assign_device_bar(self->d, self->sbdf, 0, BAR_GFN));
	snprintf(want, sizeof(want),
		 "%s: thinvmx: ASSIGN_DEVICE_BAR refused: not assigned to domain %u",
		 bdf, id);
	EXPECT_TRUE(tvx_kmsg_find(kmsg, want)) TH_LOG("dmesg lacks '%s'", want);
	EXPECT_EQ(0, device_records(self->h, self->sbdf, id));
	EXPECT_EQ(-EPERM, tvx_map_mmio(self->d, BAR_GFN, self->bar >> 12, 1));

	/* given to another domain: not this one's either */
	ASSERT_EQ(0, tvx_domain_create_simple(self->h, MEM_BYTES, &other));
	other_id = domain_id(other);
	EXPECT_EQ(0, tvx_assign_device_unsafe(other, self->sbdf));
	EXPECT_EQ(-EPERM, tvx_assign_device_bar(self->d, self->sbdf, 0, BAR_GFN));
	EXPECT_EQ(0, device_records(self->h, self->sbdf, id));
	EXPECT_EQ(0, tvx_assign_device_bar(other, self->sbdf, 0, BAR_GFN));
	tvx_domain_destroy(other);
	EXPECT_EQ(0, device_records(self->h, self->sbdf, other_id));
	/* the dead domain gave it back, and nothing of it stays */
	ASSERT_EQ(0, tvx_assign_device_unsafe(self->d, self->sbdf));
	EXPECT_EQ(0, tvx_assign_device_bar(self->d, self->sbdf, 0, BAR_GFN));
	close(kmsg);
}

/*
 * DEASSIGN_DEVICE undoes what ASSIGN_DEVICE_BAR registered: the device's
 * MSI-X table and PBA leave the read-only set (RO_LIST) and nothing says
 * the domain still has the device (its BARs no longer pass MAP_MMIO, a
 * new ASSIGN_DEVICE_BAR is refused, and allowed again, not -EEXIST, once
 * it is assigned again). The Bochs VGA has no MSI-X, so there the
 * records are zero throughout; a device with MSI-X makes that count two.
 */
TEST_F(ro, deassign_device_drops_what_the_bar_registered)
{
	__u32 id = domain_id(self->d);
	struct thinvmx_msix_info info;
	__u64 mfn = self->bar >> 12;
	__u32 type;
	int want;

	want = tvx_pci_msix_info(self->h, self->sbdf, &info) ? 0 : 2;
	TH_LOG("the device has %s", want ? "MSI-X" : "no MSI-X");
	ASSERT_EQ(0, tvx_assign_device_unsafe(self->d, self->sbdf));
	ASSERT_EQ(0, tvx_assign_device_bar(self->d, self->sbdf, 0, BAR_GFN));
	EXPECT_EQ(want, device_records(self->h, self->sbdf, id));
	/* the BAR's first frame once more, through MAP_MMIO */
	ASSERT_EQ(0, tvx_map_mmio(self->d, BAR_GFN + 0x3000, mfn, 1));
	ASSERT_EQ(0, tvx_get_mem_access(self->d, BAR_GFN, &type, NULL));
	EXPECT_EQ(THINVMX_P2M_MMIO_DIRECT, type);
	ASSERT_EQ(0, tvx_get_mem_access(self->d, BAR_GFN + 0x3000, &type, NULL));
	EXPECT_EQ(THINVMX_P2M_MMIO_DIRECT, type);

	ASSERT_EQ(0, tvx_deassign_device(self->d, self->sbdf));
	EXPECT_EQ(0, device_records(self->h, self->sbdf, id));
	/* the guest reaches the device through neither mapping any more */
	EXPECT_EQ(-EINVAL, tvx_get_mem_access(self->d, BAR_GFN, &type, NULL));
	EXPECT_EQ(-EINVAL, tvx_get_mem_access(self->d, BAR_GFN + 0x3000, &type, NULL));
	EXPECT_EQ(-EPERM, tvx_map_mmio(self->d, BAR_GFN + 0x2000, mfn, 1));
	EXPECT_EQ(-EPERM, tvx_assign_device_bar(self->d, self->sbdf, 0,
						BAR_GFN + 0x1000));

	ASSERT_EQ(0, tvx_assign_device_unsafe(self->d, self->sbdf));
	EXPECT_EQ(0, tvx_assign_device_bar(self->d, self->sbdf, 0,
					   BAR_GFN + 0x1000));
	EXPECT_EQ(want, device_records(self->h, self->sbdf, id));
}

/* ------------------------------------------------------------ MSI-X */

/* "Vector table: BAR=0 offset=0000c000" from lspci -vv */
static bool lspci_msix(const char *bdf, unsigned int *tbir, unsigned int *toff,
		       unsigned int *pbir, unsigned int *poff, unsigned int *count)
{
	char cmd[128], line[512];
	bool t = false, p = false, c = false;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "lspci -vv -s %s 2>/dev/null", bdf);
	f = popen(cmd, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *s;

		if ((s = strstr(line, "MSI-X: Enable")) && (s = strstr(s, "Count=")))
			c = sscanf(s, "Count=%u", count) == 1;
		if ((s = strstr(line, "Vector table: BAR=")))
			t = sscanf(s, "Vector table: BAR=%u offset=%x", tbir, toff) == 2;
		if ((s = strstr(line, "PBA: BAR=")))
			p = sscanf(s, "PBA: BAR=%u offset=%x", pbir, poff) == 2;
	}
	pclose(f);
	return t && p && c;
}

TEST(msix_decoding_matches_lspci)
{
	unsigned int tbir, toff, pbir, poff, count;
	struct thinvmx_msix_info info;
	struct tvx_handle *h;
	char dev[300];
	__u64 size, bar;
	__u32 sbdf;

	if (tvx_open(&h))
		SKIP(return, "no %s", THINVMX_DEVICE);
	if (!find_pci("0x0200", &sbdf, dev, sizeof(dev))) {
		tvx_close(h);
		SKIP(return, "no network controller (MSI-X device) here");
	}
	if (!lspci_msix(strrchr(dev, '/') + 1, &tbir, &toff, &pbir, &poff, &count)) {
		tvx_close(h);
		SKIP(return, "no lspci, or the device has no MSI-X");
	}
	ASSERT_EQ(0, tvx_pci_msix_info(h, sbdf, &info));
	TH_LOG("table BAR %u +%#x, PBA BAR %u +%#x, %u entries",
	       info.table_bir, info.table_offset, info.pba_bir, info.pba_offset,
	       info.nr_entries);
	EXPECT_EQ(count, info.nr_entries);
	EXPECT_EQ(tbir, info.table_bir);
	EXPECT_EQ(toff, info.table_offset);
	EXPECT_EQ(pbir, info.pba_bir);
	EXPECT_EQ(poff, info.pba_offset);
	bar = bar_start(dev, tbir, &size);
	EXPECT_EQ((bar + toff) >> 12, info.table_first_mfn);
	EXPECT_EQ((bar + toff + count * 16 - 1) >> 12, info.table_last_mfn);
	bar = bar_start(dev, pbir, &size);
	EXPECT_EQ((bar + poff) >> 12, info.pba_first_mfn);
	EXPECT_EQ((bar + poff + (count + 63) / 64 * 8 - 1) >> 12, info.pba_last_mfn);
	tvx_close(h);
}

TEST_HARNESS_MAIN
