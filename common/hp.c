/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * hp: see hp.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "err.h"
#include "hdr.h"
#include "hp.h"
#include "io.h"

const char *const hp_names[HP_NFIELDS] = { "Subject", "From", "To", "Cc",
	"Date", "Reply-To", "Message-ID", "In-Reply-To", "References" };

int
hp_index(const char *field, size_t len)
{
	int i;

	for (i = 0; i < HP_NFIELDS; i++)
		if (mime_field_is(field, len, hp_names[i]))
			return i;
	return -1;
}

const char *
hp_scheme_name(enum hp_scheme s)
{
	static const char *const names[] = { "none", "cipher", "clear", "v1",
		"wrapped" };

	return names[s];
}

void
hp_init(struct hp *hp, unsigned flags)
{
	memset(hp, 0, sizeof(*hp));
	hp->flags = flags;
}

void
hp_free(struct hp *hp)
{
	int i;

	for (i = 0; i < HP_NFIELDS; i++) {
		buf_free(&hp->field[i]);
		buf_free(&hp->outer[i]);
	}
	hp_init(hp, 0);
}

int
hp_claimed(const struct hp *hp)
{
	return hp->scheme != HP_NONE && hp->refused == NULL;
}

static void
forget(struct hp *hp)
{
	int i;

	for (i = 0; i < HP_NFIELDS; i++) {
		hp->field[i].n = hp->outer[i].n = 0;
		hp->has[i] = hp->has_outer[i] = 0;
	}
	hp->total = 0;
	hp->kept = 0;
}

static void
refuse(struct hp *hp, const char *why)
{
	if (hp->refused == NULL)
		hp->refused = why;
}

/* A field of the header that may carry the claim: the user-facing ones
 * and HP-Outer are kept, the rest are not the claim's business. */
static void
keep(struct hp *hp, const struct mime_event *ev)
{
	size_t v, n;
	int i;

	if (ev->type == MIME_EV_FIELD_MORE) {
		if (hp->kept)
			refuse(hp, "a protected field is too long");
		return;
	}
	hp->kept = 0;
	i = hp_index(ev->data, ev->len);
	if (i < 0 && mime_field_is(ev->data, ev->len, "HP-Outer")) {
		/* HP-Outer: Name: value */
		mime_field_name(ev->data, ev->len, &v);
		while (v < ev->len && (ev->data[v] == ' ' ||
		    ev->data[v] == '\t'))
			v++;
		i = hp_index(ev->data + v, ev->len - v);
		if (i < 0 || hp->has_outer[i])
			return;
		mime_field_name(ev->data + v, ev->len - v, &n);
		if ((hp->total += ev->len) > HP_MAX)
			refuse(hp, "the protected header is too large");
		else
			buf_add(&hp->outer[i], ev->data + v + n,
			    ev->len - v - n);
		hp->has_outer[i] = 1;
		hp->kept = 1;
		return;
	}
	if (i < 0 || hdr_bare_cr(ev->data, ev->len))
		return;
	if (hp->has[i] && hp->dupname[0] == '\0')
		snprintf(hp->dupname, sizeof(hp->dupname), "%s", hp_names[i]);
	if (hp->has[i])
		return;
	hp->has[i] = 1;
	hp->kept = 1;
	if ((hp->total += ev->len) > HP_MAX)
		refuse(hp, "the protected header is too large");
	else
		buf_add(&hp->field[i], ev->data, ev->len);
}

/* What a payload's Content-Type claims; refuses what readers could take
 * two ways: a label twice, two labels, a value that is ours only in
 * another case or up to a NUL (RFC 2231), a label beside a wrapped
 * message (whose own header RFC 8551 readers show). */
static enum hp_scheme
claim(struct hp *hp, const struct mime_part *part)
{
	char v[16], pv[16];
	long h, p;

	if (part->ctype == NULL)
		return HP_NONE;
	if (mime_param_count(part->ctype, part->ctypelen, "hp") > 1 ||
	    mime_param_count(part->ctype, part->ctypelen,
	    "protected-headers") > 1) {
		refuse(hp, "its label is given twice");
		return HP_CLEAR;
	}
	h = mime_param(part->ctype, part->ctypelen, "hp", v, sizeof(v));
	p = mime_param(part->ctype, part->ctypelen, "protected-headers", pv,
	    sizeof(pv));
	if (h < 0 && p < 0)
		return HP_NONE;
	if (h >= 0 && p >= 0) {
		refuse(hp, "hp beside protected-headers");
		return HP_CLEAR;
	}
	if (mime_type_is(part, "message", "rfc822") ||
	    mime_type_is(part, "message", "global")) {
		refuse(hp, "a label on a wrapped message");
		return HP_CLEAR;
	}
	if (h >= 0 && h == 6 && strcmp(v, "cipher") == 0)
		return HP_CIPHER;
	if (h >= 0 && h == 5 && strcmp(v, "clear") == 0)
		return HP_CLEAR;
	if (p >= 0 && p == 2 && strcasecmp(pv, "v1") == 0)
		return HP_V1;
	if ((h >= 0 && (strcasecmp(v, "cipher") == 0 ||
	    strcasecmp(v, "clear") == 0)) ||
	    (p >= 0 && strcasecmp(pv, "v1") == 0)) {
		refuse(hp, "its label is spelt two ways");
		return HP_CLEAR;
	}
	return HP_NONE;
}

