/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * hcp: see hcp.h.
 */
#define _DEFAULT_SOURCE
#include <ctype.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "err.h"
#include "hcp.h"
#include "hdr.h"
#include "hp.h"
#include "mime.h"

const char *const hcp_names[] = {
	"hcp_baseline", "hcp_shy", "hcp_no_confidentiality", NULL
};

/*
 * Never copied into the payload: Bcc (its copy would reach every
 * recipient), the trace and transport fields the way there adds and
 * that say nothing the author wrote, and our own, which a reader must
 * never take for the author's.  MIME-Version is structural.
 */
static const char *const never[] = {
	"MIME-Version", "Bcc", "Received", "Return-Path", "Delivered-To",
	"X-Original-To", "DKIM-Signature", "Authentication-Results",
	"SMIME-Decrypt", "SMIME-Encrypt", "HP-Outer", NULL
};
static const char *const never_prefix[] = { "Resent-", "ARC-", NULL };

static int
name_in(const char *field, size_t len, const char *const *list)
{
	size_t v, n = mime_field_name(field, len, &v);
	int i;

	for (i = 0; n > 0 && list[i] != NULL; i++)
		if (strlen(list[i]) == n && strncasecmp(field, list[i], n) == 0)
			return i;
	return -1;
}

int
hcp_copied(const char *field, size_t len)
{
	size_t v, n = mime_field_name(field, len, &v);
	int i;

	if (n == 0 || (n >= 8 && strncasecmp(field, "Content-", 8) == 0))
		return 0;
	if (name_in(field, len, never) >= 0)
		return 0;
	for (i = 0; never_prefix[i] != NULL; i++)
		if (n >= strlen(never_prefix[i]) && strncasecmp(field,
		    never_prefix[i], strlen(never_prefix[i])) == 0)
			return 0;
	return 1;
}

/* RFC 9788 3.2.1 (hcp_baseline): Subject becomes "[...]", Keywords and
 * Comments go; 3.2.2 (hcp_shy): also From without its display name and
 * Date in UTC. */
int
hcp_hides(enum hcp_policy pol, const char *field, size_t len)
{
	static const char *const base[] = {
		"Subject", "Keywords", "Comments", NULL
	};
	static const char *const shy[] = { "From", "Date", NULL };

	if (pol != HCP_BASELINE && pol != HCP_SHY)
		return 0;
	return name_in(field, len, base) >= 0 ||
	    (pol == HCP_SHY && name_in(field, len, shy) >= 0);
}

void
hcp_init(struct hcp *h, enum hcp_policy pol)
{
	memset(h, 0, sizeof(*h));
	h->pol = pol;
}

void
hcp_release(struct hcp *h)
{
	buf_free(&h->inner);
	buf_free(&h->outer);
	buf_free(&h->hidden);
	buf_free(&h->hpouter);
	buf_free(&h->lde);
	memset(h, 0, sizeof(*h));
}

/* The field's own line end ("" if the input ended in it). */
static const char *
eol_of(const char *field, size_t len)
{
	if (len >= 2 && field[len - 2] == '\r' && field[len - 1] == '\n')
		return "\r\n";
	if (len >= 1 && field[len - 1] == '\n')
		return "\n";
	return "";
}

/* Adds a whole field, with a line end if it had none. */
static void
add_line(struct buf *b, const char *p, size_t n)
{
	buf_add(b, p, n);
	if (*eol_of(p, n) == '\0')
		buf_add(b, "\r\n", 2);
}

/* The value unfolded: line ends and controls dropped or made spaces,
 * white space at either end trimmed. */
