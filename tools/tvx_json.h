/* SPDX-License-Identifier: GPL-2.0 */
/*
 * JSON lines for the tools' machine-readable output, built and written by
 * json-c (Debian's libjson-c-dev). What json-c does not do is here: a
 * string that is not valid UTF-8 is made valid (json-c passes bytes of
 * 0x80 and above through as they are, which is not JSON), numbers printed
 * as "0x.." strings, and one object per line.
 */
#ifndef _THINVMX_TOOLS_TVX_JSON_H
#define _THINVMX_TOOLS_TVX_JSON_H

#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>

/*
 * Members of @o: of an object under @key, or, with @key NULL, the next
 * element of an array. A NULL string is JSON's null.
 */
void tj_add(struct json_object *o, const char *key, struct json_object *val);
void tj_str(struct json_object *o, const char *key, const char *val);
void tj_u64(struct json_object *o, const char *key, uint64_t val);
void tj_hex(struct json_object *o, const char *key, uint64_t val);	/* "0x2a" */
void tj_bool(struct json_object *o, const char *key, int val);
/* A new object or array, added to @o under @key (or appended). */
struct json_object *tj_obj(struct json_object *o, const char *key);
struct json_object *tj_arr(struct json_object *o, const char *key);

/* A JSON string of @s, each byte not part of valid UTF-8 made U+FFFD. */
struct json_object *tj_string(const char *s);

/* @o as one line on @f, flushed; @o is freed. */
void tj_print(struct json_object *o, FILE *f);

#endif /* _THINVMX_TOOLS_TVX_JSON_H */