static void
decide(struct hp *hp, enum hp_scheme s)
{
	hp->state = 2;
	if (s == HP_NONE) {
		forget(hp);
		hp->refused = NULL;
		hp->dupname[0] = '\0';
		return;
	}
	hp->scheme = s;
	if (hp->dupname[0] != '\0') {
		static char why[48];

		snprintf(why, sizeof(why), "protected %s given twice",
		    hp->dupname);
		refuse(hp, why);
	}
	if (s != HP_CIPHER)
		memset(hp->has_outer, 0, sizeof(hp->has_outer));
}

void
hp_event(struct hp *hp, const struct mime_event *ev)
{
	const struct mime_part *part = ev->part;

	if (hp->state == 2)
		return;
	if (hp->state == 0 && part->depth == 0) {
		if (ev->type == MIME_EV_FIELD || ev->type == MIME_EV_FIELD_MORE)
			keep(hp, ev);
		if (ev->type != MIME_EV_HEADER_END)
			return;
		hp->signed_root = mime_type_is(part, "multipart", "signed") ||
		    mime_smime_kind(part) == MIME_SMIME_OPAQUE ||
		    mime_smime_kind(part) == MIME_SMIME_P7M;
		decide(hp, claim(hp, part));
		if (hp->scheme != HP_NONE)
			return;
		hp->state = 1;
		hp->dupname[0] = '\0';
		hp->refused = NULL;
		if (mime_type_is(part, "message", "rfc822") ||
		    mime_type_is(part, "message", "global"))
			hp->pending = HP_WRAPPED;
		else if ((hp->flags & HP_LOOK_SIGNED) &&
		    mime_type_is(part, "multipart", "signed"))
			hp->pending = HP_NONE;
		else
			hp->state = 2;
		return;
	}
	if (part->depth != 1 || part->index != 1)
		return;
	if (ev->type == MIME_EV_FIELD || ev->type == MIME_EV_FIELD_MORE)
		keep(hp, ev);
	else if (ev->type == MIME_EV_HEADER_END) {
		hp->nested = hp->pending != HP_WRAPPED;
		decide(hp, hp->pending == HP_WRAPPED ? HP_WRAPPED :
		    claim(hp, part));
	}
}

static void
scan(int fd, mime_cb cb, void *arg, const int *stop)
{
	static char buf[IO_BUFSIZE];
	struct mime_parser *p;
	size_t n;

	if (lseek(fd, 0, SEEK_SET) == -1)
		xdie(ERR_TEMP, "cannot rewind the spool: %s", strerror(errno));
	p = mime_parser_new(cb, arg);
	while (!*stop && (n = io_read(fd, buf, sizeof(buf))) > 0)
		mime_parser_feed(p, buf, n);
	if (!*stop)
		mime_parser_finish(p);
	mime_parser_free(p);
}

struct hp_scan {
	struct hp *hp;
	int stop;
};

static void
scan_cb(void *arg, const struct mime_event *ev)
{
	struct hp_scan *s = arg;

	hp_event(s->hp, ev);
	s->stop = s->hp->state == 2;
}

void
hp_scan_fd(struct hp *hp, int fd)
{
	struct hp_scan s = { hp, 0 };

	scan(fd, scan_cb, &s, &s.stop);
	if (hp->state != 2 && hp->scheme == HP_NONE)
		forget(hp);
	hp->state = 2;
}

/* The next word of s from *i (white space skipped), or 0 at the end. */
static size_t
word(const char *s, size_t len, size_t *i)
{
	size_t start;

#define WS(c) ((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n')
	while (*i < len && WS(s[*i]))
		(*i)++;
	start = *i;
	while (*i < len && !WS(s[*i]))
		(*i)++;
#undef WS
	return *i - start;
}

int
hp_value_eq(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0, j = 0, m, n;

	for (;;) {
		m = word(a, alen, &i);
		n = word(b, blen, &j);
		if (m != n || memcmp(a + i - m, b + j - n, m) != 0)
			return 0;
		if (m == 0)
			return 1;
	}
}

/* Finding the Legacy Display Element. */
#define LDE_MAX		(64 * 1024)

struct lde {
	enum hp_scheme s;
	int stop, found;
	/* RFC 9788: the part, and where its paragraph ends */
	const struct mime_part *part;
	int looked;		/* the first text/plain leaf was seen */
	uint64_t from, seen;
	int bol, cr;
	char first[64];
	size_t nfirst;
	int qp;			/* the part is quoted-printable */
	char w[3];		/* its last three characters */
	/* v1: the first subpart's delimiter and the next */
	int v1part;
	unsigned ndelim;
	uint64_t d1;
};

