// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the System.map reader (lib/sysmap.c): the line format of
 * System.map and /proc/kallsyms, module symbols refused, lookups in a
 * file, Debian's stub System.map.
 */
#include "../../lib/pure.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../lib/sysmap.c"

static void test_parse_lines(void **state)
{
	char name[64], type = 0;
	__u64 a = 0;

	assert_int_equal(0, tvx_sysmap_parse_line("ffffffff81000000 T _stext\n", &a,
						  &type, name, sizeof(name)));
	assert_int_equal(0xffffffff81000000ULL, a);
	assert_int_equal('T', type);
	assert_string_equal("_stext", name);
	/* no newline; CR LF (a guest console's); a local symbol */
	assert_int_equal(0, tvx_sysmap_parse_line("ffffffff816d7670 t do_sys_openat2",
						  &a, &type, name, sizeof(name)));
	assert_int_equal(0xffffffff816d7670ULL, a);
	assert_int_equal('t', type);
	assert_string_equal("do_sys_openat2", name);
	assert_int_equal(0, tvx_sysmap_parse_line("0000000000000000 A x\r\n", &a,
						  NULL, name, sizeof(name)));
	assert_int_equal(0, a);
	assert_string_equal("x", name);
}

static void test_parse_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"\n",
		"ffffffff81000000\n",
		"ffffffff81000000 T\n",
		"ffffffff81000000 T \t",
		"ffffffff81000000 TT _stext\n",
		"ffffffff81000000  T _stext\n",
		"zzzz T _stext\n",
		" ffffffff81000000 T _stext\n",
		"ffffffffc0001000 t mod_fn\t[thinvmx]\n",	/* a module's */
		"ffffffff81000000 T two words\n",
		"1ffffffffffffffff T big\n",			/* 65 bits */
	};
	char name[64];
	unsigned int i;
	__u64 a = 7;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(-EINVAL, tvx_sysmap_parse_line(bad[i], &a, NULL, name,
								sizeof(name)));
	assert_int_equal(7, a);
	/* a name that does not fit */
	assert_int_equal(-EINVAL, tvx_sysmap_parse_line("1 T abcdefgh", &a, NULL,
							name, 8));
	assert_int_equal(0, tvx_sysmap_parse_line("1 T abcdefg", &a, NULL, name, 8));
}

static char *write_file(const char *text)
{
	char *path = strdup("/tmp/test_sysmap.XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal((ssize_t)strlen(text), write(fd, text, strlen(text)));
	close(fd);
	return path;
}

static void test_lookup(void **state)
{
	static const char map[] =
		"guest init: symbols follow\n"
		"ffffffff81000000 T _stext\n"
		"ffffffff816d7b70 T __x64_sys_openat\n"
		"ffffffffc0001000 t __x64_sys_openat\t[evil]\n"
		"ffffffff816d7b70 T __x64_sys_openat2_lookalike\n"
		"ffffffff82258780 T _etext\n"
		"ffffffff82000000 T _etext\n";
	char *path = write_file(map);
	__u64 a = 0;

	assert_int_equal(0, tvx_sysmap_lookup(path, "__x64_sys_openat", &a));
	assert_int_equal(0xffffffff816d7b70ULL, a);
	assert_int_equal(0, tvx_sysmap_lookup(path, "_etext", &a));
	assert_int_equal(0xffffffff82258780ULL, a);	/* the first line */
	assert_int_equal(-ENOENT, tvx_sysmap_lookup(path, "__x64_sys_open", &a));
	assert_int_equal(-ENOENT, tvx_sysmap_lookup(path, "evil", &a));
	unlink(path);
	free(path);
	assert_int_equal(-ENOENT, tvx_sysmap_lookup("/nonexistent/System.map", "x", &a));
}

/* Debian's package System.map: one line, no symbol */
static void test_debian_stub(void **state)
{
	static const char stub[] =
		"ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n";
	char *path = write_file(stub);
	__u64 a = 0;

	assert_int_equal(-ENOENT, tvx_sysmap_lookup(path, "_stext", &a));
	assert_int_equal(-ENOENT, tvx_sysmap_lookup(path, "The", &a));
	unlink(path);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_lines),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_debian_stub),
	};

	return cmocka_run_group_tests_name("sysmap", tests, NULL, NULL);
}
