/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * cte_fuzz: libFuzzer target for the transfer-encoding codecs the MIME
 * writer uses (mime_cte.h): smime-sign re-encodes with the encoders,
 * smime-verify and smime-decrypt read with the decoders.
 *
 * The first two bytes are settings: a seed for the sizes the input is cut
 * into, the base64 line length, the end of line and the quoted-printable
 * mode; the rest is the data.  What mime_cte.h promises is checked, not
 * only that nothing crashes:
 *  - every update and final call stays within its stated bound (each
 *    gets a heap buffer of exactly that size, so ASan sees one byte more);
 *  - the output does not depend on how the input was cut;
 *  - base64 and binary quoted-printable give the input back through
 *    their decoders, which call it well-formed; text quoted-printable
 *    gives it back with each line break turned into eol;
 *  - the encoders write whole lines of the promised length, 7-bit, with
 *    no line "." alone or beginning "From " (quoted-printable);
 *  - the decoders take the raw data (anything at all) the same way
 *    whole and cut.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mime_cte.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct out {
	unsigned char *p;
	size_t len, cap;
};

static void
out_add(struct out *o, const void *p, size_t n)
{
	if (o->len + n > o->cap) {
		o->cap = (o->len + n) * 2 + 64;
		if ((o->p = realloc(o->p, o->cap)) == NULL)
			abort();
	}
	if (n > 0)
		memcpy(o->p + o->len, p, n);
	o->len += n;
}

/* Cuts: sizes from a small generator, so one seed gives one cutting. */
struct cuts {
	uint32_t x;
	size_t max;		/* 0: the whole input at once */
};

static size_t
cut_next(struct cuts *c, size_t left)
{
	size_t k;

	if (c->max == 0)
		return left;
	c->x ^= c->x << 13;
	c->x ^= c->x >> 17;
	c->x ^= c->x << 5;
	k = c->x % c->max + 1;
	return k < left ? k : left;
}

/* A buffer of exactly n bytes: writing past the bound is an ASan error. */
static void *
exact(size_t n)
{
	void *p = malloc(n > 0 ? n : 1);

	if (p == NULL)
		abort();
	return p;
}

static void
b64_encode(const uint8_t *in, size_t len, unsigned linelen, const char *eol,
    struct cuts c, struct out *o)
{
	struct b64enc e;
	size_t off, k, n, bound;
	char *buf;

	b64enc_init(&e, linelen, eol);
	for (off = 0; off < len; off += k) {
		k = cut_next(&c, len - off);
		bound = b64enc_bound(k);
		buf = exact(bound);
		if ((n = b64enc_update(&e, in + off, k, buf)) > bound)
			abort();
		out_add(o, buf, n);
		free(buf);
	}
	buf = exact(B64ENC_FINAL_MAX);
	if ((n = b64enc_final(&e, buf)) > B64ENC_FINAL_MAX)
		abort();
	out_add(o, buf, n);
	free(buf);
}

static int
b64_decode(const uint8_t *in, size_t len, struct cuts c, struct out *o)
{
	struct b64dec d;
	size_t off, k, n, bound;
	unsigned char *buf;
	int err;

	b64dec_init(&d);
	for (off = 0; off < len; off += k) {
		k = cut_next(&c, len - off);
		bound = b64dec_bound(k);
		buf = exact(bound);
		if ((n = b64dec_update(&d, (const char *)in + off, k, buf)) >
		    bound)
			abort();
		out_add(o, buf, n);
		free(buf);
	}
	buf = exact(3);
	err = b64dec_final(&d, buf, &n);
	if (n > 3)
		abort();
	out_add(o, buf, n);
	free(buf);
	return err;
}

static void
qp_encode(const uint8_t *in, size_t len, const char *eol, int binary,
    struct cuts c, struct out *o)
{
	struct qpenc e;
	size_t off, k, n, bound;
	char *buf;

	qpenc_init(&e, eol, binary);
	for (off = 0; off < len; off += k) {
		k = cut_next(&c, len - off);
		bound = qpenc_bound(k);
		buf = exact(bound);
		if ((n = qpenc_update(&e, in + off, k, buf)) > bound)
			abort();
		out_add(o, buf, n);
		free(buf);
	}
	buf = exact(QPENC_FINAL_MAX);
	if ((n = qpenc_final(&e, buf)) > QPENC_FINAL_MAX)
		abort();
	out_add(o, buf, n);
	free(buf);
}

static int
qp_decode(const uint8_t *in, size_t len, struct cuts c, struct out *o)
{
	struct qpdec d;
	size_t off, k, n, bound;
	unsigned char *buf;
	int err;

	qpdec_init(&d);
	for (off = 0; off < len; off += k) {
		k = cut_next(&c, len - off);
		bound = qpdec_bound(k);
		buf = exact(bound);
		if ((n = qpdec_update(&d, (const char *)in + off, k, buf)) >
		    bound)
			abort();
		out_add(o, buf, n);
		free(buf);
	}
	bound = qpdec_bound(0);
	buf = exact(bound);
	err = qpdec_final(&d, buf, &n);
	if (n > bound)
		abort();
	out_add(o, buf, n);
	free(buf);
	return err;
}

