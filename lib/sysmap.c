// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libthinvmx: kernel symbols from a System.map, or from /proc/kallsyms,
 * which has the same "ADDR TYPE NAME" lines (and the same addresses when
 * the guest booted with nokaslr). Unit-tested in
 * selftests/unit/test_sysmap.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libthinvmx.h"

/* the longest line worth reading: kallsyms names stay below 512 bytes */
#define SYSMAP_LINE	1024

int tvx_sysmap_parse_line(const char *line, __u64 *addr, char *type,
			  char *name, size_t size)
{
	const char *p = line, *n;
	unsigned long long a;
	char *end;
	size_t len;

	if (!isxdigit((unsigned char)*p))
		return -EINVAL;
	errno = 0;
	a = strtoull(p, &end, 16);
	if (errno || end == p || *end != ' ')
		return -EINVAL;
	p = end + 1;
	if (!isalpha((unsigned char)p[0]) || p[1] != ' ')
		return -EINVAL;
	if (type)
		*type = p[0];
	n = p + 2;
	len = strcspn(n, " \t\r\n");
	/* "NAME\t[module]": a module's, not the kernel's own */
	if (!len || (n[len] && n[len] != '\n' && n[len] != '\r'))
		return -EINVAL;
	if (len >= size)
		return -EINVAL;
	memcpy(name, n, len);
	name[len] = '\0';
	*addr = a;
	return 0;
}

int tvx_sysmap_lookup(const char *path, const char *name, __u64 *addr)
{
	char line[SYSMAP_LINE], sym[SYSMAP_LINE];
	int ret = -ENOENT;
	__u64 a;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (tvx_sysmap_parse_line(line, &a, NULL, sym, sizeof(sym)) ||
		    strcmp(sym, name))
			continue;
		*addr = a;
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}
