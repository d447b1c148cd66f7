// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of p2m types and access rights (kmod/ept/p2m.c), compiled from
 * the module's own source file. The expectations come from tables written
 * here from DESIGN.md and the SDM (entry bit positions included), not from
 * the code under test.
 */
#include "../../lib/pure.h"
#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../kmod/ept/p2m.c"

/* EPT leaf bits as the SDM numbers them, and the documented layout. */
#define E_R		BIT_ULL(0)
#define E_W		BIT_ULL(1)
#define E_X		BIT_ULL(2)
#define E_MT(e)		(((e) >> 3) & 7)
#define E_IPAT		BIT_ULL(6)
#define E_LEAF		BIT_ULL(7)
#define E_A		BIT_ULL(8)
#define E_D		BIT_ULL(9)
#define E_ADDR		GENMASK_ULL(51, 12)
#define E_TYPE(e)	(((e) >> 52) & 7)
#define E_ACCESS(e)	(((e) >> 55) & 15)
#define E_SVE		BIT_ULL(63)
/* bits no entry may have: user-exec, 11, 59-62 */
#define E_UNUSED	(BIT_ULL(10) | BIT_ULL(11) | GENMASK_ULL(62, 59))

#define NTYPES		6
#define NACCESS		10

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			print_error(__VA_ARGS__);			\
			fail_msg("%s", #cond);				\
		}							\
	} while (0)

/* DESIGN.md, "p2m types and access rights": [type] = rights by ro_frame */
static const struct {
	const char *rights[2];
	int memtype;		/* -1: none (not present) */
} type_table[NTYPES] = {
	[THINVMX_P2M_INVALID]		= { { "---", "---" }, -1 },
	[THINVMX_P2M_RAM_RW]		= { { "rwx", "rwx" }, 6 },
	[THINVMX_P2M_RAM_RO]		= { { "r-x", "r-x" }, 6 },
	[THINVMX_P2M_RAM_LOGDIRTY]	= { { "r-x", "r-x" }, 6 },
	[THINVMX_P2M_MMIO_DIRECT]	= { { "rwx", "r-x" }, 0 },
	[THINVMX_P2M_MMIO_DM]		= { { "---", "---" }, -1 },
};

/* Xen's mem_access meanings */
static const char *const access_table[NACCESS] = {
	[THINVMX_ACCESS_N]	= "---",
	[THINVMX_ACCESS_R]	= "r--",
	[THINVMX_ACCESS_W]	= "-w-",
	[THINVMX_ACCESS_RW]	= "rw-",
	[THINVMX_ACCESS_X]	= "--x",
	[THINVMX_ACCESS_RX]	= "r-x",
	[THINVMX_ACCESS_WX]	= "-wx",
	[THINVMX_ACCESS_RWX]	= "rwx",
	[THINVMX_ACCESS_RX2RW]	= "r-x",
	[THINVMX_ACCESS_N2RWX]	= "---",
};

static const u32 after_violation_table[NACCESS] = {
	[THINVMX_ACCESS_N]	= THINVMX_ACCESS_N,
	[THINVMX_ACCESS_R]	= THINVMX_ACCESS_R,
	[THINVMX_ACCESS_W]	= THINVMX_ACCESS_W,
	[THINVMX_ACCESS_RW]	= THINVMX_ACCESS_RW,
	[THINVMX_ACCESS_X]	= THINVMX_ACCESS_X,
	[THINVMX_ACCESS_RX]	= THINVMX_ACCESS_RX,
	[THINVMX_ACCESS_WX]	= THINVMX_ACCESS_WX,
	[THINVMX_ACCESS_RWX]	= THINVMX_ACCESS_RWX,
	[THINVMX_ACCESS_RX2RW]	= THINVMX_ACCESS_RW,
	[THINVMX_ACCESS_N2RWX]	= THINVMX_ACCESS_RWX,
};

/*
 * What EPT can express of the rights wanted (SDM 29.3.3.1): W without R
 * is misconfigured, X alone needs execute-only support. p2m.c's choice:
 * grant less, never more.
 */
static const struct {
	const char *want, *no_xo, *xo;
} hw_table[] = {
	{ "---", "---", "---" },
	{ "r--", "r--", "r--" },
	{ "-w-", "---", "---" },
	{ "rw-", "rw-", "rw-" },
	{ "--x", "---", "--x" },
	{ "r-x", "r-x", "r-x" },
	{ "-wx", "---", "--x" },
	{ "rwx", "rwx", "rwx" },
};

static u32 rights_of(const char *s)
{
	return (s[0] == 'r' ? 1 : 0) | (s[1] == 'w' ? 2 : 0) |
	       (s[2] == 'x' ? 4 : 0);
}

static const char *type_rights(u32 type, bool ro)
{
	return type < NTYPES ? type_table[type].rights[ro] : "---";
}

static const char *access_rights(u32 access)
{
	return access < NACCESS ? access_table[access] : "---";
}

/* The R/W/X bits the leaf must have. */
static u32 expect_rights(u32 type, u32 access, bool ro, bool xo)
{
	const char *t = type_rights(type, ro), *a = access_rights(access);
	char want[4];
	unsigned int i;

	for (i = 0; i < 3; i++)
		want[i] = (t[i] != '-' && a[i] != '-') ? t[i] : '-';
	want[3] = 0;
	for (i = 0; i < ARRAY_SIZE(hw_table); i++)
		if (!strcmp(hw_table[i].want, want))
			return rights_of(xo ? hw_table[i].xo : hw_table[i].no_xo);
	fail_msg("no hw_table row for %s", want);
	return 0;
}

/* An independent reading of SDM 29.3.3.1 for a leaf at @level. */
static const char *misconfig(u64 e, int level, const struct p2m_ept_caps *c)
{
	u64 mt = E_MT(e);

	if (!(e & (E_R | E_W | E_X)))
		return NULL;	/* not present: the rest is ignored */
	if ((e & E_W) && !(e & E_R))
		return "write without read";
	if ((e & (E_R | E_W | E_X)) == E_X && !c->exec_only)
		return "execute-only without support";
	if (mt == 2 || mt == 3 || mt == 7)
		return "reserved memory type";
	if (level < 0 || level > 2)
		return "no leaf at this level";
	if (level == 1 && (!c->page_2m || !(e & E_LEAF)))
		return "bad 2 MiB leaf";
	if (level == 2 && (!c->page_1g || !(e & E_LEAF)))
		return "bad 1 GiB leaf";
	if (level > 0 && (e & GENMASK_ULL(12 + 9 * level - 1, 12)))
		return "reserved address bits";
	return NULL;
}

static struct p2m_ept_caps caps_of(unsigned int c)
{
	return (struct p2m_ept_caps){
		.exec_only = c & 1, .page_2m = c & 2, .page_1g = c & 4,
		.nx_huge = c & 8,
	};
}

static const struct p2m_ept_caps full = {
	.exec_only = true, .page_2m = true, .page_1g = true,
};

static const struct p2m_ept_caps no_xo = {
	.page_2m = true, .page_1g = true,
};

