/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * store_be: the generic layer of store_be.h: a store opened by the
 * backend its location names, closed by it, and its local part.
 */
#include <stddef.h>

#include "store_be.h"

const struct store_ops *
store_backend(const char *where)
{
	/* One scheme so far: a path (certstore(5)). */
	(void)where;
	return &store_dir_ops;
}

struct store *
store_open(const char *where, int flags)
{
	return store_backend(where)->open(where, flags);
}

void
store_close(struct store *s)
{
	if (s != NULL)
		s->ops->close(s);
}

void
store_set_trust(struct store *s, const struct store_trust *t)
{
	s->trust = t;
}

struct store *
store_local(struct store *s)
{
	return s->local != NULL ? s->local : s;
}
