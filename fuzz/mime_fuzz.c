/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * mime_fuzz: libFuzzer target for the streaming MIME parser.
 *
 * The first input byte picks a chunk size, so that every way of cutting
 * the input is explored; the rest is the message.  Beyond not crashing,
 * the parser must keep its one promise: the events give back the input
 * byte for byte, at contiguous offsets, and every entity that begins
 * ends; and how the input is cut does not change a single event (the
 * look-aheads for a delimiter decide the same in any chunk), nor an
 * entity's flags (the ambiguity checks, MIME_F_AMBIG, look ahead too).
 *
 * Every header field also goes through hdr's readers and writers: the
 * forged-result matcher and the From reader (no crash; an address read
 * is a plain one), and the value rendered as a quoted-string and as a
 * comment and added to a field of ours: printable ASCII, no "=?" to
 * decode, no value over HDR_VALUE_MAX, no line over 998 octets.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hdr.h"
#include "mime.h"

struct check {
	const uint8_t *in;
	size_t len, pos;
	long open;
	uint64_t shape;		/* FNV-1a of every event's type, depth, length */
	int type;		/* the last event, its content runs joined */
	unsigned serial, depth;
	size_t run;
	int hdr;		/* also through hdr (the first run only) */
};

static void
mix(uint64_t *h, uint64_t v)
{
	*h = (*h ^ v) * 0x100000001b3ULL;
}

/* Content comes in as many events as the chunks cut it into: a run of
 * one type for one entity counts as one event. */
static void
shape(struct check *c, const struct mime_event *ev)
{
	int joins = ev != NULL && (ev->type == MIME_EV_BODY ||
	    ev->type == MIME_EV_PREAMBLE || ev->type == MIME_EV_EPILOGUE ||
	    ev->type == MIME_EV_FIELD_MORE);

	if (joins && c->type == (int)ev->type &&
	    c->serial == ev->part->serial) {
		c->run += ev->len;
		return;
	}
	if (c->type != -1) {
		mix(&c->shape, (uint64_t)c->type);
		mix(&c->shape, c->depth);
		mix(&c->shape, c->run);
	}
	if (ev == NULL)
		return;
	c->type = (int)ev->type;
	c->serial = ev->part->serial;
	c->depth = ev->part->depth;
	c->run = ev->len;
}

static void
safe_value(const char *q)
{
	size_t i, n = strlen(q);

	if (n > HDR_VALUE_MAX || strstr(q, "=?") != NULL)
		abort();
	for (i = 0; i < n; i++)
		if (q[i] < 32 || q[i] > 126)
			abort();
}

static void
fields(const struct mime_event *ev)
{
	struct hdr_field f;
	char addr[320], *q, *cm, *item, *line, *eol;
	size_t v;

	hdr_is_ar_of(ev->data, ev->len, "mx.example.org");
	if (mime_field_name(ev->data, ev->len, &v) == 0)
		return;
	if (hdr_from(ev->data + v, ev->len - v, addr, sizeof(addr)) ==
	    HDR_FROM_ONE && (strchr(addr, '@') == NULL ||
	    strpbrk(addr, " <>()\"\r\n") != NULL))
		abort();
	q = hdr_token_or_quoted(ev->data + v, ev->len - v);
	cm = hdr_comment(ev->data + v, ev->len - v);
	safe_value(q);
	safe_value(cm);
	item = malloc(strlen(q) + 32);
	sprintf(item, "body.smime-issuer=%s", q);
	free(q);
	hdr_field_init(&f, "Authentication-Results", "\r\n");
	hdr_field_add(&f, "", "mx.example.org");
	hdr_field_add(&f, ";", "smime=policy");
	hdr_field_add(&f, "", cm);
	hdr_field_add(&f, "", item);
	hdr_field_end(&f);
	for (line = f.b.p; (eol = strstr(line, "\r\n")) != NULL;
	    line = eol + 2)
		if (eol - line > 998)
			abort();
	hdr_field_release(&f);
	free(item);
	free(cm);
}

static void
cb(void *arg, const struct mime_event *ev)
{
	struct check *c = arg;

	if (ev->type == MIME_EV_FIELD && c->hdr)
		fields(ev);

	if (ev->type == MIME_EV_BEGIN)
		c->open++;
	if (ev->type == MIME_EV_END) {
		c->open--;
		mix(&c->shape, ev->part->flags);
		if ((ev->part->flags & MIME_F_AMBIG) && (ev->part->ambig ==
		    NULL || strlen(ev->part->ambig) == 0))
			abort();
	}
	shape(c, ev);
	if (ev->len == 0)
		return;
	if (ev->offset != c->pos || ev->len > c->len - c->pos ||
	    memcmp(ev->data, c->in + c->pos, ev->len) != 0)
		abort();
	c->pos += ev->len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t
run(const uint8_t *in, size_t len, size_t chunk, int hdr)
{
	struct check c = { in, len, 0, 0, 0xcbf29ce484222325ULL, -1, 0, 0,
	    0, hdr };
	struct mime_parser *p;
	size_t off, k;

	p = mime_parser_new(cb, &c);
	for (off = 0; off < len; off += k) {
		k = len - off < chunk ? len - off : chunk;
		mime_parser_feed(p, (const char *)in + off, k);
	}
	mime_parser_finish(p);
	mime_parser_free(p);
	shape(&c, NULL);
	if (c.pos != c.len || c.open != 0)
		abort();
	return c.shape;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t chunk;

	if (size == 0)
		return 0;
	chunk = data[0] == 0 ? size : data[0];
	if (run(data + 1, size - 1, chunk, 1) != run(data + 1, size - 1,
	    size > 1 ? size - 1 : 1, 0))
		abort();
	return 0;
}
