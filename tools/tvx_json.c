// SPDX-License-Identifier: GPL-2.0
/*
 * JSON lines over json-c (tvx_json.h), unit-tested on its own
 * (selftests/unit/test_tvx_json.c).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tvx_json.h"

/* The length of the valid UTF-8 sequence at @p (RFC 3629 table), or 0. */
static size_t utf8_seq_len(const unsigned char *p)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;	/* a continuation byte, C0/C1 (overlong), F5..FF */
	/* the second byte's range rules out overlongs, surrogates, > U+10FFFF */
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	/* the terminating NUL is no continuation byte: no read past it */
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

struct json_object *tj_string(const char *s)
{
	static const char fffd[] = "\xef\xbf\xbd";
	const unsigned char *p = (const unsigned char *)s;
	struct json_object *js;
	size_t n, len = 0;
	char *buf;

	/* at most three bytes out for each byte in */
	buf = malloc(3 * strlen(s) + 1);
	if (!buf)
		return NULL;
	while (*p) {
		n = utf8_seq_len(p);
		if (n) {
			memcpy(buf + len, p, n);
			len += n;
			p += n;
		} else {
			memcpy(buf + len, fffd, 3);
			len += 3;
			p++;
		}
	}
	js = json_object_new_string_len(buf, (int)len);
	free(buf);
	return js;
}

void tj_add(struct json_object *o, const char *key, struct json_object *val)
{
	if (key)
		json_object_object_add(o, key, val);
	else
		json_object_array_add(o, val);
}

void tj_str(struct json_object *o, const char *key, const char *val)
{
	tj_add(o, key, val ? tj_string(val) : NULL);
}

void tj_u64(struct json_object *o, const char *key, uint64_t val)
{
	tj_add(o, key, json_object_new_uint64(val));
}

void tj_hex(struct json_object *o, const char *key, uint64_t val)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, val);
	tj_add(o, key, json_object_new_string(buf));
}

void tj_bool(struct json_object *o, const char *key, int val)
{
	tj_add(o, key, json_object_new_boolean(!!val));
}

struct json_object *tj_obj(struct json_object *o, const char *key)
{
	struct json_object *c = json_object_new_object();

	tj_add(o, key, c);
	return c;
}

struct json_object *tj_arr(struct json_object *o, const char *key)
{
	struct json_object *c = json_object_new_array();

	tj_add(o, key, c);
	return c;
}

void tj_print(struct json_object *o, FILE *f)
{
	/* "a/b", not json-c's default "a\/b": paths and names read as they are */
	fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
					     JSON_C_TO_STRING_NOSLASHESCAPE), f);
	fputc('\n', f);
	fflush(f);
	json_object_put(o);
}