static void
unfold(struct buf *b, const char *v, size_t n)
{
	size_t i, start = b->n;

	while (n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	for (i = 0; i < n; i++) {
		if (v[i] == '\n')
			continue;
		if (v[i] == '\r') {
			if (i + 1 < n && v[i + 1] == '\n')
				continue;
			buf_add(b, " ", 1);
			continue;
		}
		buf_add(b, (unsigned char)v[i] < 32 ? " " : v + i, 1);
	}
	while (b->n > start && (b->p[b->n - 1] == ' ' ||
	    b->p[b->n - 1] == '\t'))
		b->n--;
}

/*
 * hcp_shy's From: the addr-spec alone, as the author wrote it (hdr_from
 * gives it lowercased: the local part is found again in the value, so
 * that not a letter of the address changes).  -1: not one plain mailbox,
 * which stays as it is.
 */
static int
from_addr(const char *v, size_t n, struct buf *out)
{
	char addr[320];
	size_t alen, i;

	if (hdr_from(v, n, addr, sizeof(addr)) != HDR_FROM_ONE)
		return -1;
	alen = strlen(addr);
	for (i = 0; alen > 0 && i + alen <= n; i++)
		if (strncasecmp(v + i, addr, alen) == 0) {
			buf_puts(out, "<");
			buf_add(out, v + i, alen);
			buf_puts(out, ">");
			return 0;
		}
	return -1;
}

/* The outside's version of one field into out; 0, or -1: dropped. */
static int
outer_of(const struct hcp *h, const char *field, size_t len, struct buf *out)
{
	const char *eol = eol_of(field, len);
	char date[64];
	size_t v;
	size_t vlen;

	if (!hcp_hides(h->pol, field, len)) {
		buf_add(out, field, len);
		return 0;
	}
	mime_field_name(field, len, &v);
	vlen = len - v - strlen(eol);
	if (mime_field_is(field, len, "Keywords") ||
	    mime_field_is(field, len, "Comments"))
		return -1;
	if (mime_field_is(field, len, "Subject")) {
		buf_printf(out, "Subject: [...]%s", eol);
		return 0;
	}
	if (mime_field_is(field, len, "From")) {
		size_t mark = out->n;

		buf_puts(out, "From: ");
		if (from_addr(field + v, vlen, out) == 0) {
			buf_puts(out, eol);
			return 0;
		}
		out->n = mark;
	}
	if (mime_field_is(field, len, "Date") &&
	    hcp_date_utc(field + v, vlen, date, sizeof(date)) == 0) {
		buf_printf(out, "Date: %s%s", date, eol);
		return 0;
	}
	/* A From or Date hcp_shy cannot read stays as it is: the From
	 * address is never altered, and a date no reader parses is
	 * better left to the reader. */
	buf_add(out, field, len);
	return 0;
}

void
hcp_add(struct hcp *h, const char *field, size_t len)
{
	struct buf o = { 0 };
	size_t v;
	int uf = hp_index(field, len), copied, dropped, changed;

	if (uf >= 0) {
		if ((h->seen & (1u << uf)) && h->dup == NULL)
			h->dup = hp_names[uf];
		h->seen |= 1u << uf;
	}
	copied = hcp_copied(field, len);
	if (copied)
		add_line(&h->inner, field, len);
	dropped = outer_of(h, field, len, &o) == -1;
	changed = dropped || o.n != len || memcmp(o.p, field, len) != 0;
	if (!dropped)
		buf_add(&h->outer, o.p, o.n);
	if (hcp_hides(h->pol, field, len) && !dropped)
		add_line(&h->hidden, o.p, o.n);
	if (h->pol != HCP_OFF && copied && !dropped) {
		buf_puts(&h->hpouter, "HP-Outer: ");
		add_line(&h->hpouter, o.p, o.n);
	}
	if (uf >= 0 && changed) {
		if (h->lde.n >= 2)
			h->lde.n -= 2;	/* the empty line goes last */
		buf_printf(&h->lde, "%s: ", hp_names[uf]);
		mime_field_name(field, len, &v);
		unfold(&h->lde, field + v, len - v);
		buf_puts(&h->lde, "\r\n\r\n");
	}
	buf_free(&o);
}

/* RFC 5322 3.3, with the obsolete zones of 4.3. */
int
hcp_date_utc(const char *v, size_t len, char *out, size_t outsz)
{
	static const char *const months[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
		"Oct", "Nov", "Dec"
	};
	static const struct { const char *name; int off; } zones[] = {
		{ "UT", 0 }, { "GMT", 0 }, { "Z", 0 }, { "EST", -500 },
		{ "EDT", -400 }, { "CST", -600 }, { "CDT", -500 },
		{ "MST", -700 }, { "MDT", -600 }, { "PST", -800 },
		{ "PDT", -700 }
	};
	char s[128], mon[8], zone[8];
	struct tm tm = { 0 };
	int day, year, hh, mm, ss = 0, off = 0, used = 0, i;
	size_t k, n = 0;
	time_t t;

	/* Comments and folds out; a bounded copy. */
	for (k = 0; k < len && n + 1 < sizeof(s); k++) {
		if (v[k] == '(') {
			int depth = 1;

			while (++k < len && depth > 0)
				depth += v[k] == '(' ? 1 : v[k] == ')' ? -1 : 0;
			k--;
			s[n++] = ' ';
			continue;
		}
		s[n++] = v[k] == '\r' || v[k] == '\n' || v[k] == '\t' ?
		    ' ' : v[k];
	}
	if (k < len)
		return -1;
	s[n] = '\0';
	char *p = strchr(s, ',');

	p = p != NULL ? p + 1 : s;
	if (sscanf(p, " %d %3s %d %d:%d%n", &day, mon, &year, &hh, &mm,
	    &used) != 5)
		return -1;
	p += used;
	if (*p == ':') {
		if (sscanf(p, ":%d%n", &ss, &used) != 1)
			return -1;
		p += used;
	}
	if (sscanf(p, " %7s", zone) != 1)
		return -1;
	if ((zone[0] == '+' || zone[0] == '-') && strlen(zone) == 5 &&
	    strspn(zone + 1, "0123456789") == 4)
		off = (zone[0] == '-' ? -1 : 1) * atoi(zone + 1);
	else {
		for (i = 0; i < (int)(sizeof(zones) / sizeof(zones[0])); i++)
			if (strcasecmp(zone, zones[i].name) == 0)
				break;
		if (i == (int)(sizeof(zones) / sizeof(zones[0])))
			return -1;
		off = zones[i].off;
	}
	for (i = 0; i < 12; i++)
		if (strcasecmp(mon, months[i]) == 0)
			break;
	/* RFC 5322 4.3: two-digit years. */
	if (year < 50)
		year += 2000;
	else if (year < 1000)
		year += 1900;
	if (i == 12 || day < 1 || day > 31 || hh > 23 || mm > 59 ||
	    ss > 60 || year > 9999 || hh < 0 || mm < 0 || ss < 0)
		return -1;
	tm.tm_year = year - 1900;
	tm.tm_mon = i;
	tm.tm_mday = day;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	t = timegm(&tm);
	t -= (off / 100 * 60 + off % 100) * 60;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, outsz, "%a, %d %b %Y %H:%M:%S +0000", &tm) == 0)
		return -1;
	return 0;
}

