// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the tools' JSON lines (tools/json.c), compiled from the
 * tool's own source file, writing into memory.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../tools/json.c"

static char *buf;
static size_t len;
static FILE *mem;

static int setup(void **state)
{
	(void)state;
	mem = open_memstream(&buf, &len);
	return mem ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	fclose(mem);
	free(buf);
	return 0;
}

static const char *output(void)
{
	fflush(mem);
	return buf;
}

static void flat_object(void **state)
{
	struct json j;

	(void)state;
	json_begin(&j, mem);
	json_u64(&j, "id", 3);
	json_str(&j, "state", "running");
	json_bool(&j, "listener", 0);
	json_hex(&j, "mfn", 0xfee00);
	json_u64(&j, "big", UINT64_MAX);
	json_str(&j, "none", NULL);
	json_end(&j);
	assert_string_equal("{\"id\":3,\"state\":\"running\",\"listener\":false,"
			    "\"mfn\":\"0xfee00\",\"big\":18446744073709551615,"
			    "\"none\":null}\n", output());
}

static void empty_object(void **state)
{
	struct json j;

	(void)state;
	json_begin(&j, mem);
	json_end(&j);
	assert_string_equal("{}\n", output());
}

/* Commas restart inside each container and resume after it. */
static void nesting(void **state)
{
	struct json j;

	(void)state;
	json_begin(&j, mem);
	json_u64(&j, "domain", 0);
	json_obj_begin(&j, "exits");
	json_u64(&j, "CPUID", 7);
	json_u64(&j, "HLT", 1);
	json_obj_end(&j);
	json_arr_begin(&j, "events");
	json_obj_begin(&j, NULL);
	json_str(&j, "reason", "int3");
	json_obj_end(&j);
	json_obj_begin(&j, NULL);
	json_obj_end(&j);
	json_arr_end(&j);
	json_arr_begin(&j, "features");
	json_str(&j, NULL, "ept");
	json_str(&j, NULL, "vpid");
	json_arr_end(&j);
	json_arr_begin(&j, "empty");
	json_arr_end(&j);
	json_u64(&j, "after", 1);
	json_end(&j);
	assert_string_equal("{\"domain\":0,\"exits\":{\"CPUID\":7,\"HLT\":1},"
			    "\"events\":[{\"reason\":\"int3\"},{}],"
			    "\"features\":[\"ept\",\"vpid\"],\"empty\":[],"
			    "\"after\":1}\n", output());
}

static void escaping(void **state)
{
	(void)state;
	json_write_string(mem, "a\"b\\c\nd\te\r\b\f\x01\x1f\x7f\xc3\xa9");
	assert_string_equal("\"a\\\"b\\\\c\\nd\\te\\r\\b\\f\\u0001\\u001f\x7f\xc3\xa9\"",
			    output());
}

/* Keys are strings too. */
static void escaped_key(void **state)
{
	struct json j;

	(void)state;
	json_begin(&j, mem);
	json_u64(&j, "a\"b", 1);
	json_end(&j);
	assert_string_equal("{\"a\\\"b\":1}\n", output());
}

/* Two lines on one stream: the second starts clean. */
static void two_lines(void **state)
{
	struct json j;

	(void)state;
	json_begin(&j, mem);
	json_u64(&j, "n", 1);
	json_end(&j);
	json_begin(&j, mem);
	json_u64(&j, "n", 2);
	json_end(&j);
	assert_string_equal("{\"n\":1}\n{\"n\":2}\n", output());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(flat_object, setup, teardown),
		cmocka_unit_test_setup_teardown(empty_object, setup, teardown),
		cmocka_unit_test_setup_teardown(nesting, setup, teardown),
		cmocka_unit_test_setup_teardown(escaping, setup, teardown),
		cmocka_unit_test_setup_teardown(escaped_key, setup, teardown),
		cmocka_unit_test_setup_teardown(two_lines, setup, teardown),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