/* the same with nx_huge_pages on */
static const struct p2m_ept_caps full_nx = {
	.exec_only = true, .page_2m = true, .page_1g = true, .nx_huge = true,
};

static const struct p2m_ept_caps no_xo_nx = {
	.page_2m = true, .page_1g = true, .nx_huge = true,
};

/* The R/W/X bits a leaf at @level must have: no X in a superpage with nx. */
static u32 expect_rights_at(u32 type, u32 access, bool ro,
			    const struct p2m_ept_caps *c, int level)
{
	return expect_rights(type, access, ro, c->exec_only) &
	       ~(c->nx_huge && level > 0 ? E_X : 0);
}

static const u64 level_hpa[3] = {
	0x123400005000ULL, 0x123400600000ULL, 0x123480000000ULL,
};

static void test_entry_every_combination(void **state)
{
	const u64 garbage[] = {
		~0ULL, 0x5a5a5a5a5a5a5a5aULL, 0xa5a5a5a5a5a5a5a5ULL,
		E_A | E_D | E_W | BIT_ULL(63),
	};
	unsigned int c, i, n = 0;
	int level;
	u32 t, a, ro;

	(void)state;
	for (c = 0; c < 16; c++) {
		struct p2m_ept_caps caps = caps_of(c);

		for (level = -1; level <= 3; level++) {
			bool ok = level == 0 || (level == 1 && caps.page_2m) ||
				  (level == 2 && caps.page_1g);
			u64 hpa = ok ? level_hpa[level] : 0x1000;

			assert_int_equal(ok, p2m_ept_level_ok(&caps, level));
			for (t = 0; t < 8; t++)
			for (a = 0; a < 12; a++)
			for (ro = 0; ro < 2; ro++) {
				u64 e = p2m_ept_entry(&caps, 0, hpa, level, t, a, ro);
				u32 rights = expect_rights_at(t, a, ro, &caps, level);
				int mt = t < NTYPES ? type_table[t].memtype : -1;
				const char *why = misconfig(e, level, &caps);

				n++;
				if (!ok) {
					CHECK(e == 0, "level %d caps %u\n", level, c);
					for (i = 0; i < ARRAY_SIZE(garbage); i++)
						assert_int_equal(0, p2m_ept_entry(&caps, garbage[i],
							hpa, level, t, a, ro));
					continue;
				}
				CHECK(!why, "%s: caps %u level %d type %u access %u ro %u: %#llx\n",
				      why, c, level, t, a, ro, (unsigned long long)e);
				CHECK((e & 7) == rights,
				      "caps %u level %d type %u access %u ro %u: %#llx\n",
				      c, level, t, a, ro, (unsigned long long)e);
				if (mt < 0) {
					CHECK(E_MT(e) == 0 && !(e & E_IPAT), "type %u\n", t);
				} else {
					CHECK(E_MT(e) == (u64)mt && (e & E_IPAT), "type %u\n", t);
				}
				assert_int_equal(level > 0, !!(e & E_LEAF));
				assert_int_equal(hpa, e & E_ADDR);
				assert_int_equal(t < NTYPES ? t : THINVMX_P2M_INVALID, E_TYPE(e));
				assert_int_equal(a < NACCESS ? a : THINVMX_ACCESS_N, E_ACCESS(e));
				assert_int_equal(E_TYPE(e), p2m_entry_type(e));
				assert_int_equal(E_ACCESS(e), p2m_entry_access(e));
				assert_true(e & E_SVE);
				assert_int_equal(0, e & (E_A | E_D | E_UNUSED));

				/* garbage old entries of other frames: nothing kept */
				for (i = 0; i < ARRAY_SIZE(garbage); i++) {
					u64 old = garbage[i];

					if ((old & GENMASK_ULL(51, 12 + 9 * level)) == hpa)
						continue;
					assert_int_equal(e, p2m_ept_entry(&caps, old, hpa,
									 level, t, a, ro));
				}
				/* the same frame: accessed and dirty are kept, nothing else */
				assert_int_equal(e | E_A | E_D,
						 p2m_ept_entry(&caps, ~E_ADDR | hpa, hpa,
							       level, t, a, ro));
				assert_int_equal(e | E_D,
						 p2m_ept_entry(&caps, hpa | E_D | E_X | BIT_ULL(60),
							       hpa, level, t, a, ro));
				/* misaligned or too wide addresses are cut, never reserved */
				assert_int_equal(e, p2m_ept_entry(&caps, 0,
						 hpa | (BIT_ULL(12 + 9 * level) - 1) |
						 GENMASK_ULL(63, 52),
						 level, t, a, ro));
			}
		}
	}
	assert_int_equal(16 * 5 * 8 * 12 * 2, n);
}

static void test_entry_table_rows(void **state)
{
	u64 e;

	(void)state;
	/* a few rows spelled out in full */
	e = p2m_ept_entry(&full, 0, 0x5000, 0, THINVMX_P2M_RAM_RW,
			  THINVMX_ACCESS_RWX, false);
	assert_int_equal(0x8390000000005077ULL, e);
	e = p2m_ept_entry(&full, 0, 0x200000, 1, THINVMX_P2M_RAM_LOGDIRTY,
			  THINVMX_ACCESS_RWX, false);
	assert_int_equal(0x83b0000000200000ULL | 0xf5, e);
	e = p2m_ept_entry(&full, 0, 0xfee00000, 0, THINVMX_P2M_MMIO_DIRECT,
			  THINVMX_ACCESS_RWX, true);
	assert_int_equal(0x83c00000fee00045ULL, e);
	e = p2m_ept_entry(&full, 0, 0xfee00000, 0, THINVMX_P2M_MMIO_DIRECT,
			  THINVMX_ACCESS_RWX, false);
	assert_int_equal(0x83c00000fee00047ULL, e);
	e = p2m_ept_entry(&full, 0, 0, 0, THINVMX_P2M_MMIO_DM,
			  THINVMX_ACCESS_RWX, false);
	assert_int_equal(0x83d0000000000000ULL, e);
	/* access n on RAM: not present, but the type and frame are kept */
	e = p2m_ept_entry(&full, 0, 0x7000, 0, THINVMX_P2M_RAM_RW,
			  THINVMX_ACCESS_N, false);
	assert_int_equal(0x8010000000007070ULL, e);
	/* rx2rw and n2rwx start as rx and n */
	e = p2m_ept_entry(&full, 0, 0x7000, 0, THINVMX_P2M_RAM_RW,
			  THINVMX_ACCESS_RX2RW, false);
	assert_int_equal(E_R | E_X, e & 7);
	e = p2m_ept_entry(&full, 0, 0x7000, 0, THINVMX_P2M_RAM_RW,
			  THINVMX_ACCESS_N2RWX, false);
	assert_int_equal(0, e & 7);
	/* w and wx: no W without R; wx keeps X where exec-only exists */
	e = p2m_ept_entry(&full, 0, 0x7000, 0, THINVMX_P2M_RAM_RW,
			  THINVMX_ACCESS_W, false);
	assert_int_equal(0, e & 7);
	e = p2m_ept_entry(&full, 0, 0x7000, 0, THINVMX_P2M_RAM_RW,
			  THINVMX_ACCESS_WX, false);
	assert_int_equal(E_X, e & 7);
	e = p2m_ept_entry(&no_xo, 0, 0x7000, 0, THINVMX_P2M_RAM_RW,
			  THINVMX_ACCESS_WX, false);
	assert_int_equal(0, e & 7);
	e = p2m_ept_entry(&no_xo, 0, 0x7000, 0, THINVMX_P2M_RAM_RW,
			  THINVMX_ACCESS_X, false);
	assert_int_equal(0, e & 7);
	/* nx_huge: superpages lose X and nothing else, 4 KiB leaves keep it */
	e = p2m_ept_entry(&full_nx, 0, 0x200000, 1, THINVMX_P2M_RAM_RW,
			  THINVMX_ACCESS_RWX, false);
	assert_int_equal(0x83900000002000f3ULL, e);
	e = p2m_ept_entry(&full_nx, 0, 0x40000000, 2, THINVMX_P2M_RAM_RO,
			  THINVMX_ACCESS_RWX, false);
	assert_int_equal(0x83a0000040000000ULL | 0xf1, e);
	e = p2m_ept_entry(&full_nx, 0, 0x5000, 0, THINVMX_P2M_RAM_RW,
			  THINVMX_ACCESS_RWX, false);
	assert_int_equal(0x8390000000005077ULL, e);
	/* execute-only at 2 MiB: nothing left, not present (no misconfig) */
	e = p2m_ept_entry(&full_nx, 0, 0x200000, 1, THINVMX_P2M_RAM_RW,
			  THINVMX_ACCESS_X, false);
	assert_int_equal(0, e & 7);
}

