// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libthinvmx: copying to and from guest memory, the ELF and flat loaders,
 * and loading this program into its guest (KVM selftests' kvm_vm_elf_load).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "libthinvmx.h"

#define TVX_PAGE	4096ULL

/*
 * Apply fn to [gpa, gpa + len) one page at a time: RAM entries are page
 * aligned, so a page never spans two mappings. With fn NULL it only checks
 * that the whole range is RAM.
 */
static int tvx_guest_walk(const struct tvx_domain *d, __u64 gpa, size_t len,
			  void (*fn)(void *host, size_t off, size_t n, void *arg),
			  void *arg)
{
	size_t off = 0;

	if (len && gpa + len - 1 < gpa)
		return -ERANGE;
	while (off < len) {
		size_t n = TVX_PAGE - ((gpa + off) & (TVX_PAGE - 1));
		void *host = tvx_gpa(d, gpa + off);

		if (n > len - off)
			n = len - off;
		if (!host)
			return -ERANGE;
		if (fn)
			fn(host, off, n, arg);
		off += n;
	}
	return 0;
}

static void tvx_copy_out(void *host, size_t off, size_t n, void *arg)
{
	memcpy((char *)arg + off, host, n);
}

static void tvx_copy_in(void *host, size_t off, size_t n, void *arg)
{
	memcpy(host, (const char *)arg + off, n);
}

static void tvx_zero(void *host, size_t off, size_t n, void *arg)
{
	memset(host, 0, n);
}

int tvx_read_guest(const struct tvx_domain *d, __u64 gpa, void *buf, size_t len)
{
	int ret = tvx_guest_walk(d, gpa, len, NULL, NULL);

	return ret ? ret : tvx_guest_walk(d, gpa, len, tvx_copy_out, buf);
}

int tvx_write_guest(struct tvx_domain *d, __u64 gpa, const void *buf, size_t len)
{
	int ret = tvx_guest_walk(d, gpa, len, NULL, NULL);

	return ret ? ret : tvx_guest_walk(d, gpa, len, tvx_copy_in, (void *)buf);
}

int tvx_zero_guest(struct tvx_domain *d, __u64 gpa, size_t len)
{
	int ret = tvx_guest_walk(d, gpa, len, NULL, NULL);

	return ret ? ret : tvx_guest_walk(d, gpa, len, tvx_zero, NULL);
}

/* The whole file in a malloc'd buffer. */
static int tvx_read_whole(const char *path, void **out, size_t *len)
{
	struct stat st;
	size_t got = 0;
	char *buf;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out_close;
	}
	ret = -EFBIG;
	if ((unsigned long long)st.st_size > SIZE_MAX - 1)
		goto out_close;
	ret = -ENOMEM;
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf)
		goto out_close;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			free(buf);
			goto out_close;
		}
		if (n == 0)
			break;		/* shrank meanwhile: take what is there */
		got += n;
	}
	*out = buf;
	*len = got;
	ret = 0;
out_close:
	close(fd);
	return ret;
}

/*
 * Check the ELF header and program headers of image[0, len) and return
 * the program header table. Every PT_LOAD must lie within the file.
 */
static int tvx_elf_check(const void *image, size_t len, const Elf64_Ehdr **ehdr,
			 const Elf64_Phdr **phdr)
{
	const Elf64_Ehdr *eh = image;
	const Elf64_Phdr *ph;
	unsigned int i;

	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_ident[EI_VERSION] != EV_CURRENT ||
	    eh->e_machine != EM_X86_64 || eh->e_type != ET_EXEC ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) || !eh->e_phnum ||
	    eh->e_phoff > len ||
	    (len - eh->e_phoff) / sizeof(Elf64_Phdr) < eh->e_phnum ||
	    eh->e_phoff % 8)
		return -ENOEXEC;
	ph = (const Elf64_Phdr *)((const char *)image + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++) {
		/* an executable that needs ld.so cannot run by itself */
		if (ph[i].p_type == PT_INTERP)
			return -ENOEXEC;
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (ph[i].p_filesz > ph[i].p_memsz || ph[i].p_offset > len ||
		    ph[i].p_filesz > len - ph[i].p_offset)
			return -ENOEXEC;
	}
	*ehdr = eh;
	*phdr = ph;
	return 0;
}

