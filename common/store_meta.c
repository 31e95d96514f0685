/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * store_meta: what is recorded of a certificate (store_be.h, struct
 * meta; certstore(5) ".meta"), as "name: value" lines.  Pure: the
 * policy reads and sets the values, a backend keeps the lines.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "store_be.h"

static int
meta_line_ok(const char *l)
{
	const char *c = strchr(l, ':');
	const char *p;

	if (c == NULL || c == l || c[1] != ' ')
		return 0;
	for (p = l; p < c; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p)
		    && *p != '-')
			return 0;
	for (p = c + 2; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* Parses text; returns the number of lines that are not "name: value". */
int
meta_parse(struct meta *m, char *text)
{
	char *l, *nl;
	int bad = 0;

	memset(m, 0, sizeof(*m));
	for (l = text; *l != '\0'; l = nl + 1) {
		nl = strchr(l, '\n');
		if (nl == NULL)
			nl = l + strlen(l) - 1;	/* the last line, unended */
		else
			*nl = '\0';
		if (*l == '\0')
			continue;
		if (!meta_line_ok(l)) {
			bad++;
			continue;
		}
		m->line = xrealloc(m->line, (m->n + 1) * sizeof(*m->line));
		m->line[m->n++] = xstrdup(l);
	}
	return bad;
}

const char *
meta_get(const struct meta *m, const char *name)
{
	size_t i, k = strlen(name);

	for (i = 0; i < m->n; i++)
		if (strncmp(m->line[i], name, k) == 0 &&
		    m->line[i][k] == ':')
			return m->line[i] + k + 2;
	return NULL;
}

/* Sets name; returns 1 if that changed anything. */
int
meta_set(struct meta *m, const char *name, const char *value)
{
	const char *old = meta_get(m, name);
	size_t i, k = strlen(name);
	char *l;

	if (old != NULL && strcmp(old, value) == 0)
		return 0;
	if (asprintf(&l, "%s: %s", name, value) == -1)
		xdie(ERR_TEMP, "out of memory");
	for (i = 0; i < m->n; i++)
		if (strncmp(m->line[i], name, k) == 0 &&
		    m->line[i][k] == ':') {
			free(m->line[i]);
			m->line[i] = l;
			return 1;
		}
	m->line = xrealloc(m->line, (m->n + 1) * sizeof(*m->line));
	m->line[m->n++] = l;
	return 1;
}

void
meta_free(struct meta *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->line[i]);
	free(m->line);
	memset(m, 0, sizeof(*m));
}

