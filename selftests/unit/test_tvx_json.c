// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the tools' JSON lines (tools/tvx_json.c over json-c),
 * compiled from the tool's own source file, writing into memory: the
 * lines the tools printed with their hand-written emitter, byte for
 * byte, and strings that are not UTF-8 made into JSON that json-c's own
 * parser takes with UTF-8 validation on.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../tools/tvx_json.c"

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

/* @line parsed as RFC 8259 JSON, invalid UTF-8 refused; NULL if it is not. */
static struct json_object *parse_strict(const char *line)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;

	assert_non_null(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, line, (int)strlen(line));
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

static void flat_object(void **state)
{
	struct json_object *j = json_object_new_object();

	(void)state;
	tj_u64(j, "id", 3);
	tj_str(j, "state", "running");
	tj_bool(j, "listener", 0);
	tj_hex(j, "mfn", 0xfee00);
	tj_u64(j, "big", UINT64_MAX);
	tj_str(j, "none", NULL);
	tj_print(j, mem);
	assert_string_equal("{\"id\":3,\"state\":\"running\",\"listener\":false,"
			    "\"mfn\":\"0xfee00\",\"big\":18446744073709551615,"
			    "\"none\":null}\n", output());
}

static void empty_object(void **state)
{
	(void)state;
	tj_print(json_object_new_object(), mem);
	assert_string_equal("{}\n", output());
}

static void nesting(void **state)
{
	struct json_object *j = json_object_new_object();
	struct json_object *c;

	(void)state;
	tj_u64(j, "domain", 0);
	c = tj_obj(j, "exits");
	tj_u64(c, "CPUID", 7);
	tj_u64(c, "HLT", 1);
	c = tj_arr(j, "events");
	tj_str(tj_obj(c, NULL), "reason", "int3");
	tj_obj(c, NULL);
	c = tj_arr(j, "features");
	tj_str(c, NULL, "ept");
	tj_str(c, NULL, "vpid");
	tj_arr(j, "empty");
	tj_u64(j, "after", 1);
	tj_print(j, mem);
	assert_string_equal("{\"domain\":0,\"exits\":{\"CPUID\":7,\"HLT\":1},"
			    "\"events\":[{\"reason\":\"int3\"},{}],"
			    "\"features\":[\"ept\",\"vpid\"],\"empty\":[],"
			    "\"after\":1}\n", output());
}

/* What JSON must escape is escaped; a slash (a path) is not. */
static void escaping(void **state)
{
	struct json_object *j = json_object_new_object();
	struct json_object *back;

	(void)state;
	tj_str(j, "s", "a\"b\\c\nd\te\r\b\f\x01\x1f/x\xc3\xa9");
	tj_print(j, mem);
	assert_string_equal("{\"s\":\"a\\\"b\\\\c\\nd\\te\\r\\b\\f\\u0001\\u001f/x\xc3\xa9\"}\n",
			    output());
	back = parse_strict(output());
	assert_non_null(back);
	json_object_put(back);
}

/* Two lines on one stream. */
static void two_lines(void **state)
{
	struct json_object *j = json_object_new_object();

	(void)state;
	tj_u64(j, "n", 1);
	tj_print(j, mem);
	j = json_object_new_object();
	tj_u64(j, "n", 2);
	tj_print(j, mem);
	assert_string_equal("{\"n\":1}\n{\"n\":2}\n", output());
}

/*
 * Bytes that are not UTF-8 (a Latin-1 name, a truncated sequence, an
 * overlong NUL, a surrogate, past U+10FFFF, a stray continuation byte)
 * each become U+FFFD; valid sequences of every length stay as they are.
 * json-c's parser, validating UTF-8, takes the line and gives back the
 * string.
 */
static void not_utf8_becomes_valid_json(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "caf\xe9", "caf\xef\xbf\xbd" },
		{ "\xff\xfe", "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "a\xc3", "a\xef\xbf\xbd" },
		{ "\xe2\x82x", "\xef\xbf\xbd\xef\xbf\xbdx" },
		{ "\xc0\x80", "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\x80z", "\xef\xbf\xbdz" },
		{ "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f" },
	};
	struct json_object *j, *back, *s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		teardown(NULL);
		assert_int_equal(0, setup(NULL));
		j = json_object_new_object();
		tj_str(j, "name", cases[i].in);
		tj_print(j, mem);
		back = parse_strict(output());
		assert_non_null(back);
		assert_true(json_object_object_get_ex(back, "name", &s));
		assert_string_equal(cases[i].out, json_object_get_string(s));
		json_object_put(back);
	}
}

/* Why tj_string() is there: json-c alone passes the bytes through. */
static void json_c_alone_prints_invalid_json(void **state)
{
	struct json_object *j = json_object_new_object();

	(void)state;
	json_object_object_add(j, "name", json_object_new_string("caf\xe9"));
	tj_print(j, mem);
	assert_string_equal("{\"name\":\"caf\xe9\"}\n", output());
	assert_null(parse_strict(output()));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(flat_object, setup, teardown),
		cmocka_unit_test_setup_teardown(empty_object, setup, teardown),
		cmocka_unit_test_setup_teardown(nesting, setup, teardown),
		cmocka_unit_test_setup_teardown(escaping, setup, teardown),
		cmocka_unit_test_setup_teardown(two_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(not_utf8_becomes_valid_json, setup, teardown),
		cmocka_unit_test_setup_teardown(json_c_alone_prints_invalid_json,
						setup, teardown),
	};

	return cmocka_run_group_tests_name("tvx_json", tests, NULL, NULL);
}
