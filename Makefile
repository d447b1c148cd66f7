# SPDX-License-Identifier: GPL-2.0
#
# thinvmx: the module (kbuild, see Kbuild), libthinvmx, the tools, the tests.
#
#   make            module, library and tools (after `make setup`)
#   make setup      install the Debian packages the build and the tests need
#   make unit       cmocka unit tests of the pure logic, on the host
#   make check      everything: unit, W=1 + sparse + checkpatch, both nested tiers
#   make demo       boot the nested VM and show thinvmx at work
#   make bench      benchmarks in the nested VM (thinvmx against kvm_intel)
#   make bench-host host mode off against on (host_bench alone)
#
# KDIR defaults to the running kernel's build tree when it exists, else to
# the Debian cloud kernel headers that `make setup` installs.

SHELL		:= /bin/bash
O		?= build
SRC		:= $(CURDIR)
CC		?= cc
CFLAGS_USER	:= -O2 -g -Wall -Wextra -Wno-unused-parameter -std=gnu11 \
		   -I$(SRC)/uapi -I$(SRC)/lib -D_GNU_SOURCE
NPROC		:= $(shell nproc 2>/dev/null || echo 2)
VERSION		:= 0.1.0
# make install / uninstall: every directory under PREFIX can be moved, and
# DESTDIR stages the whole tree (the Debian packages install with
# PREFIX=/usr LIBDIR=/usr/lib/<multiarch>)
PREFIX		?= /usr/local
LIBDIR		?= $(PREFIX)/lib
INCLUDEDIR	?= $(PREFIX)/include
SBINDIR		?= $(PREFIX)/sbin
MANDIR		?= $(PREFIX)/share/man

RUNNING_KDIR	:= /lib/modules/$(shell uname -r)/build
CLOUD_KVER	= $(shell apt-cache depends linux-image-cloud-amd64 2>/dev/null | \
			awk '/Depends: linux-image-[0-9]/ { sub("linux-image-", "", $$2); print $$2; exit }')
ifeq ($(KDIR),)
ifneq ($(wildcard $(RUNNING_KDIR)/Makefile),)
KDIR		:= $(RUNNING_KDIR)
else
KDIR		= /usr/src/linux-headers-$(CLOUD_KVER)
endif
endif

KMOD_SRCS	:= Kbuild $(shell find kmod uapi -name '*.[chS]' 2>/dev/null)

# ---------------------------------------------------------------- defaults

.PHONY: all module lib tools setup setup-nested unit kbuild-check sparse \
	checkpatch selftests benches nested-tcg nested-tcg-iommu nested-bochs nested-bochs-smp nested-bochs-host nested-bochs-kdump nested-bochs-kdump-host nested-bochs-1g \
	nested-bochs-ram1g \
	nested-kvm check demo bench bench-host \
	clean install uninstall install-dkms-source deb help

all: module lib tools

help:
	@sed -n '3,13p' Makefile | sed 's/^# \{0,1\}//'

setup:
	@tools/setup.sh >/dev/null

setup-nested:
	@tools/setup.sh --nested >/dev/null

# ---------------------------------------------------------------- module
#
# The module is built out of the source tree, in $(O)/kbuild/<kdir name>, so
# builds for the host kernel and for the nested VM's kernel live side by side.

# $(call kbuild,KDIR,EXTRA make args)
kbuild_dir = $(O)/kbuild/$(notdir $(1))
define kbuild
	@mkdir -p $(call kbuild_dir,$(1))
	@cp -a --parents --update $(KMOD_SRCS) $(call kbuild_dir,$(1))/
	$(MAKE) -C $(1) M=$(abspath $(call kbuild_dir,$(1))) O= $(2) modules
endef

module:
	@test -f $(KDIR)/Makefile || { echo "no kernel build tree at $(KDIR): run 'make setup' or pass KDIR=" >&2; exit 1; }
	$(call kbuild,$(KDIR),)
	@cp $(call kbuild_dir,$(KDIR))/thinvmx.ko $(O)/thinvmx.ko
	@echo "  module: $(O)/thinvmx.ko (for $(KDIR))"