void
hcp_ct_param(struct buf *ct, const char *param)
{
	while (ct->n > 0 && strchr("\r\n \t", ct->p[ct->n - 1]) != NULL)
		ct->n--;
	if (ct->n > 0 && ct->p[ct->n - 1] == ';')
		ct->n--;
	buf_printf(ct, ";\r\n\t%s\r\n", param);
}

enum hcp_lde_how
hcp_lde_how(const char *cte)
{
	if (strcmp(cte, "7bit") == 0 || strcmp(cte, "8bit") == 0 ||
	    strcmp(cte, "binary") == 0)
		return HCP_LDE_RAW;
	if (strcmp(cte, "quoted-printable") == 0)
		return HCP_LDE_QP;
	if (strcmp(cte, "base64") == 0)
		return HCP_LDE_B64;
	return HCP_LDE_NONE;
}

int
hcp_lde_target(const struct mime_part *part)
{
	const struct mime_part *p;
	char v[8];

	if (!mime_type_is(part, "text", "plain") || part->nchildren > 0 ||
	    hcp_lde_how(part->cte) == HCP_LDE_NONE)
		return 0;
	/* A forwarded message's text is not this message's. */
	for (p = part->parent; p != NULL; p = p->parent)
		if (strcmp(p->type, "message") == 0)
			return 0;
	return part->ctype == NULL || mime_param(part->ctype,
	    part->ctypelen, "hp-legacy-display", v, sizeof(v)) < 0;
}

int
hcp_lde_8bit(const struct buf *lde)
{
	size_t i;

	for (i = 0; i < lde->n; i++)
		if ((unsigned char)lde->p[i] >= 0x80)
			return 1;
	return 0;
}

void
hcp_lde_begin(struct hcp_lde *l, const char *cte, const struct buf *lde,
    hcp_put put, void *arg)
{
	struct qpenc qp;
	char *out;
	size_t n;

	memset(l, 0, sizeof(*l));
	l->how = hcp_lde_how(cte);
	l->put = put;
	l->arg = arg;
	switch (l->how) {
	case HCP_LDE_RAW:
		put(arg, lde->p, lde->n);
		break;
	case HCP_LDE_QP:
		/* Whole lines: the body's own encoding goes on after. */
		out = xmalloc(qpenc_bound(lde->n) + 16);
		qpenc_init(&qp, "\r\n", 0);
		n = qpenc_update(&qp, (const unsigned char *)lde->p, lde->n,
		    out);
		n += qpenc_final(&qp, out + n);
		put(arg, out, n);
		free(out);
		break;
	case HCP_LDE_B64:
		b64dec_init(&l->dec);
		b64enc_init(&l->enc, 76, "\r\n");
		out = xmalloc(b64enc_bound(lde->n));
		put(arg, out, b64enc_update(&l->enc,
		    (const unsigned char *)lde->p, lde->n, out));
		free(out);
		break;
	default:
		break;
	}
}

void
hcp_lde_body(struct hcp_lde *l, const char *p, size_t n)
{
	unsigned char dec[3072];
	char enc[8192];
	size_t k, d;

	if (l->how != HCP_LDE_B64) {
		l->put(l->arg, p, n);
		return;
	}
	/* 4000 characters decode to at most 3003 bytes, which encode to
	 * under 4200: both fit. */
	for (; n > 0; p += k, n -= k) {
		k = n < 4000 ? n : 4000;
		d = b64dec_update(&l->dec, p, k, dec);
		l->put(l->arg, enc, b64enc_update(&l->enc, dec, d, enc));
	}
}

void
hcp_lde_end(struct hcp_lde *l)
{
	unsigned char dec[16];
	char enc[64];
	size_t d = 0, n;

	if (l->how != HCP_LDE_B64)
		return;
	/* Errors in the base64 are the author's: what decodes is kept. */
	(void)b64dec_final(&l->dec, dec, &d);
	n = b64enc_update(&l->enc, dec, d, enc);
	n += b64enc_final(&l->enc, enc + n);
	l->put(l->arg, enc, n);
}