static void test_decode_zero_and_rights(void **state)
{
	u32 a;

	(void)state;
	assert_int_equal(THINVMX_P2M_INVALID, p2m_entry_type(0));
	assert_int_equal(THINVMX_ACCESS_N, p2m_entry_access(0));
	for (a = 0; a < 16; a++) {
		u32 want = rights_of(access_rights(a));
		u32 tried;

		assert_int_equal(want, p2m_access_rights(a));
		assert_int_equal(a < NACCESS ? after_violation_table[a] : a,
				 p2m_access_after_violation(a));
		for (tried = 0; tried < 8; tried++)
			assert_int_equal(!(tried & ~want),
					 p2m_access_allows(a, tried));
	}
}

/* The kind a violation must be, from the tables: see p2m_ept_violation(). */
static const int type_kind[NTYPES] = {
	[THINVMX_P2M_INVALID]		= P2M_VIOL_UNMAPPED,
	[THINVMX_P2M_RAM_RW]		= -1,	/* the type never forbids */
	[THINVMX_P2M_RAM_RO]		= P2M_VIOL_RAM_RO_WRITE,
	[THINVMX_P2M_RAM_LOGDIRTY]	= P2M_VIOL_LOGDIRTY,
	[THINVMX_P2M_MMIO_DIRECT]	= P2M_VIOL_RO_MMIO_WRITE,
	[THINVMX_P2M_MMIO_DM]		= P2M_VIOL_MMIO_DM,
};

static void violate_at(const struct p2m_ept_caps *caps, u64 e, int level,
		       u32 tried, bool ro, struct p2m_violation *v)
{
	u64 qual = tried | (e & 7) << 3 | P2M_QUAL_GLA_VALID | P2M_QUAL_GLA_XLATE;

	memset(v, 0xa5, sizeof(*v));
	assert_int_equal(0, p2m_ept_violation(caps, e, level, qual, ro, v));
	assert_int_equal(tried, v->attempted);
	assert_true(v->gla_valid);
	assert_false(v->in_walk);
}

/* a violation on a 4 KiB leaf */
static void violate(const struct p2m_ept_caps *caps, u64 e, u32 tried,
		    bool ro, struct p2m_violation *v)
{
	violate_at(caps, e, 0, tried, ro, v);
}

static void test_violation_every_combination(void **state)
{
	static const u32 tries[] = { E_R, E_W, E_X, E_R | E_W };
	unsigned int xo, i;
	u32 t, a, ro;

	(void)state;
	for (xo = 0; xo < 2; xo++)
	for (t = 0; t < NTYPES; t++)
	for (a = 0; a < NACCESS; a++)
	for (ro = 0; ro < 2; ro++)
	for (i = 0; i < ARRAY_SIZE(tries); i++) {
		const struct p2m_ept_caps *caps = xo ? &full : &no_xo;
		u64 e = p2m_ept_entry(caps, 0, 0x9000, 0, t, a, ro);
		u32 tried = tries[i], has = expect_rights(t, a, ro, xo);
		u32 acc = rights_of(access_table[a]);
		u32 typ = rights_of(type_table[t].rights[ro]);
		struct p2m_violation v, w;
		int kind;
		u32 nt = t, na = a;

		if (!(tried & ~has))
			kind = P2M_VIOL_RETRY;
		else if (tried & ~acc) {
			kind = P2M_VIOL_ACCESS;
			na = after_violation_table[a];
		} else if (tried & ~typ)
			kind = type_kind[t];
		else
			kind = P2M_VIOL_ACCESS;	/* EPT cannot express it */
		if (kind == P2M_VIOL_LOGDIRTY)
			nt = THINVMX_P2M_RAM_RW;

		violate(caps, e, tried, ro, &v);
		CHECK((int)v.kind == kind && v.type == nt && v.access == na &&
		      v.rebuild == (nt != t || na != a),
		      "xo %u type %u access %u ro %u tried %u: kind %d type %u access %u rebuild %d\n",
		      xo, t, a, ro, tried, v.kind, v.type, v.access, v.rebuild);
		if (!v.rebuild)
			continue;

		/* after the step, the same access never violates the same way */
		e = p2m_ept_entry(caps, e, 0x9000, 0, v.type, v.access, ro);
		violate(caps, e, tried, ro, &w);
		assert_int_not_equal(v.kind, w.kind);
		if (w.kind != P2M_VIOL_LOGDIRTY)
			assert_int_equal(v.type, w.type);
		assert_int_equal(v.access, w.access);
		if (v.kind == P2M_VIOL_ACCESS)	/* rx2rw, n2rwx: now allowed */
			assert_true(p2m_access_allows(w.access, tried));
		if (v.kind == P2M_VIOL_LOGDIRTY)
			assert_int_equal(THINVMX_P2M_RAM_RW, w.type);
	}
}