# W=1 and sparse with no warnings at all; the log is kept for reading.
kbuild-check:
	@test -f $(KDIR)/Makefile || { echo "no kernel build tree at $(KDIR)" >&2; exit 1; }
	@mkdir -p $(call kbuild_dir,$(KDIR))-check
	@cp -a --parents --update $(KMOD_SRCS) $(call kbuild_dir,$(KDIR))-check/
	@$(MAKE) -s -C $(KDIR) M=$(abspath $(call kbuild_dir,$(KDIR))-check) O= clean
	@$(MAKE) -C $(KDIR) M=$(abspath $(call kbuild_dir,$(KDIR))-check) O= W=1 C=2 modules \
		> $(O)/kbuild-check.log 2>&1 || { cat $(O)/kbuild-check.log; exit 1; }
	@if grep -E 'warning:|error:|sparse:' $(O)/kbuild-check.log; then \
		echo "kbuild-check: FAIL: W=1/sparse warnings (full log: $(O)/kbuild-check.log)"; exit 1; \
	else echo "kbuild-check: W=1 and sparse clean"; fi

checkpatch: $(O)/.kernel-tools
	@files=$$(git ls-files 'kmod/*.[ch]' 'uapi/*.h'); \
	perl $(O)/checkpatch/checkpatch.pl --no-tree --strict --terse \
		--show-types -f $$files > $(O)/checkpatch.log 2>&1; rc=$$?; \
	if [ $$rc != 0 ] || grep -q -E 'WARNING|ERROR|CHECK' $(O)/checkpatch.log; then \
		cat $(O)/checkpatch.log; echo "checkpatch: FAIL"; exit 1; \
	else echo "checkpatch: clean ($$(echo $$files | wc -w) files)"; fi

$(O)/.kernel-tools:
	@tools/extract-kernel-tools.sh $(O)
	@touch $@

# ---------------------------------------------------------------- lib, tools

LIB_PURE	:= kmod/vmx/caps.c kmod/vmx/gwalk.c kmod/memevent/ring.c
LIB_SRCS	:= lib/libthinvmx.c lib/domain.c lib/guest_mem.c lib/guest_mode.c lib/ucall.c lib/p2m.c lib/view.c lib/stealth.c lib/ro.c lib/monitor.c lib/nl.c lib/boot.c lib/linux.c lib/uart.c lib/ioapic.c lib/gva.c lib/sysmap.c lib/control.c $(LIB_PURE)
LIB_HDRS	:= lib/libthinvmx.h lib/pure.h lib/boot.h lib/devices.h uapi/thinvmx.h uapi/thinvmx_introspect.h uapi/thinvmx_netlink.h $(wildcard kmod/*.h kmod/*/*.h)
# libnl-3 for the generic netlink client (lib/nl.c); static for the tools
NL_CFLAGS	= $(shell pkg-config --cflags libnl-genl-3.0)
NL_LIBS		= $(shell pkg-config --libs --static libnl-genl-3.0)
# json-c for the tools' JSON lines (tools/tvx_json.c)
JSONC_CFLAGS	= $(shell pkg-config --cflags json-c)
JSONC_LIBS	= $(shell pkg-config --libs --static json-c)
SONAME		:= libthinvmx.so.1
LIB_OBJS	:= $(patsubst %.c,$(O)/lib/obj/%.o,$(LIB_SRCS))
LIB_PIC_OBJS	:= $(patsubst %.c,$(O)/lib/pic/%.o,$(LIB_SRCS))

$(O)/lib/obj/%.o: %.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_USER) $(NL_CFLAGS) $(CPPFLAGS) $(CFLAGS) -include lib/pure.h -c $< -o $@

$(O)/lib/pic/%.o: %.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_USER) $(NL_CFLAGS) $(CPPFLAGS) $(CFLAGS) -fPIC -include lib/pure.h -c $< -o $@

