/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * hp_fuzz: libFuzzer target for the reader of protected headers.
 *
 * The first input byte picks a chunk size and whether a signed part may
 * claim; the rest is a payload.  Beyond not crashing or leaking: the
 * claim is the same however the input is cut; every field kept is one of
 * the user-facing ones, under its own name, and all of them fit in
 * HP_MAX; a Legacy Display Element found by any scheme is a range inside
 * the input.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hp.h"

static void
cb(void *arg, const struct mime_event *ev)
{
	hp_event(arg, ev);
}

static void
parse(struct hp *hp, unsigned flags, const uint8_t *s, size_t n, size_t step)
{
	struct mime_parser *p = mime_parser_new(cb, hp);
	size_t i, k;

	hp_init(hp, flags);
	for (i = 0; i < n; i += k) {
		k = step == 0 || n - i < step ? n - i : step;
		mime_parser_feed(p, (const char *)s + i, k);
	}
	mime_parser_finish(p);
	mime_parser_free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp a, b;
	unsigned flags;
	size_t step, total = 0;
	uint64_t from, to;
	int i, fd;

	if (size < 1)
		return 0;
	flags = data[0] & 1 ? HP_LOOK_SIGNED : 0;
	step = (size_t)(data[0] >> 1) + 1;
	data++;
	size--;
	parse(&a, flags, data, size, 0);
	parse(&b, flags, data, size, step);
	if (a.scheme != b.scheme || (a.refused == NULL) != (b.refused == NULL))
		abort();
	for (i = 0; i < HP_NFIELDS; i++) {
		if (a.has[i] != b.has[i] || a.field[i].n != b.field[i].n ||
		    (a.field[i].n > 0 && memcmp(a.field[i].p, b.field[i].p,
		    a.field[i].n) != 0))
			abort();
		if (a.has[i] && a.refused == NULL &&
		    hp_index(a.field[i].p, a.field[i].n) != i)
			abort();
		total += a.field[i].n + a.outer[i].n;
	}
	if (total > HP_MAX)
		abort();
	hp_free(&a);
	hp_free(&b);
	fd = memfd_create("hp_fuzz", 0);
	if (fd == -1 || write(fd, data, size) != (ssize_t)size)
		abort();
	for (i = HP_CIPHER; i <= HP_V1; i++)
		if (hp_lde(fd, (enum hp_scheme)i, &from, &to) == 0 &&
		    (from > to || to > size))
			abort();
	close(fd);
	return 0;
}