static void test_violation_transitions(void **state)
{
	struct p2m_violation v;
	u64 e;

	(void)state;
	/* rx2rw: reads and fetches pass, the first write is reported, then rw */
	e = p2m_ept_entry(&full, 0, 0x9000, 0, THINVMX_P2M_RAM_RW,
			  THINVMX_ACCESS_RX2RW, false);
	violate(&full, e, E_R, false, &v);
	assert_int_equal(P2M_VIOL_RETRY, v.kind);
	violate(&full, e, E_X, false, &v);
	assert_int_equal(P2M_VIOL_RETRY, v.kind);
	violate(&full, e, E_W, false, &v);
	assert_int_equal(P2M_VIOL_ACCESS, v.kind);
	assert_int_equal(THINVMX_ACCESS_RW, v.access);
	assert_int_equal(THINVMX_P2M_RAM_RW, v.type);
	assert_true(v.rebuild);
	e = p2m_ept_entry(&full, e, 0x9000, 0, v.type, v.access, false);
	assert_int_equal(E_R | E_W, e & 7);
	violate(&full, e, E_W, false, &v);
	assert_int_equal(P2M_VIOL_RETRY, v.kind);
	violate(&full, e, E_X, false, &v);	/* rw forbids fetches now */
	assert_int_equal(P2M_VIOL_ACCESS, v.kind);
	assert_int_equal(THINVMX_ACCESS_RW, v.access);
	assert_false(v.rebuild);

	/* n2rwx: the first access of any kind is reported, then rwx */
	e = p2m_ept_entry(&full, 0, 0x9000, 0, THINVMX_P2M_RAM_RW,
			  THINVMX_ACCESS_N2RWX, false);
	violate(&full, e, E_R, false, &v);
	assert_int_equal(P2M_VIOL_ACCESS, v.kind);
	assert_int_equal(THINVMX_ACCESS_RWX, v.access);
	assert_true(v.rebuild);
	e = p2m_ept_entry(&full, e, 0x9000, 0, v.type, v.access, false);
	assert_int_equal(E_R | E_W | E_X, e & 7);

	/* logdirty: reads pass; a write marks dirty and makes it ram_rw */
	e = p2m_ept_entry(&full, 0, 0x9000, 0, THINVMX_P2M_RAM_LOGDIRTY,
			  THINVMX_ACCESS_RWX, false);
	violate(&full, e, E_R, false, &v);
	assert_int_equal(P2M_VIOL_RETRY, v.kind);
	violate(&full, e, E_R | E_W, false, &v);
	assert_int_equal(P2M_VIOL_LOGDIRTY, v.kind);
	assert_int_equal(THINVMX_P2M_RAM_RW, v.type);
	assert_int_equal(THINVMX_ACCESS_RWX, v.access);
	assert_true(v.rebuild);
	e = p2m_ept_entry(&full, e, 0x9000, 0, v.type, v.access, false);
	assert_int_equal(THINVMX_P2M_RAM_RW, p2m_entry_type(e));
	violate(&full, e, E_W, false, &v);
	assert_int_equal(P2M_VIOL_RETRY, v.kind);

	/* the access right is looked at before the type */
	e = p2m_ept_entry(&full, 0, 0x9000, 0, THINVMX_P2M_RAM_LOGDIRTY,
			  THINVMX_ACCESS_RX2RW, false);
	violate(&full, e, E_W, false, &v);
	assert_int_equal(P2M_VIOL_ACCESS, v.kind);
	assert_int_equal(THINVMX_P2M_RAM_LOGDIRTY, v.type);
	assert_int_equal(THINVMX_ACCESS_RW, v.access);
	e = p2m_ept_entry(&full, e, 0x9000, 0, v.type, v.access, false);
	violate(&full, e, E_W, false, &v);
	assert_int_equal(P2M_VIOL_LOGDIRTY, v.kind);
}

static void test_violation_types(void **state)
{
	struct p2m_violation v;
	u64 e;

	(void)state;
	e = p2m_ept_entry(&full, 0, 0x9000, 0, THINVMX_P2M_RAM_RO,
			  THINVMX_ACCESS_RWX, false);
	violate(&full, e, E_R | E_W, false, &v);
	assert_int_equal(P2M_VIOL_RAM_RO_WRITE, v.kind);
	assert_false(v.rebuild);

	e = p2m_ept_entry(&full, 0, 0xfee00000, 0, THINVMX_P2M_MMIO_DIRECT,
			  THINVMX_ACCESS_RWX, true);
	violate(&full, e, E_W, true, &v);
	assert_int_equal(P2M_VIOL_RO_MMIO_WRITE, v.kind);
	assert_false(v.rebuild);
	violate(&full, e, E_R, true, &v);
	assert_int_equal(P2M_VIOL_RETRY, v.kind);
	/* the frame left the read-only set; the entry is not rebuilt yet */
	violate(&full, e, E_W, false, &v);
	assert_int_equal(P2M_VIOL_RETRY, v.kind);
	assert_true(v.rebuild);
	/* the frame joined the set; the stale entry still allows the write */
	e = p2m_ept_entry(&full, 0, 0xfee00000, 0, THINVMX_P2M_MMIO_DIRECT,
			  THINVMX_ACCESS_RWX, false);
	violate(&full, e, E_W, true, &v);
	assert_int_equal(P2M_VIOL_RO_MMIO_WRITE, v.kind);
	assert_true(v.rebuild);

	e = p2m_ept_entry(&full, 0, 0, 0, THINVMX_P2M_MMIO_DM,
			  THINVMX_ACCESS_RWX, false);
	violate(&full, e, E_R, false, &v);
	assert_int_equal(P2M_VIOL_MMIO_DM, v.kind);
	violate(&full, e, E_W, false, &v);
	assert_int_equal(P2M_VIOL_MMIO_DM, v.kind);

	e = p2m_ept_entry(&full, 0, 0, 0, THINVMX_P2M_INVALID,
			  THINVMX_ACCESS_RWX, false);
	violate(&full, e, E_X, false, &v);
	assert_int_equal(P2M_VIOL_UNMAPPED, v.kind);
	/* a slot nothing was built in: unmapped, not an access violation */
	violate(&full, 0, E_R, false, &v);
	assert_int_equal(P2M_VIOL_UNMAPPED, v.kind);
	assert_false(v.rebuild);
	/* ...while an invalid entry with access n is the listener's choice */
	e = p2m_ept_entry(&full, 0, 0, 0, THINVMX_P2M_INVALID,
			  THINVMX_ACCESS_N, false);
	violate(&full, e, E_R, false, &v);
	assert_int_equal(P2M_VIOL_ACCESS, v.kind);
}

