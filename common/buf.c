/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * buf: see buf.h.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"

char *
buf_grow(struct buf *b, size_t n)
{
	if (n > SIZE_MAX / 2 - b->n - 1)
		xdie(ERR_TEMP, "out of memory");
	/* Doubling, but the first size asked is taken as it is: a reader
	 * that knows the size of what comes (io_read_fd) allocates once. */
	if (b->n + n + 1 > b->cap) {
		b->cap = b->cap * 2 > b->n + n + 1 ? b->cap * 2 :
		    b->n + n + 1 > 64 ? b->n + n + 1 : 64;
		b->p = xrealloc(b->p, b->cap);
	}
	return b->p + b->n;
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	buf_grow(b, n);
	if (n > 0)
		memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = '\0';
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[512];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		xdie(ERR_SOFTWARE, "cannot format");
	if ((size_t)n < sizeof(small)) {
		buf_add(b, small, (size_t)n);
		return;
	}
	buf_add(b, "", 0);
	if (b->n + (size_t)n + 1 > b->cap) {
		b->cap = b->n + (size_t)n + 1;
		b->p = xrealloc(b->p, b->cap);
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)n;
}

void
buf_escape(struct buf *b, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] > 0x20 && p[i] < 0x7f && p[i] != '\\')
			buf_add(b, p + i, 1);
		else
			buf_printf(b, "\\x%02x", p[i]);
}

void
buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}
