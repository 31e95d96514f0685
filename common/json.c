/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * json: see json.h.
 */
#include <string.h>

#include "json.h"

static int
utf8_valid(const unsigned char *p, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		k = (p[i] & 0xe0) == 0xc0 ? 1 : (p[i] & 0xf0) == 0xe0 ? 2 :
		    (p[i] & 0xf8) == 0xf0 ? 3 : 0;
		if (k == 0)
			return 0;
		for (i++; k > 0; k--, i++)
			if (i >= n || (p[i] & 0xc0) != 0x80)
				return 0;
	}
	return 1;
}

void
json_bytes(struct buf *b, const unsigned char *p, size_t n)
{
	int utf8 = utf8_valid(p, n);
	size_t i;

	buf_add(b, "\"", 1);
	for (i = 0; i < n; i++)
		if (p[i] == '"' || p[i] == '\\')
			buf_printf(b, "\\%c", p[i]);
		else if (p[i] < 0x20 || p[i] == 0x7f || (p[i] >= 0x80 && !utf8))
			buf_printf(b, "\\u%04x", p[i]);
		else
			buf_add(b, p + i, 1);
	buf_add(b, "\"", 1);
}

void
json_str(struct buf *b, const char *s)
{
	if (s == NULL)
		buf_puts(b, "null");
	else
		json_bytes(b, (const unsigned char *)s, strlen(s));
}

void
json_words(struct buf *b, const char *s, char sep)
{
	const char *e;
	int first = 1;

	buf_add(b, "[", 1);
	while (s != NULL && *s != '\0') {
		e = strchr(s, sep);
		if (e == NULL)
			e = s + strlen(s);
		if (e > s) {
			if (!first)
				buf_add(b, ",", 1);
			json_bytes(b, (const unsigned char *)s,
			    (size_t)(e - s));
			first = 0;
		}
		s = *e != '\0' ? e + 1 : e;
	}
	buf_add(b, "]", 1);
}