$(O)/lib/libthinvmx.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

# SONAME libthinvmx.so.1: the Debian package is libthinvmx1
$(O)/lib/$(SONAME): $(LIB_PIC_OBJS) lib/libthinvmx.map
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,-z,relro -Wl,-z,now \
		-Wl,--version-script=lib/libthinvmx.map -o $@ $(LIB_PIC_OBJS) \
		$(shell pkg-config --libs libnl-genl-3.0) $(LDFLAGS)

$(O)/lib/libthinvmx.so: $(O)/lib/$(SONAME)
	ln -sf $(SONAME) $@

# the directories are baked in: regenerate when they change
$(O)/lib/thinvmx.pc: lib/thinvmx.pc.in FORCE
	@mkdir -p $(dir $@)
	@sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@.tmp
	@cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@

FORCE:

lib: $(O)/lib/libthinvmx.a $(O)/lib/libthinvmx.so $(O)/lib/thinvmx.pc

TOOLS		:= thinvmx-ctl thinvmx-monitor thinvmx-run

# Tools link libthinvmx and json-c statically: they also run in the nested
# VM's initramfs, which has no C library. TOOLS_LINK=shared links them
# against build/lib/libthinvmx.so and the system's json-c and libnl (the
# Debian package: thinvmx-tools depends on libthinvmx1).
TOOLS_LINK	?= static
ifeq ($(TOOLS_LINK),shared)
TOOLS_LDLIBS	= -L$(O)/lib -lthinvmx $(shell pkg-config --libs json-c libnl-genl-3.0)
TOOLS_LIBDEP	:= $(O)/lib/libthinvmx.so
else
TOOLS_LDLIBS	= -static $(O)/lib/libthinvmx.a $(JSONC_LIBS) $(NL_LIBS) -lpthread
TOOLS_LIBDEP	:= $(O)/lib/libthinvmx.a
endif

# JSON lines come from json-c, through tools/tvx_json.c (unit-tested on its own)
$(O)/tools/%: tools/%.c tools/tvx_json.c tools/tvx_json.h $(TOOLS_LIBDEP) lib/libthinvmx.h uapi/thinvmx.h uapi/thinvmx_introspect.h uapi/thinvmx_netlink.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_USER) $(JSONC_CFLAGS) $(CPPFLAGS) $(CFLAGS) -o $@ $< tools/tvx_json.c \
		$(LDFLAGS) $(TOOLS_LDLIBS)

# The demo guest: freestanding 64-bit code linked at 1 MiB.
$(O)/tools/demo-guest.elf: tools/demo-guest/demo_guest.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -ffreestanding -fno-pic -no-pie -nostdlib -static \
		-mno-red-zone -mgeneral-regs-only -fno-stack-protector \
		-fcf-protection=none -Wl,-Ttext-segment=0x100000 \
		-Wl,--build-id=none -e _start -o $@ $<

tools: $(addprefix $(O)/tools/,$(TOOLS)) $(O)/tools/demo-guest.elf

# `make install` puts what the Debian packages hold, less the module and
# the udev rule, under PREFIX; `make uninstall` removes exactly that (one
# list, INSTALLED, for both). The shared library exports only tvx_*
# (lib/libthinvmx.map).
HEADERS		:= lib/libthinvmx.h lib/tvx_guest.h uapi/thinvmx.h \
		   uapi/thinvmx_introspect.h uapi/thinvmx_netlink.h