/* Every PT_LOAD of the image at gpa = p_paddr must be guest RAM. */
static int tvx_elf_check_ram(struct tvx_domain *d, const Elf64_Ehdr *eh,
			     const Elf64_Phdr *ph)
{
	unsigned int i;
	int ret;

	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || !ph[i].p_memsz)
			continue;
		if (ph[i].p_memsz > SIZE_MAX)
			return -ERANGE;
		ret = tvx_guest_walk(d, ph[i].p_paddr, ph[i].p_memsz, NULL, NULL);
		if (ret)
			return ret;
	}
	return 0;
}

int tvx_load_elf(struct tvx_domain *d, const char *path, __u64 *entry)
{
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;
	unsigned int i;
	void *image;
	size_t len;
	int ret;

	ret = tvx_read_whole(path, &image, &len);
	if (ret)
		return ret;
	ret = tvx_elf_check(image, len, &eh, &ph);
	if (ret)
		goto out;
	ret = tvx_elf_check_ram(d, eh, ph);
	if (ret)
		goto out;
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || !ph[i].p_memsz)
			continue;
		ret = tvx_write_guest(d, ph[i].p_paddr,
				      (const char *)image + ph[i].p_offset,
				      ph[i].p_filesz);
		if (!ret)
			ret = tvx_zero_guest(d, ph[i].p_paddr + ph[i].p_filesz,
					     ph[i].p_memsz - ph[i].p_filesz);
		if (ret)
			goto out;
	}
	if (entry)
		*entry = eh->e_entry;
out:
	free(image);
	return ret;
}

int tvx_load_flat_buf(struct tvx_domain *d, const void *buf, size_t len, __u64 gpa)
{
	return tvx_write_guest(d, gpa, buf, len);
}

int tvx_load_flat(struct tvx_domain *d, const char *path, __u64 gpa)
{
	void *image;
	size_t len;
	int ret;

	ret = tvx_read_whole(path, &image, &len);
	if (ret)
		return ret;
	ret = tvx_write_guest(d, gpa, image, len);
	free(image);
	return ret;
}

int tvx_guest_load_self(struct tvx_domain *d)
{
	struct tvx_guest_layout l;
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;
	bool have_area;
	unsigned int i;
	void *image;
	size_t len;
	int ret;

	/* the headers only: the bytes come from memory (see libthinvmx.h) */
	ret = tvx_read_whole("/proc/self/exe", &image, &len);
	if (ret)
		return ret;
	ret = tvx_elf_check(image, len, &eh, &ph);
	if (ret)
		goto out;
	for (i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_paddr != ph[i].p_vaddr) {
			ret = -ENOEXEC;
			goto out;
		}
	ret = tvx_elf_check_ram(d, eh, ph);
	if (ret)
		goto out;
	have_area = !tvx_guest_layout(d, &l);
	for (i = 0; i < eh->e_phnum; i++) {
		__u64 va = ph[i].p_vaddr, n = ph[i].p_memsz;

		if (ph[i].p_type != PT_LOAD || !n)
			continue;
		if (have_area && va < l.base + TVX_GUEST_AREA_SIZE && l.base < va + n) {
			ret = -ENOSPC;
			goto out;
		}
		ret = tvx_write_guest(d, va, (const void *)(uintptr_t)va, n);
		if (ret)
			goto out;
	}
out:
	free(image);
	return ret;
}

int tvx_guest_sync_to(struct tvx_domain *d, const void *addr, size_t len)
{
	return tvx_write_guest(d, (uintptr_t)addr, addr, len);
}

int tvx_guest_sync_from(struct tvx_domain *d, void *addr, size_t len)
{
	return tvx_read_guest(d, (uintptr_t)addr, addr, len);
}