static void test_violation_inexpressible(void **state)
{
	struct p2m_violation v;
	u64 e;

	(void)state;
	/* w: EPT has no write-only; writes and reads are reported */
	e = p2m_ept_entry(&full, 0, 0x9000, 0, THINVMX_P2M_RAM_RW,
			  THINVMX_ACCESS_W, false);
	violate(&full, e, E_W, false, &v);
	assert_int_equal(P2M_VIOL_ACCESS, v.kind);
	assert_int_equal(THINVMX_ACCESS_W, v.access);
	assert_false(v.rebuild);
	violate(&full, e, E_R, false, &v);
	assert_int_equal(P2M_VIOL_ACCESS, v.kind);

	/* wx: fetches pass with execute-only, writes do not */
	e = p2m_ept_entry(&full, 0, 0x9000, 0, THINVMX_P2M_RAM_RW,
			  THINVMX_ACCESS_WX, false);
	violate(&full, e, E_X, false, &v);
	assert_int_equal(P2M_VIOL_RETRY, v.kind);
	violate(&full, e, E_W, false, &v);
	assert_int_equal(P2M_VIOL_ACCESS, v.kind);
	e = p2m_ept_entry(&no_xo, 0, 0x9000, 0, THINVMX_P2M_RAM_RW,
			  THINVMX_ACCESS_WX, false);
	violate(&no_xo, e, E_X, false, &v);
	assert_int_equal(P2M_VIOL_ACCESS, v.kind);

	/* x on a CPU without execute-only */
	e = p2m_ept_entry(&no_xo, 0, 0x9000, 0, THINVMX_P2M_RAM_RO,
			  THINVMX_ACCESS_X, false);
	violate(&no_xo, e, E_X, false, &v);
	assert_int_equal(P2M_VIOL_ACCESS, v.kind);
	/* but a write to ram_ro is the type's business even under w */
	e = p2m_ept_entry(&full, 0, 0x9000, 0, THINVMX_P2M_RAM_RO,
			  THINVMX_ACCESS_W, false);
	violate(&full, e, E_W, false, &v);
	assert_int_equal(P2M_VIOL_RAM_RO_WRITE, v.kind);
}

static void test_violation_qualification(void **state)
{
	u64 e = p2m_ept_entry(&full, 0, 0x9000, 0, THINVMX_P2M_RAM_RW,
			      THINVMX_ACCESS_R, false);
	struct p2m_violation v;

	(void)state;
	assert_int_equal(0, p2m_ept_violation(&full, e, 0, E_W | 0x08, false, &v));
	assert_false(v.gla_valid);
	assert_false(v.in_walk);
	assert_int_equal(0, p2m_ept_violation(&full, e, 0, E_W | BIT(7), false, &v));
	assert_true(v.gla_valid);
	assert_true(v.in_walk);		/* A/D update of a guest PTE */
	assert_int_equal(0, p2m_ept_violation(&full, e, 0, E_W | BIT(7) | BIT(8) |
					      BIT(12), false, &v));
	assert_true(v.gla_valid);
	assert_false(v.in_walk);
	assert_int_equal(P2M_VIOL_ACCESS, v.kind);
	assert_int_equal(E_W, v.attempted);

	/* nothing attempted, or fields p2m_ept_entry() never writes */
	assert_int_equal(-EINVAL, p2m_ept_violation(&full, e, 0, 0x38 | BIT(7),
						    false, &v));
	assert_int_equal(-EINVAL, p2m_ept_violation(&full, e | 7ULL << 52, 0, E_R,
						    false, &v));
	assert_int_equal(-EINVAL, p2m_ept_violation(&full, e | 15ULL << 55, 0, E_R,
						    false, &v));
	assert_int_equal(-EINVAL, p2m_ept_violation(&full, e | 10ULL << 55, 0, E_R,
						    false, &v));
}

static void test_change_type(void **state)
{
	/* [from][to]: 1 allowed */
	static const int ok[NTYPES][NTYPES] = {
		/*		   inv rw  ro  ld  mmio dm */
		[THINVMX_P2M_INVALID]	   = { 1, 1, 1, 1, 0, 1 },
		[THINVMX_P2M_RAM_RW]	   = { 1, 1, 1, 1, 0, 1 },
		[THINVMX_P2M_RAM_RO]	   = { 1, 1, 1, 1, 0, 1 },
		[THINVMX_P2M_RAM_LOGDIRTY] = { 1, 1, 1, 1, 0, 1 },
		[THINVMX_P2M_MMIO_DIRECT]  = { 0, 0, 0, 0, 1, 0 },
		[THINVMX_P2M_MMIO_DM]	   = { 1, 1, 1, 1, 0, 1 },
	};
	static const u32 unknown[] = { 6, 7, 100, ~0u };
	u32 from, to, i;

	(void)state;
	for (from = 0; from < NTYPES; from++)
		for (to = 0; to < NTYPES; to++)
			CHECK(p2m_change_type_ok(from, to) == (ok[from][to] ? 0 : -EINVAL),
			      "%u -> %u\n", from, to);
	for (i = 0; i < ARRAY_SIZE(unknown); i++) {
		for (to = 0; to < NTYPES; to++) {
			assert_int_equal(-EINVAL, p2m_change_type_ok(unknown[i], to));
			assert_int_equal(-EINVAL, p2m_change_type_ok(to, unknown[i]));
		}
		assert_int_equal(-EINVAL, p2m_change_type_ok(unknown[i], unknown[i]));
	}
}

static void test_split_keeps_everything(void **state)
{
	static u64 out[P2M_EPT_ENTRIES];
	unsigned int xo, ad;
	int level;
	u32 t, a, ro, i;

	(void)state;
	for (xo = 0; xo < 4; xo++)
	for (level = 1; level <= 2; level++)
	for (ad = 0; ad < 4; ad++)
	for (t = 0; t < NTYPES; t++)
	for (a = 0; a < NACCESS; a++)
	for (ro = 0; ro < 2; ro++) {
		static const struct p2m_ept_caps *const all[] = {
			&no_xo, &full, &no_xo_nx, &full_nx,
		};
		const struct p2m_ept_caps *caps = all[xo];
		u64 hpa = level_hpa[level];
		u64 old = hpa | (ad & 1 ? E_A : 0) | (ad & 2 ? E_D : 0);
		u64 leaf = p2m_ept_entry(caps, old, hpa, level, t, a, ro);
		u64 step = level == 2 ? 0x200000 : 0x1000;
		/* a 2 MiB leaf kept from executing: its 4 KiB parts may */
		u64 gain = caps->nx_huge && level == 1 ?
			   expect_rights_at(t, a, ro, caps, 0) & E_X : 0;

		assert_int_equal(old & (E_A | E_D), leaf & (E_A | E_D));
		assert_int_equal(0, p2m_split_leaf(caps, leaf, level, out));
		for (i = 0; i < P2M_EPT_ENTRIES; i++) {
			u64 c = out[i], addr = hpa + i * step;

			assert_int_equal(addr, c & E_ADDR);
			assert_int_equal(level == 2, !!(c & E_LEAF));
			assert_int_equal((leaf & 7) | gain, c & 7);
			assert_int_equal(leaf & 0x78, c & 0x78);	/* MT, IPAT */
			assert_int_equal(leaf & (E_A | E_D | E_SVE),
					 c & (E_A | E_D | E_SVE));
			assert_int_equal(t, p2m_entry_type(c));
			assert_int_equal(a, p2m_entry_access(c));
			assert_null(misconfig(c, level - 1, caps));
			/* exactly the leaf p2m_ept_entry() makes for that page */
			assert_int_equal(p2m_ept_entry(caps, addr | (leaf & (E_A | E_D)),
						       addr, level - 1, t, a, ro), c);
		}
	}
}

/*
 * nx_huge_pages: a fetch from a superpage its type and access right let
 * execute splits it (down to 4 KiB, where the same fetch is allowed); a
 * fetch the access right forbids is a mem_access violation as on 4 KiB,
 * one the type forbids is the type's, and reads and writes are what they
 * were without nx_huge. Every combination, against the tables.
 */