MANPAGES	:= $(wildcard doc/man/*.8)
# the host-mode unit (disabled until enabled) and its configuration
SYSTEMDUNITDIR	?= $(PREFIX)/lib/systemd/system
SYSCONFDIR	?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
INSTALLED	:= $(SYSTEMDUNITDIR)/thinvmx-host.service $(SYSCONFDIR)/thinvmx/host.conf \
		   $(LIBDIR)/libthinvmx.a $(LIBDIR)/$(SONAME) $(LIBDIR)/libthinvmx.so \
		   $(LIBDIR)/pkgconfig/thinvmx.pc \
		   $(addprefix $(INCLUDEDIR)/,$(notdir $(HEADERS))) \
		   $(addprefix $(SBINDIR)/,$(TOOLS)) \
		   $(addprefix $(MANDIR)/man8/,$(notdir $(MANPAGES)))

install: lib tools
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR) \
		$(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 0644 $(O)/lib/libthinvmx.a $(DESTDIR)$(LIBDIR)/
	install -m 0644 $(O)/lib/$(SONAME) $(DESTDIR)$(LIBDIR)/
	ln -sfn $(SONAME) $(DESTDIR)$(LIBDIR)/libthinvmx.so
	install -m 0644 $(O)/lib/thinvmx.pc $(DESTDIR)$(LIBDIR)/pkgconfig/
	install -m 0644 $(HEADERS) $(DESTDIR)$(INCLUDEDIR)/
	install -m 0755 $(addprefix $(O)/tools/,$(TOOLS)) $(DESTDIR)$(SBINDIR)/
	install -m 0644 $(MANPAGES) $(DESTDIR)$(MANDIR)/man8/
	install -d $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSCONFDIR)/thinvmx
	install -m 0644 tools/systemd/thinvmx-host.service $(DESTDIR)$(SYSTEMDUNITDIR)/
	install -m 0644 tools/systemd/host.conf $(DESTDIR)$(SYSCONFDIR)/thinvmx/

# The module's source for DKMS (debian/thinvmx-dkms.dkms is its dkms.conf):
# what kbuild needs, the uapi headers included.
DKMS_SRCDIR	?= /usr/src/thinvmx-$(VERSION)
install-dkms-source:
	install -d $(DESTDIR)$(DKMS_SRCDIR)
	cp -a --parents $(KMOD_SRCS) $(DESTDIR)$(DKMS_SRCDIR)/

# Files only: the directories (lib, include, sbin, pkgconfig, man8 under
# PREFIX) are everyone's and stay, as they would after a package's removal.
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))

# ---------------------------------------------------------------- packages

# The Debian packages (debian/), built from a copy of the tree in
# $(O)/deb/src so that the tree stays clean; the .debs land in $(O)/deb.
deb:
	@tools/setup.sh --deb >/dev/null
	@rm -rf $(O)/deb && mkdir -p $(O)/deb/src
	@git ls-files -z --cached --others --exclude-standard | \
		while IFS= read -r -d '' f; do [ -e "$$f" ] && printf '%s\0' "$$f"; done | \
		xargs -0 cp -a --parents -t $(O)/deb/src
	cd $(O)/deb/src && dpkg-buildpackage -b -us -uc -j$(NPROC) > ../build.log 2>&1 || \
		{ tail -40 ../build.log; exit 1; }
	cd $(O)/deb && lintian --fail-on warning,error --info *.changes \
		> lintian.log 2>&1 || { cat lintian.log; exit 1; }
	@cat $(O)/deb/lintian.log
	@ls $(O)/deb/*.deb

# ---------------------------------------------------------------- unit tests

UNIT_TESTS	:= $(patsubst selftests/unit/%.c,%,$(wildcard selftests/unit/test_*.c))

$(O)/unit/%: selftests/unit/%.c $(wildcard selftests/unit/*.h) $(LIB_HDRS) $(wildcard kmod/*/*.c kmod/*.c lib/*.[ch] tools/*.[ch])
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_USER) -fsanitize=address,undefined -fno-omit-frame-pointer \
		-o $@ $< -lcmocka $(shell pkg-config --libs json-c)

unit: $(addprefix $(O)/unit/,$(UNIT_TESTS))
	@fail=0; for t in $^; do $$t || fail=1; done; exit $$fail

# ---------------------------------------------------------------- kselftests

SELFTESTS	:= $(patsubst selftests/thinvmx/%.c,%,$(wildcard selftests/thinvmx/*.c))
KSFT_CFLAGS	= $(CFLAGS_USER) $(NL_CFLAGS) -I$(O)/ksft -Wno-sign-compare -Wno-missing-field-initializers

$(O)/selftests/%: selftests/thinvmx/%.c $(O)/lib/libthinvmx.a $(O)/.kernel-tools $(wildcard selftests/thinvmx/*.h) uapi/thinvmx.h uapi/thinvmx_introspect.h uapi/thinvmx_netlink.h
	@mkdir -p $(dir $@)
	$(CC) $(KSFT_CFLAGS) -static -o $@ $< $(O)/lib/libthinvmx.a $(NL_LIBS) -lpthread

# The multiboot and PVH test kernel (multiboot_test.sh): 32-bit code, an
# ELF and a flat image with the header's address fields for multiboot, an
# ELF with the PVH note; binutils alone builds them.
MB_GUESTS	:= $(O)/selftests/mb_guest.elf $(O)/selftests/mb_guest.bin $(O)/selftests/pvh_guest.elf
MB_LDFLAGS	:= -m elf_i386 -N --no-warn-rwx-segments -T selftests/thinvmx/mb_guest.ld

$(O)/selftests/mb_guest.elf: selftests/thinvmx/mb_guest.s selftests/thinvmx/mb_guest.ld
	@mkdir -p $(dir $@)
	as --32 -o $@.o $<
	ld $(MB_LDFLAGS) -o $@ $@.o

$(O)/selftests/pvh_guest.elf: selftests/thinvmx/mb_guest.s selftests/thinvmx/mb_guest.ld
	@mkdir -p $(dir $@)
	as --32 --defsym PVH=1 -o $@.o $<
	ld $(MB_LDFLAGS) -o $@ $@.o

$(O)/selftests/mb_guest.bin: selftests/thinvmx/mb_guest.s selftests/thinvmx/mb_guest.ld
	@mkdir -p $(dir $@)
	as --32 --defsym AOUT_KLUDGE=1 -o $@.o $<
	ld $(MB_LDFLAGS) -o $@.elf $@.o
	objcopy -O binary $@.elf $@
	chmod +x $@

# The init of linux_intro_test.sh's Linux guest: raw system calls, no C
# library (its openat calls are exactly the ones it makes).
INTRO_INIT	:= $(O)/selftests/intro_init

$(INTRO_INIT): selftests/thinvmx/guest/intro_init.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -ffreestanding -static -nostdlib -fno-pic -no-pie \
		-fno-stack-protector -fcf-protection=none -mgeneral-regs-only -o $@ $<

selftests: $(addprefix $(O)/selftests/,$(SELFTESTS)) $(MB_GUESTS) $(INTRO_INIT)

BENCHES		:= $(patsubst selftests/bench/%.c,%,$(wildcard selftests/bench/*.c))

$(O)/bench/%: selftests/bench/%.c $(O)/lib/libthinvmx.a lib/libthinvmx.h uapi/thinvmx.h uapi/thinvmx_introspect.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_USER) -static -o $@ $< $(O)/lib/libthinvmx.a $(NL_LIBS) -lpthread

benches: $(addprefix $(O)/bench/,$(BENCHES))

# ---------------------------------------------------------------- nested VM

NESTED_DIR	:= $(O)/nested
NESTED_KVER	= $(shell tools/nested/kernel.sh $(NESTED_DIR))
NESTED_KDIR	= /usr/src/linux-headers-$(NESTED_KVER)
# tests that need two CPUs run in a second, SMP boot (slower: NESTED.md).
# Its kernel leaves AVX off (clearcpuid=avx) on a CPU that has it, so that
# the CPU supports more XSAVE state than its host enabled: hostile_test
# runs here too, to see that a guest is promised only what XSETBV takes.
# control_test runs in both: a pause kicks vCPUs on other CPUs only here.
# lockdown_test last: the kernel stays locked down (no ioperm after it).
NESTED_SMP_TESTS ?= smp_test p2m_smp_test hotplug_test hostile_test lapic_smp_test control_test lockdown_test
NESTED_SMP_ARGS	?= --cpus 2 --cmdline 'clearcpuid=avx'
# p2m_1g_test needs a GiB of host memory that is not RAM: memmap=1G!1G
# makes host 1-2 GiB legacy persistent memory, an iomem resource. With 3072
# MB that GiB is clean (with 2048 the BIOS's ACPI tables end it), but Bochs
# then swaps guest memory past 2048 MB to a file: a boot of its own, so the
# CPU hotplug tests do not run that slowly.
NESTED_1G_TESTS	?= p2m_1g_test
NESTED_1G_ARGS	?= --mem 3072 --cmdline 'memmap=1G!1G'
# ram1g_test needs a free 1 GiB-aligned GiB the host can hand out as guest
# RAM: movablecore=2G makes host 1 GiB to the top ZONE_MOVABLE (the top
# GiB ends in the BIOS's ACPI tables, so it is 1-2 GiB), nokaslr keeps the
# kernel image (reserved pages) out of it, and init_on_alloc=0 leaves the
# zeroing of the GiB to thinvmx alone, so that the test sees it; a boot of
# its own.
# nx_huge_test runs in both boots: its 2 MiB cases anywhere, its 1 GiB case
# (guest RAM in a GiB) only here.
NESTED_RAM1G_TESTS ?= ram1g_test nx_huge_test
NESTED_RAM1G_ARGS ?= --mem 3072 --cmdline 'movablecore=2G nokaslr init_on_alloc=0'
NESTED_BOTH_TESTS ?= nx_huge_test hostile_test control_test
# Device assignment through an emulated IOMMU (QEMU TCG: no VMX, so the
# IOMMU half only, through THINVMX_IOMMU_PROBE): intel-iommu before the
# e1000e it covers (kernel-irqchip=split is what it wants under KVM), a
# PCIe root port (pcieport binds it: a device a host driver holds) and an
# i6300esb (a 16-byte memory BAR). lockdown_test locks the kernel down
# for good: it runs last, in this boot of its own.
NESTED_IOMMU_TESTS ?= assign_test lockdown_test
NESTED_IOMMU_ARGS ?= --cmdline 'intel_iommu=on' --qemu-args '-machine kernel-irqchip=split -device intel-iommu -device pcie-root-port,id=rp1,chassis=1,addr=03.0 -device i6300esb,addr=04.0'
# kdump_test crashes the nested kernel into a kdump kernel (the same
# kernel, 192 MiB reserved) and checks VMX there; 2 CPUs: a boot of its own.
NESTED_KDUMP_TESTS ?= kdump_test
NESTED_KDUMP_ARGS ?= --cpus 2 --mem 512 --kdump --cmdline 'crashkernel=192M' \
		     --files '$(NESTED_DIR)/kroot/boot/vmlinuz-$(KV):/boot/vmlinuz'
# Host mode virtualises the nested kernel itself on its two CPUs (on/off
# under load, CPU hotplug, rmmod while on): a boot of its own.
# demo_test.sh runs make demo's script here: two CPUs, as make demo has.
NESTED_HOST_TESTS ?= host_test host_unit_test.sh demo_test.sh
NESTED_HOST_ARGS ?= --cpus 2 --test-timeout 1500 --files 'tools/systemd/thinvmx-host.service:/lib/systemd/system/ \
		    tools/systemd/host.conf:/etc/thinvmx/ $(NESTED_DIR)/kroot/boot/vmlinuz-$(KV):/boot/vmlinuz'
# The same crash with host mode on instead of guests (not in check.sh:
# another kdump boot of several minutes)
NESTED_KDUMP_HOST_ARGS ?= --cpus 2 --mem 512 --kdump --cmdline 'crashkernel=192M thinvmx.kdump_host' \
		     --files '$(NESTED_DIR)/kroot/boot/vmlinuz-$(KV):/boot/vmlinuz'
# The main Bochs boot: linux_boot_test boots this very kernel as a guest,
# four times, and linux_intro_test once more to watch it with thinvmx-monitor
# (every *_test.sh runs here), longer than the default per-test limit
NESTED_BOCHS_ARGS ?= --test-timeout 1200 --files '$(NESTED_DIR)/kroot/boot/vmlinuz-$(KV):/boot/vmlinuz \
		     $(NESTED_DIR)/vmlinux:/boot/vmlinux \
		     $(NESTED_DIR)/kroot/lib/modules/$(KV)/kernel/drivers/misc/pvpanic:/lib/pvpanic'
SELFTEST_SCRIPTS := $(notdir $(wildcard selftests/thinvmx/*_test.sh))
NESTED_TESTS	?= $(filter-out $(filter-out $(NESTED_BOTH_TESTS),$(NESTED_SMP_TESTS)) $(NESTED_1G_TESTS) $(NESTED_KDUMP_TESTS) $(NESTED_HOST_TESTS) lockdown_test \
			$(filter-out $(NESTED_BOTH_TESTS),$(NESTED_RAM1G_TESTS)),$(SELFTESTS)) \
		   $(filter-out $(NESTED_HOST_TESTS),$(SELFTEST_SCRIPTS))
NESTED_TIMEOUT	?= 2400

# Everything one boot needs: the module for the nested kernel, the
# kselftests and the tools, gathered in one directory.
# check.sh prepares once and then runs two tiers at a time: with
# NESTED_PREP= KV=<version> a tier uses the prepared tests as they are.
NESTED_PREP	?= nested-prep

nested-prep: setup-nested selftests benches tools
	$(eval KV := $(NESTED_KVER))
	$(call kbuild,/usr/src/linux-headers-$(KV),-s)
	@mkdir -p $(O)/probe && cp -a --update selftests/thinvmx/probe/Kbuild selftests/thinvmx/probe/*.c $(O)/probe/
	$(MAKE) -s -C /usr/src/linux-headers-$(KV) M=$(abspath $(O)/probe) O= W=1 modules
	@[ $(NESTED_DIR)/vmlinux -nt $(NESTED_DIR)/kroot/boot/vmlinuz-$(KV) ] || \
		tools/nested/extract-vmlinux.sh $(NESTED_DIR)/kroot/boot/vmlinuz-$(KV) $(NESTED_DIR)/vmlinux
	@rm -rf $(NESTED_DIR)/tests && mkdir -p $(NESTED_DIR)/tests
	@cp $(addprefix $(O)/selftests/,$(SELFTESTS)) $(addprefix $(O)/tools/,$(TOOLS)) \
		$(addprefix $(O)/bench/,$(BENCHES)) $(O)/tools/demo-guest.elf $(MB_GUESTS) $(INTRO_INIT) \
		$(wildcard selftests/thinvmx/*.sh) tools/demo.sh $(O)/probe/tvx_probe.ko \
		$(NESTED_DIR)/tests/

# $(call nested_run,VM,TEST LIST,extra args,output name)
# THINVMX_KO=path boots with that module instead of the one built here
# (check.sh: the one DKMS built from the thinvmx-dkms package).
NESTED_KO	= $(or $(THINVMX_KO),$(call kbuild_dir,/usr/src/linux-headers-$(KV))/thinvmx.ko)
define nested_run
	$(if $(THINVMX_KO),@echo "nested: module $(THINVMX_KO) (THINVMX_KO)")
	tools/nested/run.sh --vm $(1) --kroot $(NESTED_DIR)/kroot --kver $(KV) \
		--module $(NESTED_KO) \
		--tests-dir $(NESTED_DIR)/tests --list "$(2)" \
		--out $(NESTED_DIR)/run-$(or $(4),$(1)) --timeout $(NESTED_TIMEOUT) $(3)
endef

nested-tcg: $(NESTED_PREP)
	$(call nested_run,tcg,$(NESTED_TESTS),)

nested-tcg-iommu: $(NESTED_PREP)
	$(call nested_run,tcg,$(NESTED_IOMMU_TESTS),$(NESTED_IOMMU_ARGS),tcg-iommu)

nested-bochs: $(NESTED_PREP)
	$(call nested_run,bochs,$(NESTED_TESTS),$(NESTED_BOCHS_ARGS))

nested-bochs-smp: $(NESTED_PREP)
	$(call nested_run,bochs,$(NESTED_SMP_TESTS),$(NESTED_SMP_ARGS),bochs-smp)

nested-bochs-host: $(NESTED_PREP)
	$(call nested_run,bochs,$(NESTED_HOST_TESTS),$(NESTED_HOST_ARGS),bochs-host)

nested-bochs-kdump: $(NESTED_PREP)
	$(call nested_run,bochs,$(NESTED_KDUMP_TESTS),$(NESTED_KDUMP_ARGS),bochs-kdump)

nested-bochs-kdump-host: $(NESTED_PREP)
	$(call nested_run,bochs,$(NESTED_KDUMP_TESTS),$(NESTED_KDUMP_HOST_ARGS),bochs-kdump-host)

nested-bochs-1g: $(NESTED_PREP)
	$(call nested_run,bochs,$(NESTED_1G_TESTS),$(NESTED_1G_ARGS),bochs-1g)

nested-bochs-ram1g: $(NESTED_PREP)
	$(call nested_run,bochs,$(NESTED_RAM1G_TESTS),$(NESTED_RAM1G_ARGS),bochs-ram1g)

nested-kvm: $(NESTED_PREP)
	$(call nested_run,kvm,$(NESTED_TESTS),)

# ---------------------------------------------------------------- check, demo

check:
	@tools/check.sh

# Benchmarks, in Bochs (VMX); not part of check: they measure, not judge.
# event_bench and bp_bench want a second CPU for the daemon: a boot of its own;
# host_bench turns the whole nested kernel (both CPUs) into a guest and
# back: another (make bench-host runs it alone). boot_bench boots the
# nested kernel's own image, twice (thinvmx, then kvm_intel): it runs in
# the first boot, with /boot/vmlinuz and a longer per-test limit.
# The CPU model is exported, not put before the command: nested_run is
# two recipe lines (the THINVMX_KO one first), each its own shell.
BENCHES_SMP	?= event_bench bp_bench
BENCHES_HOST	?= host_bench
bench bench-host: export THINVMX_BOCHS_CPU := corei7_skylake_x
# the two Linux boots of boot_bench take 3-5 minutes on a busy machine
bench: NESTED_TIMEOUT = 2400
bench: nested-prep
	$(if $(filter-out $(BENCHES_SMP) $(BENCHES_HOST),$(BENCHES)),\
	$(call nested_run,bochs,$(filter-out $(BENCHES_SMP) $(BENCHES_HOST),$(BENCHES)),--test-timeout 2400 --mem 3072 --cmdline 'memmap=1G!1G' \
		--files '$(NESTED_DIR)/kroot/boot/vmlinuz-$(KV):/boot/vmlinuz',bench))
	$(if $(filter $(BENCHES_SMP),$(BENCHES)),\
	$(call nested_run,bochs,$(filter $(BENCHES_SMP),$(BENCHES)),--test-timeout 1200 --cpus 2,bench-smp))
	$(if $(filter $(BENCHES_HOST),$(BENCHES)),\
	$(call nested_run,bochs,$(filter $(BENCHES_HOST),$(BENCHES)),--test-timeout 1200 --cpus 2,bench-host))

bench-host: nested-prep
	$(call nested_run,bochs,$(BENCHES_HOST),--test-timeout 1200 --cpus 2,bench-host)

demo: nested-prep
	$(call nested_run,auto,demo.sh,--cpus 2 --test-timeout 1500 \
		--files '$(NESTED_DIR)/kroot/boot/vmlinuz-$(KV):/boot/vmlinuz')

clean:
	rm -rf $(O)

