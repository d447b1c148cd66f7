/* SPDX-License-Identifier: GPL-2.0 */
/*
 * JSON lines for the tools' machine-readable output: one object per line,
 * written as it is built. Pure string handling, unit-tested on its own
 * (selftests/unit/test_json.c).
 */
#ifndef _THINVMX_TOOLS_JSON_H
#define _THINVMX_TOOLS_JSON_H

#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	8

struct json {
	FILE *f;
	int depth;
	int need_comma[JSON_MAX_DEPTH];
};

/* Start a line's object on @f; json_end() ends it with a newline. */
void json_begin(struct json *j, FILE *f);
void json_end(struct json *j);

/* Members of the current object (key NULL: an element of an array). */
void json_str(struct json *j, const char *key, const char *val);	/* NULL: null */
void json_u64(struct json *j, const char *key, uint64_t val);
void json_hex(struct json *j, const char *key, uint64_t val);	/* "0x2a" */
void json_bool(struct json *j, const char *key, int val);
void json_obj_begin(struct json *j, const char *key);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j, const char *key);
void json_arr_end(struct json *j);

/* @s as a JSON string, quotes included. */
void json_write_string(FILE *f, const char *s);

#endif /* _THINVMX_TOOLS_JSON_H */