static void test_violation_nx_huge(void **state)
{
	static const u32 tries[] = { E_R, E_W, E_X, E_R | E_W };
	static u64 out[P2M_EPT_ENTRIES], out2[P2M_EPT_ENTRIES];
	unsigned int xo, i, splits = 0;
	int level;
	u32 t, a, ro;

	(void)state;
	for (xo = 0; xo < 2; xo++)
	for (level = 1; level <= 2; level++)
	for (t = 0; t < NTYPES; t++)
	for (a = 0; a < NACCESS; a++)
	for (ro = 0; ro < 2; ro++)
	for (i = 0; i < ARRAY_SIZE(tries); i++) {
		const struct p2m_ept_caps *caps = xo ? &full_nx : &no_xo_nx;
		const struct p2m_ept_caps *plain = xo ? &full : &no_xo;
		u64 hpa = level_hpa[level];
		u64 e = p2m_ept_entry(caps, 0, hpa, level, t, a, ro);
		u32 tried = tries[i], has = expect_rights_at(t, a, ro, caps, level);
		u32 small = expect_rights_at(t, a, ro, caps, 0);
		u32 acc = rights_of(access_table[a]);
		u32 typ = rights_of(type_table[t].rights[ro]);
		struct p2m_violation v, w;
		int kind, l;
		u64 c;

		if (!(tried & ~has))
			kind = P2M_VIOL_RETRY;
		else if (tried & ~acc)
			kind = P2M_VIOL_ACCESS;
		else if (tried & ~typ)
			kind = type_kind[t];
		else if (!(tried & ~small))
			kind = P2M_VIOL_NX_SPLIT;
		else
			kind = P2M_VIOL_ACCESS;	/* EPT cannot express it */

		violate_at(caps, e, level, tried, ro, &v);
		CHECK((int)v.kind == kind,
		      "xo %u level %d type %u access %u ro %u tried %u: kind %d, want %d\n",
		      xo, level, t, a, ro, tried, v.kind, kind);
		/* the entry is as it should be: rebuilt only for a new right */
		if (v.type == t && v.access == a)
			assert_false(v.rebuild);
		if (kind != P2M_VIOL_NX_SPLIT) {
			/*
			 * The same decision as without nx_huge: a plain
			 * superpage would have allowed only the fetches
			 * that split here.
			 */
			u64 p = p2m_ept_entry(plain, 0, hpa, level, t, a, ro);

			violate_at(plain, p, level, tried, ro, &w);
			assert_int_equal(w.kind, v.kind);
			assert_int_equal(w.type, v.type);
			assert_int_equal(w.access, v.access);
			continue;
		}
		/* only fetches, only what nx_huge took */
		assert_int_equal(E_X, tried);
		assert_false(v.rebuild);
		assert_int_equal(t, v.type);
		assert_int_equal(a, v.access);
		splits++;
		/* split down to 4 KiB: the fetch goes through there */
		c = e;
		for (l = level; l > 0; l--) {
			u64 *o = l == level ? out : out2;

			assert_int_equal(0, p2m_split_leaf(caps, c, l, o));
			c = o[3];
			violate_at(caps, c, l - 1, tried, ro, &w);
			assert_int_equal(l - 1 ? P2M_VIOL_NX_SPLIT : P2M_VIOL_RETRY,
					 w.kind);
			assert_false(w.rebuild);
		}
		assert_true(c & E_X);
	}
	/* ram_rw, ram_ro, ram_logdirty, mmio_direct (both ro) under x-rights */
	assert_true(splits > 0);
}

/* The listener's x-less right on a superpage under nx: its event, no split. */
static void test_violation_nx_huge_access(void **state)
{
	struct p2m_violation v;
	u64 e;

	(void)state;
	e = p2m_ept_entry(&full_nx, 0, 0x200000, 1, THINVMX_P2M_RAM_RW,
			  THINVMX_ACCESS_RW, false);
	violate_at(&full_nx, e, 1, E_X, false, &v);
	assert_int_equal(P2M_VIOL_ACCESS, v.kind);
	assert_int_equal(THINVMX_ACCESS_RW, v.access);
	assert_false(v.rebuild);
	/* n2rwx: reported first, then moved on to rwx, which splits */
	e = p2m_ept_entry(&full_nx, 0, 0x200000, 1, THINVMX_P2M_RAM_RW,
			  THINVMX_ACCESS_N2RWX, false);
	violate_at(&full_nx, e, 1, E_X, false, &v);
	assert_int_equal(P2M_VIOL_ACCESS, v.kind);
	assert_int_equal(THINVMX_ACCESS_RWX, v.access);
	assert_true(v.rebuild);
	e = p2m_ept_entry(&full_nx, e, 0x200000, 1, v.type, v.access, false);
	assert_int_equal(E_R | E_W, e & 7);
	violate_at(&full_nx, e, 1, E_X, false, &v);
	assert_int_equal(P2M_VIOL_NX_SPLIT, v.kind);
	/* the same rights on 4 KiB: plain execution */
	e = p2m_ept_entry(&full_nx, 0, 0x201000, 0, THINVMX_P2M_RAM_RW,
			  THINVMX_ACCESS_RWX, false);
	violate_at(&full_nx, e, 0, E_X, false, &v);
	assert_int_equal(P2M_VIOL_RETRY, v.kind);
	/* mmio_dm and invalid: the type's, as ever */
	e = p2m_ept_entry(&full_nx, 0, 0, 1, THINVMX_P2M_MMIO_DM,
			  THINVMX_ACCESS_RWX, false);
	violate_at(&full_nx, e, 1, E_X, false, &v);
	assert_int_equal(P2M_VIOL_MMIO_DM, v.kind);
	/* without nx_huge nothing ever splits for a fetch */
	e = p2m_ept_entry(&full, 0, 0x200000, 1, THINVMX_P2M_RAM_RW,
			  THINVMX_ACCESS_RWX, false);
	assert_int_equal(E_R | E_W | E_X, e & 7);
	assert_false(p2m_nx_huge_leaf(&full, 1));
	assert_false(p2m_nx_huge_leaf(&full_nx, 0));
	assert_true(p2m_nx_huge_leaf(&full_nx, 1));
	assert_true(p2m_nx_huge_leaf(&full_nx, 2));
}

static void test_split_refuses(void **state)
{
	static u64 out[P2M_EPT_ENTRIES];
	u64 leaf = p2m_ept_entry(&full, 0, 0x40000000, 2, THINVMX_P2M_RAM_RW,
				 THINVMX_ACCESS_RWX, false);
	unsigned int i;

	(void)state;
	memset(out, 0xee, sizeof(out));
	assert_int_equal(-EINVAL, p2m_split_leaf(&full, leaf, 0, out));
	assert_int_equal(-EINVAL, p2m_split_leaf(&full, leaf, 3, out));
	assert_int_equal(-EINVAL, p2m_split_leaf(&full, leaf, -1, out));
	assert_int_equal(-EINVAL, p2m_split_leaf(&full, 0x40000000 | 7, 1, out));
	assert_int_equal(-EINVAL, p2m_split_leaf(&full, 0, 2, out));
	for (i = 0; i < P2M_EPT_ENTRIES; i++)
		assert_int_equal(0xeeeeeeeeeeeeeeeeULL, out[i]);
}