/* Inside an attached message, or under a signature that the output
 * still carries: not the reader's text to edit. */
static int
enclosed(const struct mime_part *part)
{
	enum mime_smime k;

	for (part = part->parent; part != NULL; part = part->parent) {
		k = mime_smime_kind(part);
		if (strcmp(part->type, "message") == 0 ||
		    k == MIME_SMIME_SIGNED || k == MIME_SMIME_OPAQUE ||
		    mime_type_is(part, "multipart", "signed"))
			return 1;
	}
	return 0;
}

static int
param_is(const struct mime_part *part, const char *name, const char *want)
{
	char v[16];

	return part->ctype != NULL &&
	    mime_param_count(part->ctype, part->ctypelen, name) == 1 &&
	    mime_param(part->ctype, part->ctypelen, name, v, sizeof(v)) >= 0 &&
	    strcasecmp(v, want) == 0;
}

static void
lde_body(struct lde *l, const struct mime_event *ev)
{
	size_t i, v;

	for (i = 0; i < ev->len && !l->stop; i++) {
		char c = ev->data[i];

		if (l->nfirst < sizeof(l->first) - 1)
			l->first[l->nfirst++] = c;
		/* Quoted-printable: the paragraph ends where the encoded
		 * text has an empty line only if no line break is encoded
		 * (=0A, =0D) and no line is softly broken (= at its end);
		 * else the decoded element is not the range seen here. */
		if (l->qp) {
			l->w[0] = l->w[1];
			l->w[1] = l->w[2];
			l->w[2] = c;
			if (l->w[0] == '=' && l->w[1] == '0' &&
			    strchr("aAdD", l->w[2]) != NULL && c != '\0') {
				l->stop = 1;
				return;
			}
			if (l->w[1] == '=' && (c == '\r' || c == '\n')) {
				l->stop = 1;
				return;
			}
		}
		if (l->bol && c == '\n') {
			l->stop = 1;
			/* the paragraph must read as header fields */
			l->found = mime_field_name(l->first, l->nfirst, &v) > 0 &&
			    hp_index(l->first, l->nfirst) >= 0;
			l->seen = ev->offset + i + 1;
			return;
		}
		if (l->bol && c == '\r' && !l->cr) {
			l->cr = 1;
			continue;
		}
		l->bol = c == '\n';
		l->cr = 0;
	}
	if (ev->offset + ev->len - l->from > LDE_MAX)
		l->stop = 1;
}

static void
lde_cb(void *arg, const struct mime_event *ev)
{
	struct lde *l = arg;
	const struct mime_part *part = ev->part;

	if (l->stop)
		return;
	if (l->s == HP_V1) {
		if (part->depth == 0 && ev->type == MIME_EV_HEADER_END &&
		    !mime_is_multipart(part))
			l->stop = 1;
		if (part->depth == 0 && (ev->type == MIME_EV_DELIM ||
		    ev->type == MIME_EV_CLOSE)) {
			if (++l->ndelim == 1)
				l->d1 = ev->offset;
			else {
				l->stop = 1;
				l->found = l->v1part && ev->type ==
				    MIME_EV_DELIM;
				l->from = l->d1;
				l->seen = ev->offset;
			}
		}
		if (part->depth == 1 && part->index == 1 &&
		    ev->type == MIME_EV_HEADER_END)
			l->v1part = (mime_type_is(part, "text", "plain") ||
			    mime_type_is(part, "text", "rfc822-headers")) &&
			    param_is(part, "protected-headers", "v1");
		return;
	}
	if (l->part == NULL && ev->type == MIME_EV_HEADER_END &&
	    !mime_is_multipart(part) && mime_type_is(part, "text", "plain") &&
	    !enclosed(part)) {
		if (!param_is(part, "hp-legacy-display", "1") ||
		    !(strcmp(part->cte, "7bit") == 0 ||
		    strcmp(part->cte, "8bit") == 0 ||
		    strcmp(part->cte, "quoted-printable") == 0)) {
			l->stop = 1;
			return;
		}
		l->part = part;
		l->from = ev->offset + ev->len;
		l->bol = 1;
		l->qp = strcmp(part->cte, "quoted-printable") == 0;
		return;
	}
	if (l->part == part && ev->type == MIME_EV_BODY)
		lde_body(l, ev);
	else if (l->part == part && ev->type == MIME_EV_END)
		l->stop = 1;
}

int
hp_lde(int fd, enum hp_scheme s, uint64_t *from, uint64_t *to)
{
	struct lde l;

	memset(&l, 0, sizeof(l));
	l.s = s;
	if (s == HP_NONE || s == HP_WRAPPED)
		return -1;
	scan(fd, lde_cb, &l, &l.stop);
	if (!l.found)
		return -1;
	*from = l.from;
	*to = l.seen;
	return 0;
}
