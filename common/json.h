/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * json: the one JSON writer of the library, into a struct buf: certstore
 * --json's listings and the filters' --report lines.
 *
 * A string is written as RFC 8259 asks, and so that a line of ours is
 * one line: '"' and '\' escaped; control characters (below 0x20, and
 * 0x7f) as \u00XX; bytes of 0x80 and above kept when the whole string
 * is valid UTF-8, else each as \u00XX (the string is then read as
 * Latin-1, and still parses).
 */
#ifndef SMIMETOOLS_JSON_H
#define SMIMETOOLS_JSON_H

#include <stddef.h>

#include "buf.h"

/* n bytes as a JSON string. */
void json_bytes(struct buf *b, const unsigned char *p, size_t n);
/* A C string as a JSON string; NULL as null. */
void json_str(struct buf *b, const char *s);
/* The non-empty words of s, separated by sep, as an array of strings;
 * NULL as []. */
void json_words(struct buf *b, const char *s, char sep);

#endif