static void test_range_covers(void **state)
{
	(void)state;
	/* 4 KiB: the frame itself */
	assert_true(p2m_range_covers(5, 1, 5, 0));
	assert_false(p2m_range_covers(5, 1, 4, 0));
	assert_false(p2m_range_covers(5, 1, 6, 0));
	assert_false(p2m_range_covers(5, 0, 5, 0));
	/* 2 MiB: 512 frames aligned on 512 */
	assert_true(p2m_range_covers(0, 512, 0, 1));
	assert_true(p2m_range_covers(0, 512, 511, 1));
	assert_false(p2m_range_covers(0, 511, 0, 1));
	assert_false(p2m_range_covers(1, 512, 1, 1));
	assert_false(p2m_range_covers(1, 512, 512, 1));
	assert_true(p2m_range_covers(1, 1023, 512, 1));
	assert_false(p2m_range_covers(1, 1022, 512, 1));
	assert_true(p2m_range_covers(512, 512, 700, 1));
	assert_false(p2m_range_covers(512, 512, 1024, 1));
	assert_false(p2m_range_covers(513, 1024, 700, 1));
	/* 1 GiB: 262144 frames */
	assert_true(p2m_range_covers(0x40000, 0x40000, 0x40000, 2));
	assert_true(p2m_range_covers(0x40000, 0x40000, 0x7ffff, 2));
	assert_false(p2m_range_covers(0x40000, 0x3ffff, 0x40000, 2));
	assert_false(p2m_range_covers(0x40001, 0x40000, 0x40001, 2));
	assert_true(p2m_range_covers(0x3ffff, 0x40001, 0x40000, 2));
	/* no overflow at the top of the frame number space */
	assert_true(p2m_range_covers(0, ~0ULL, 12345, 2));
	assert_true(p2m_range_covers(~0ULL - 511, 512, ~0ULL, 1));
	assert_false(p2m_range_covers(~0ULL - 510, ~0ULL, ~0ULL, 1));
	assert_false(p2m_range_covers(~0ULL, ~0ULL, 0, 0));
	/* not a leaf level */
	assert_false(p2m_range_covers(0, ~0ULL, 0, 3));
	assert_false(p2m_range_covers(0, ~0ULL, 0, -1));
}

static void test_map_level(void **state)
{
	static const struct p2m_ept_caps only_2m = { .page_2m = true };
	static const struct p2m_ept_caps only_4k = { 0 };
	const u64 g = 0x40000;		/* 1 GiB in frames */

	(void)state;
	/* both 1 GiB-aligned, a whole 1 GiB left */
	assert_int_equal(2, p2m_map_level(&full, g, g, g, 2));
	assert_int_equal(2, p2m_map_level(&full, 0, 3 * g, ~0ULL, 2));
	assert_int_equal(1, p2m_map_level(&full, g, g, g, 1));
	assert_int_equal(0, p2m_map_level(&full, g, g, g, 0));
	assert_int_equal(2, p2m_map_level(&full, g, g, g, 3));	/* capped */
	assert_int_equal(0, p2m_map_level(&full, g, g, g, -1));
	/* one frame short of 1 GiB: 2 MiB */
	assert_int_equal(1, p2m_map_level(&full, g, g, g - 1, 2));
	/* either side only 2 MiB-aligned: 2 MiB */
	assert_int_equal(1, p2m_map_level(&full, g + 512, g, g, 2));
	assert_int_equal(1, p2m_map_level(&full, g, g + 512, g, 2));
	/* either side not 2 MiB-aligned, or too little left: 4 KiB */
	assert_int_equal(0, p2m_map_level(&full, g + 1, g, g, 2));
	assert_int_equal(0, p2m_map_level(&full, g, g + 256, g, 2));
	assert_int_equal(0, p2m_map_level(&full, g, g, 511, 2));
	assert_int_equal(1, p2m_map_level(&full, g, g, 512, 2));
	assert_int_equal(0, p2m_map_level(&full, g, g, 0, 2));
	/* what the CPU lacks is never chosen */
	assert_int_equal(1, p2m_map_level(&only_2m, g, g, g, 2));
	assert_int_equal(0, p2m_map_level(&only_4k, g, g, g, 2));
	assert_int_equal(0, p2m_map_level(&only_4k, 0, 0, 512, 1));
}

/* ------------------------------------------------------------ views */

/*
 * A view's leaf (p2m_view_leaf()): view 0's frame and type, the view's
 * access right if it has one, 4 KiB always, and never a right the type
 * or the read-only set withholds.
 */
