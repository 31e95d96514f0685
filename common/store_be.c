/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * store_be: the generic layer of store_be.h: a store opened by the
 * backend its location names, closed by it, and its local part.
 */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>

#include "store_be.h"

const struct store_ops *
store_backend(const char *where)
{
	char path[PATH_MAX];
	struct stat st;

	/* A folder (certstore(5)); with the file `ldap`, the server it
	 * names keeps the correspondents' certificates. */
	if (where != NULL && (size_t)snprintf(path, sizeof(path), "%s/ldap",
	    where) < sizeof(path) && lstat(path, &st) == 0)
		return &store_ldap_ops;
	return &store_dir_ops;
}

/* A failure exits with the stores its callers hold open (xdie): listed
 * here, they are reachable, not lost, to valgrind and LSan. */
static struct store *open_stores;

int
store_probe(const char *where)
{
	const struct store_ops *be = store_backend(where);

	return (be->probe != NULL ? be->probe : store_dir_ops.probe)(where);
}

struct store *
store_open(const char *where, int flags)
{
	const struct store_ops *be = store_backend(where);
	struct store *s;

	if (flags & STORE_CREATE)
		(be->create != NULL ? be->create : store_dir_ops.create)(where);
	s = be->open(where, flags);

	if (s != NULL) {
		s->next_open = open_stores;
		open_stores = s;
	}
	return s;
}

void
store_close(struct store *s)
{
	struct store **pp;

	if (s == NULL)
		return;
	/* The local part of an open store goes with it. */
	for (pp = &open_stores; *pp != NULL; pp = &(*pp)->next_open)
		if ((*pp)->local == s) {
			s = *pp;
			break;
		}
	for (pp = &open_stores; *pp != NULL; pp = &(*pp)->next_open)
		if (*pp == s) {
			*pp = s->next_open;
			break;
		}
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