static int
same(const struct out *a, const struct out *b)
{
	return a->len == b->len && (a->len == 0 ||
	    memcmp(a->p, b->p, a->len) == 0);
}

static int
same_as(const struct out *a, const uint8_t *p, size_t len)
{
	return a->len == len && (len == 0 || memcmp(a->p, p, len) == 0);
}

/*
 * The encoder's lines: each ends in eol (a bare CR or LF elsewhere is
 * an error) and holds at most max characters, all printable ASCII (and
 * tabs, which quoted-printable leaves as they are).
 */
static void
check_lines(const struct out *o, const char *eol, size_t max, int qp)
{
	size_t i, start = 0, el = strlen(eol);
	unsigned char ch;

	for (i = 0; i < o->len; i++) {
		ch = o->p[i];
		if (ch == '\r' || ch == '\n') {
			if (o->len - i < el || memcmp(o->p + i, eol, el) != 0)
				abort();
			if (max != 0 && i - start > max)
				abort();
			/* SMTP's end of data and mbox's From_ line. */
			if (qp && i - start == 1 && o->p[start] == '.')
				abort();
			if (qp && i - start >= 5 &&
			    memcmp(o->p + start, "From ", 5) == 0)
				abort();
			i += el - 1;
			start = i + 1;
			continue;
		}
		if (qp ? (ch < 32 && ch != '\t') || ch > 126 :
		    ch <= 32 || ch > 126)
			abort();
		/* White space that ends a line would be lost in transport. */
		if (qp && (ch == ' ' || ch == '\t') && (i + 1 == o->len ||
		    o->p[i + 1] == '\r' || o->p[i + 1] == '\n'))
			abort();
	}
	/* Whole lines: the output ends with eol (or is empty). */
	if (start != o->len && max != 0)
		abort();
}

/* Text mode's promise: each LF or CRLF of the input becomes eol. */
static void
text_expect(const uint8_t *in, size_t len, const char *eol, struct out *o)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (in[i] == '\n')
			out_add(o, eol, strlen(eol));
		else if (in[i] == '\r' && i + 1 < len && in[i + 1] == '\n') {
			out_add(o, eol, strlen(eol));
			i++;
		} else
			out_add(o, in + i, 1);
	}
}

/* MIME's 76, the smallest, odd ones the encoder rounds down, none. */
static const unsigned linelens[8] = { 76, 4, 8, 64, 72, 3, 101, 0 };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct out whole = { 0 }, cut = { 0 }, back = { 0 }, want = { 0 };
	struct cuts one = { 0, 0 }, c1, c2;
	const uint8_t *in;
	const char *eol;
	unsigned linelen;
	size_t len;
	int binary, e1, e2;

	if (size < 2)
		return 0;
	c1.x = 0x9e3779b9u ^ data[0];
	c1.max = (data[0] & 0x3f) + 1;
	c2.x = 0x85ebca6bu ^ data[0] ^ data[1] << 8;
	c2.max = (data[1] >> 3) + 1;
	linelen = linelens[data[1] & 7];
	eol = data[0] & 0x40 ? "\n" : "\r\n";
	binary = (data[0] & 0x80) != 0;
	in = data + 2;
	/* The codecs keep a few bytes of state: length finds nothing that
	 * 16 KiB does not, and the seeds (whole messages) would cost the
	 * run most of its speed. */
	len = size - 2 < 16384 ? size - 2 : 16384;

	/* base64: cut like whole, back to the input, well-formed. */
	b64_encode(in, len, linelen, eol, one, &whole);
	b64_encode(in, len, linelen, eol, c1, &cut);
	if (!same(&whole, &cut))
		abort();
	check_lines(&whole, eol, linelen & ~3u, 0);
	if (b64_decode(whole.p, whole.len, c2, &back) != 0 ||
	    !same_as(&back, in, len))
		abort();
	whole.len = cut.len = back.len = 0;

	/* quoted-printable, in the mode the settings chose. */
	qp_encode(in, len, eol, binary, one, &whole);
	qp_encode(in, len, eol, binary, c1, &cut);
	if (!same(&whole, &cut))
		abort();
	check_lines(&whole, eol, 76, 1);
	if (qp_decode(whole.p, whole.len, c2, &back) != 0)
		abort();
	if (binary ? !same_as(&back, in, len) :
	    (text_expect(in, len, eol, &want), !same(&back, &want)))
		abort();
	whole.len = cut.len = back.len = 0;

	/* The decoders on anything: the same verdict and bytes, cut or not. */
	e1 = b64_decode(in, len, one, &whole);
	e2 = b64_decode(in, len, c1, &cut);
	if (e1 != e2 || !same(&whole, &cut))
		abort();
	whole.len = cut.len = 0;
	e1 = qp_decode(in, len, one, &whole);
	e2 = qp_decode(in, len, c1, &cut);
	if (e1 != e2 || !same(&whole, &cut))
		abort();

	free(whole.p);
	free(cut.p);
	free(back.p);
	free(want.p);
	return 0;
}
