/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * buf: the one growable byte buffer of the library.  An empty struct buf
 * ({ 0 }) is ready; p is NUL-terminated after every call that adds, so
 * a buffer of text reads as a C string.  Out of memory dies (ERR_TEMP,
 * xrealloc).
 */
#ifndef SMIMETOOLS_BUF_H
#define SMIMETOOLS_BUF_H

#include <stddef.h>

struct buf {
	char *p;
	size_t n, cap;
};

void buf_add(struct buf *b, const void *p, size_t n);
/* Room for n more bytes (and a NUL) at p + n, for a writer that fills
 * it in place (a decoder, read(2)); it then adds what it wrote to n and
 * terminates it if it needs a string.  Returns p + n. */
char *buf_grow(struct buf *b, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Bytes from outside (a certificate, a message), safe on a terminal or
 * in a tab-separated line: printable ASCII but '\' as it is, anything
 * else as \xHH. */
void buf_escape(struct buf *b, const unsigned char *p, size_t n);
/* Frees p and empties the buffer for reuse. */
void buf_free(struct buf *b);

#endif