static void test_view_leaf(void **state)
{
	struct p2m_ept_caps nx = full;
	u64 l2m, l1g, e, ovr;
	u32 t, a;

	(void)state;
	nx.nx_huge = true;
	/* nothing in view 0: nothing in the view */
	assert_int_equal(0, p2m_view_leaf(&full, 0, 0, 5, 0, false));
	assert_int_equal(0, p2m_view_leaf(&full, 0, 0, 5,
					  p2m_view_set_access(0, THINVMX_ACCESS_RWX, false),
					  false));

	/* a frame inside a 2 MiB leaf: its own 4 KiB frame, view 0's rights */
	l2m = p2m_ept_entry(&nx, 0, 0x40000000, 1, THINVMX_P2M_RAM_RW,
			    THINVMX_ACCESS_RW, false);
	e = p2m_view_leaf(&nx, l2m, 1, 0x200 + 5, 0, false);
	assert_int_equal(0x40005000, e & E_ADDR);
	assert_false(e & E_LEAF);
	assert_int_equal(E_R | E_W, e & (E_R | E_W | E_X));
	assert_int_equal(THINVMX_P2M_RAM_RW, E_TYPE(e));
	assert_int_equal(THINVMX_ACCESS_RW, E_ACCESS(e));
	assert_true(e & E_SVE);
	/* under nx_huge the superpage had no X; the 4 KiB view leaf may */
	l2m = p2m_ept_entry(&nx, 0, 0x40000000, 1, THINVMX_P2M_RAM_RW,
			    THINVMX_ACCESS_RWX, false);
	assert_false(l2m & E_X);
	e = p2m_view_leaf(&nx, l2m, 1, 7, 0, false);
	assert_int_equal(E_R | E_W | E_X, e & (E_R | E_W | E_X));
	assert_int_equal(0x40007000, e & E_ADDR);

	/* a 1 GiB leaf: the frame's offset in it */
	l1g = p2m_ept_entry(&full, 0, 0x80000000, 2, THINVMX_P2M_RAM_RW,
			    THINVMX_ACCESS_RWX, false);
	e = p2m_view_leaf(&full, l1g, 2, (0x80000000 >> 12) + 0x3ffff, 0, false);
	assert_int_equal(0x80000000 + 0x3ffff000ULL, e & E_ADDR);

	/* every type and access: the view's right replaces view 0's, the type stays */
	for (t = 0; t < NTYPES; t++) {
		for (a = 0; a < NACCESS; a++) {
			u64 l0 = p2m_ept_entry(&full, 0, 0x9000, 0, t,
					       THINVMX_ACCESS_N, false);
			u64 want = p2m_ept_entry(&full, 0, 0x9000, 0, t, a, false);

			ovr = p2m_view_set_access(0, a, false);
			e = p2m_view_leaf(&full, l0, 0, 9, ovr, false);
			CHECK(e == want, "type %u access %u: %llx != %llx\n", t, a,
			      (unsigned long long)e, (unsigned long long)want);
			/* read-only frame: never W, whatever the type */
			e = p2m_view_leaf(&full, l0, 0, 9, ovr, true);
			CHECK(!(e & E_W), "ro: type %u access %u: %llx\n", t, a,
			      (unsigned long long)e);
		}
	}
	/* ram_ro, logdirty, mmio_dm: rwx as the view's right gives no W */
	ovr = p2m_view_set_access(0, THINVMX_ACCESS_RWX, false);
	e = p2m_view_leaf(&full, p2m_ept_entry(&full, 0, 0x9000, 0,
					       THINVMX_P2M_RAM_RO,
					       THINVMX_ACCESS_R, false),
			  0, 9, ovr, false);
	assert_int_equal(E_R | E_X, e & (E_R | E_W | E_X));
	e = p2m_view_leaf(&full, p2m_ept_entry(&full, 0, 0x9000, 0,
					       THINVMX_P2M_RAM_LOGDIRTY,
					       THINVMX_ACCESS_N, false),
			  0, 9, ovr, false);
	assert_int_equal(E_R | E_X, e & (E_R | E_W | E_X));
	e = p2m_view_leaf(&full, p2m_ept_entry(&full, 0, 0, 0,
					       THINVMX_P2M_MMIO_DM,
					       THINVMX_ACCESS_RWX, false),
			  0, 9, ovr, false);
	assert_int_equal(0, e & (E_R | E_W | E_X));
	/* read-only MMIO with rwx in the view: r-x, as in view 0 */
	e = p2m_view_leaf(&full, p2m_ept_entry(&full, 0, 0xfee00000, 0,
					       THINVMX_P2M_MMIO_DIRECT,
					       THINVMX_ACCESS_N, true),
			  0, 0xfee00, ovr, true);
	assert_int_equal(E_R | E_X, e & (E_R | E_W | E_X));
	assert_int_equal(0, E_MT(e));

	/* #VE: only the view's own right on ram_rw, never a read-only frame */
	l2m = p2m_ept_entry(&full, 0, 0x9000, 0, THINVMX_P2M_RAM_RW,
			    THINVMX_ACCESS_RWX, false);
	ovr = p2m_view_set_access(0, THINVMX_ACCESS_R, true);
	assert_false(p2m_view_leaf(&full, l2m, 0, 9, ovr, false) & E_SVE);
	assert_true(p2m_view_leaf(&full, l2m, 0, 9, ovr, true) & E_SVE);
	assert_true(p2m_view_leaf(&full, l2m, 0, 9,
				  p2m_view_set_access(0, THINVMX_ACCESS_R, false),
				  false) & E_SVE);
	assert_true(p2m_view_leaf(&full, l2m, 0, 9, P2M_VIEW_VE, false) & E_SVE);
	for (t = 0; t < NTYPES; t++) {
		if (t == THINVMX_P2M_RAM_RW)
			continue;
		e = p2m_ept_entry(&full, 0, 0x9000, 0, t, THINVMX_ACCESS_RWX, false);
		assert_true(p2m_view_leaf(&full, e, 0, 9, ovr, false) & E_SVE);
	}
	/* kept across a change of the frame shown; dropped with a new right */
	assert_true(p2m_view_set_gfn(ovr, 9, 12) & P2M_VIEW_VE);
	assert_false(p2m_view_set_access(ovr, THINVMX_ACCESS_RW, false) & P2M_VIEW_VE);
}

static void test_view_overrides(void **state)
{
	u64 ovr;
	u32 t;

	(void)state;
	assert_int_equal(5, p2m_view_source(0, 5));
	ovr = p2m_view_set_gfn(0, 5, 9);
	assert_int_equal(9, p2m_view_source(ovr, 5));
	assert_false(ovr & P2M_VIEW_OWN_ACCESS);
	/* an access right kept across a change of the frame shown, and back */
	ovr = p2m_view_set_access(ovr, THINVMX_ACCESS_X, false);
	assert_int_equal(9, p2m_view_source(ovr, 5));
	ovr = p2m_view_set_gfn(ovr, 5, THINVMX_VIEW_GFN_RESET);
	assert_int_equal(5, p2m_view_source(ovr, 5));
	assert_int_equal(P2M_VIEW_OWN_ACCESS |
			 ((u64)THINVMX_ACCESS_X << P2M_VIEW_ACCESS_SHIFT), ovr);
	/* showing itself is no change; no access and no change is nothing */
	assert_int_equal(0, p2m_view_set_gfn(0, 5, 5));
	assert_int_equal(0, p2m_view_set_gfn(p2m_view_set_gfn(0, 5, 7), 5,
					     THINVMX_VIEW_GFN_RESET));
	/* a high frame number survives */
	ovr = p2m_view_set_gfn(0, 1, (1ULL << 40) - 1);
	assert_int_equal((1ULL << 40) - 1, p2m_view_source(ovr, 1));
	/* only RAM is shown elsewhere */
	assert_false(p2m_view_shows(0));
	for (t = 0; t < NTYPES; t++) {
		u64 l = p2m_ept_entry(&full, 0, 0x9000, 0, t,
				      THINVMX_ACCESS_N, false);

		assert_int_equal(t == THINVMX_P2M_RAM_RW || t == THINVMX_P2M_RAM_RO ||
				 t == THINVMX_P2M_RAM_LOGDIRTY, p2m_view_shows(l));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_every_combination),
		cmocka_unit_test(test_entry_table_rows),
		cmocka_unit_test(test_decode_zero_and_rights),
		cmocka_unit_test(test_violation_every_combination),
		cmocka_unit_test(test_violation_transitions),
		cmocka_unit_test(test_violation_types),
		cmocka_unit_test(test_violation_inexpressible),
		cmocka_unit_test(test_violation_qualification),
		cmocka_unit_test(test_change_type),
		cmocka_unit_test(test_split_keeps_everything),
		cmocka_unit_test(test_split_refuses),
		cmocka_unit_test(test_violation_nx_huge),
		cmocka_unit_test(test_violation_nx_huge_access),
		cmocka_unit_test(test_range_covers),
		cmocka_unit_test(test_map_level),
		cmocka_unit_test(test_view_leaf),
		cmocka_unit_test(test_view_overrides),
	};

	return cmocka_run_group_tests_name("p2m", tests, NULL, NULL);
}
