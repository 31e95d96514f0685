/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * ber.c - split a CMS ContentInfo into skeleton and content (ber.h)
 *
 * A byte-driven state machine.  A TLV header is gathered in a small
 * buffer, whatever the input's chunking, and parsed; a constructed element
 * then goes on a fixed stack, a primitive's contents go where the
 * element's role sends them: into the skeleton, to the callback, or into
 * the skeleton and the contentType buffer.  Positions are absolute input
 * offsets in a uint64_t, and every open element knows the offset it may
 * not pass (its own end, or for an indefinite one its parent's), so a
 * length is checked against its parent with one subtraction that cannot
 * overflow.
 *
 * The skeleton is one buffer.  Elements off the path are appended as they
 * came.  Of an element on the path only the contents are appended; when
 * it closes, its definite-length header is inserted where they start.
 * That is four memmoves of at most BER_SKELETON_MAX, once per message.
 */
#include <stdlib.h>
#include <string.h>

#include "ber.h"
#include "buf.h"
#include "err.h"

/* Identifier: 1 + at most 4 tag octets; length: 1 + at most 8. */
#define BER_TAGOCTETS	4
#define BER_HDRMAX	16

/* What the next input byte is. */
enum {
	BS_HDR,		/* part of a TLV header */
	BS_BODY,	/* contents of a primitive element */
	BS_TRAIL,	/* after the ContentInfo */
	BS_DONE		/* ber_split_finish() has run */
};

/* What an open constructed element is. */
enum {
	BR_RAW,		/* off the path: copied as it came */
	BR_PATH,	/* on the path: children checked, header re-encoded */
	BR_WRAP,	/* eContent's [0] EXPLICIT: left out, with all in it */
	BR_OCTETS	/* a constructed content OCTET STRING: left out */
};

/* Where a primitive element's contents go. */
enum {
	BD_SKEL,	/* the skeleton */
	BD_OID,		/* the skeleton and b->oid: ContentInfo.contentType */
	BD_CONTENT	/* the callback */
};

/* What a child of a path element is. */
enum {
	BA_RAW,		/* copied as it came */
	BA_TYPE,	/* ContentInfo.contentType */
	BA_PATH,	/* the next element on the path, slot.level */
	BA_WRAP,	/* SignedData's [0] EXPLICIT eContent */
	BA_CONTENT	/* [0] IMPLICIT encryptedContent */
};

/* The elements on the path; each has its production below. */
enum {
	BL_CI,		/* ContentInfo */
	BL_CIX,		/* ContentInfo's [0] EXPLICIT content */
	BL_SD,		/* SignedData */
	BL_ECI,		/* EncapsulatedContentInfo */
	BL_ED,		/* EnvelopedData */
	BL_AED,		/* AuthEnvelopedData */
	BL_ENCI,	/* EncryptedContentInfo */
	BL_BYTYPE	/* not a level: the one contentType names */
};

/*
 * One component of a SEQUENCE on the path.  Only single-octet identifiers
 * appear there, so they are compared as bytes, constructed bit included:
 * a SEQUENCE must come constructed, an OID primitive.
 */
struct ber_slot {
	unsigned char	 id[2];		/* identifier octets it accepts */
	unsigned char	 opt;		/* OPTIONAL */
	unsigned char	 act;		/* BA_* */
	unsigned char	 level;		/* BA_PATH: BL_* */
};

#define BER_ID(a)	{ (a), (a) }

static const struct ber_slot ber_ci[] = {	/* RFC 5652 3 */
	{ BER_ID(0x06), 0, BA_TYPE, 0 },	/* contentType */
	{ BER_ID(0xa0), 0, BA_PATH, BL_CIX },	/* [0] EXPLICIT content */
};
static const struct ber_slot ber_cix[] = {
	{ BER_ID(0x30), 0, BA_PATH, BL_BYTYPE },
};
static const struct ber_slot ber_sd[] = {	/* RFC 5652 5.1 */
	{ BER_ID(0x02), 0, BA_RAW, 0 },		/* version */
	{ BER_ID(0x31), 0, BA_RAW, 0 },		/* digestAlgorithms */
	{ BER_ID(0x30), 0, BA_PATH, BL_ECI },	/* encapContentInfo */
	{ BER_ID(0xa0), 1, BA_RAW, 0 },		/* [0] certificates */
	{ BER_ID(0xa1), 1, BA_RAW, 0 },		/* [1] crls */
	{ BER_ID(0x31), 0, BA_RAW, 0 },		/* signerInfos */
};
static const struct ber_slot ber_eci[] = {	/* RFC 5652 5.2 */
	{ BER_ID(0x06), 0, BA_RAW, 0 },		/* eContentType */
	{ BER_ID(0xa0), 1, BA_WRAP, 0 },	/* [0] EXPLICIT eContent */
};
static const struct ber_slot ber_ed[] = {	/* RFC 5652 6.1 */
	{ BER_ID(0x02), 0, BA_RAW, 0 },		/* version */
	{ BER_ID(0xa0), 1, BA_RAW, 0 },		/* [0] originatorInfo */
	{ BER_ID(0x31), 0, BA_RAW, 0 },		/* recipientInfos */
	{ BER_ID(0x30), 0, BA_PATH, BL_ENCI },	/* encryptedContentInfo */
	{ BER_ID(0xa1), 1, BA_RAW, 0 },		/* [1] unprotectedAttrs */
};
static const struct ber_slot ber_aed[] = {	/* RFC 5083 2.1 */
	{ BER_ID(0x02), 0, BA_RAW, 0 },		/* version */
	{ BER_ID(0xa0), 1, BA_RAW, 0 },		/* [0] originatorInfo */
	{ BER_ID(0x31), 0, BA_RAW, 0 },		/* recipientInfos */
	{ BER_ID(0x30), 0, BA_PATH, BL_ENCI },	/* authEncryptedContentInfo */
	{ BER_ID(0xa1), 1, BA_RAW, 0 },		/* [1] authAttrs */
	{ { 0x04, 0x24 }, 0, BA_RAW, 0 },	/* mac */
	{ BER_ID(0xa2), 1, BA_RAW, 0 },		/* [2] unauthAttrs */
};
static const struct ber_slot ber_enci[] = {	/* RFC 5652 6.1 */
	{ BER_ID(0x06), 0, BA_RAW, 0 },		/* contentType */
	{ BER_ID(0x30), 0, BA_RAW, 0 },		/* contentEncryptionAlgorithm */
	{ { 0x80, 0xa0 }, 1, BA_CONTENT, 0 },	/* [0] encryptedContent */
};

#define BER_NSLOTS(a)	(sizeof(a) / sizeof((a)[0]))

static const struct {
	const struct ber_slot	*slot;
	size_t			 n;
} ber_grammar[] = {
	[BL_CI] = { ber_ci, BER_NSLOTS(ber_ci) },
	[BL_CIX] = { ber_cix, BER_NSLOTS(ber_cix) },
	[BL_SD] = { ber_sd, BER_NSLOTS(ber_sd) },
	[BL_ECI] = { ber_eci, BER_NSLOTS(ber_eci) },
	[BL_ED] = { ber_ed, BER_NSLOTS(ber_ed) },
	[BL_AED] = { ber_aed, BER_NSLOTS(ber_aed) },
	[BL_ENCI] = { ber_enci, BER_NSLOTS(ber_enci) },
};

/* The contentType OIDs we split: contents octets, then type and level. */
static const struct {
	unsigned char	 oid[11];
	unsigned char	 len;
	unsigned char	 level;
	enum ber_type	 type;
} ber_types[] = {
	/* 1.2.840.113549.1.7.2, RFC 5652 5.1 */
	{ { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02 }, 9,
	    BL_SD, BER_SIGNED },
	/* 1.2.840.113549.1.7.3, RFC 5652 6.1 */
	{ { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03 }, 9,
	    BL_ED, BER_ENVELOPED },
	/* 1.2.840.113549.1.9.16.1.23, RFC 5083 1.1 */
	{ { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01,
	    0x17 }, 11, BL_AED, BER_AUTHENVELOPED },
};

struct ber_elem {
	uint64_t	 end;	/* offset its contents may not pass */
	size_t		 skel;	/* BR_PATH: where its contents start */
	unsigned char	 id;	/* BR_PATH: identifier to re-encode */
	unsigned char	 role;	/* BR_* */
	unsigned char	 indef;	/* ends with EOC, not at end */
	unsigned char	 level;	/* BR_PATH: BL_* */
	unsigned char	 next;	/* BR_PATH: next slot; BR_WRAP: children */
};

/* A parsed TLV header. */
struct ber_hdr {
	uint64_t	 len;
	size_t		 n;	/* its length in octets */
	unsigned char	 id;	/* first identifier octet */
	unsigned char	 high;	/* tag number in the octets after it */
	unsigned char	 indef;
};

/* What a new child element becomes (ber_classify). */
struct ber_kid {
	unsigned char	 role;	/* BR_*, if constructed */
	unsigned char	 dest;	/* BD_*, if primitive */
	unsigned char	 level;	/* BR_PATH */
	unsigned char	 copy;	/* its header goes into the skeleton */
};

struct ber_split {
	int		(*content)(void *, const unsigned char *, size_t);
	void		*arg;
	struct ber_elem	 stk[BER_DEPTH_MAX];
	unsigned	 depth;
	int		 state;		/* BS_* */
	int		 err;		/* sticky BER_E_* */
	uint64_t	 pos;		/* input octets consumed */
	unsigned char	 hdr[BER_HDRMAX];
	size_t		 hlen;
	uint64_t	 rem;		/* BS_BODY: contents octets left */
	int		 dest;		/* BS_BODY: BD_* */
	struct buf	 skel;		/* the skeleton, at most BER_SKELETON_MAX */
	unsigned char	 oid[16];	/* contentType, if it fits */
	size_t		 oidlen;	/* its whole length */
	enum ber_type	 type;
	int		 had_content;
	uint64_t	 clen;
	unsigned	 flags;
};

struct ber_split *
ber_split_new(int (*content)(void *, const unsigned char *, size_t),
    void *arg)
{
	struct ber_split	*b;

	b = xcalloc(1, sizeof(*b));
	b->content = content;
	b->arg = arg;
	b->state = BS_HDR;
	b->type = BER_UNKNOWN;
	return b;
}

void
ber_split_free(struct ber_split *b)
{
	if (b == NULL)
		return;
	buf_free(&b->skel);
	free(b);
}

/*
 * Parses the n octets of a header gathered so far, fed one at a time.
 * Returns 0 when it needs more, 1 when it is complete (in *h, h->n == n),
 * or a negated BER_E_*.
 */
static int
ber_hdr_parse(const unsigned char *p, size_t n, struct ber_hdr *h)
{
	uint32_t	 tag = 0;
	size_t		 i = 1, k;
	unsigned char	 c;

	h->id = p[0];
	h->high = (p[0] & 0x1f) == 0x1f;
	if (h->high) {
		/* X.690 8.1.2.4: base 128, no leading zero septet, >= 31. */
		for (;;) {
			if (i >= n)
				return 0;
			if (i == 1 && p[1] == 0x80)
				return -BER_E_TAG;
			c = p[i++];
			tag = tag << 7 | (c & 0x7f);
			if ((c & 0x80) == 0)
				break;
			if (i > BER_TAGOCTETS)
				return -BER_E_TAG;
		}
		if (tag < 31)
			return -BER_E_TAG;
	}
	if (i >= n)
		return 0;
	c = p[i++];
	h->indef = c == 0x80;
	h->len = 0;
	if (c < 0x80)
		h->len = c;
	else if (c > 0x80) {
		/* 0xff is reserved (X.690 8.1.3.5 c); 9+ octets: too long. */
		k = c & 0x7f;
		if (k > 8)
			return -BER_E_LENGTH;
		if (n < i + k)
			return 0;
		for (; k > 0; k--)
			h->len = h->len << 8 | p[i++];
	}
	h->n = i;
	return 1;
}

static int
ber_skel_put(struct ber_split *b, const unsigned char *p, size_t n)
{
	if (n > BER_SKELETON_MAX - b->skel.n)
		return BER_E_LIMIT;
	buf_add(&b->skel, p, n);
	return 0;
}

size_t
ber_der_len(unsigned char *p, uint64_t len)
{
	uint64_t	 v;
	size_t		 k = 0, i;

	if (len < 0x80) {
		p[0] = (unsigned char)len;
		return 1;
	}
	for (v = len; v > 0; v >>= 8)
		k++;
	p[0] = (unsigned char)(0x80 | k);
	for (i = k; i > 0; i--, len >>= 8)
		p[i] = (unsigned char)(len & 0xff);
	return k + 1;
}

/* Inserts id and a definite length before the contents at skel[at]. */
static int
ber_skel_hdr(struct ber_split *b, size_t at, unsigned char id)
{
	unsigned char	 h[1 + 9];
	size_t		 n, len = b->skel.n;

	h[0] = id;
	n = 1 + ber_der_len(h + 1, len - at);
	if (n > BER_SKELETON_MAX - len)
		return BER_E_LIMIT;
	/* n octets more at the end, then the contents moved up. */
	buf_add(&b->skel, h, n);
	memmove(b->skel.p + at + n, b->skel.p + at, len - at);
	memcpy(b->skel.p + at, h, n);
	return 0;
}

/* Whether the slots left in a path element are all OPTIONAL. */
static int
ber_slots_done(const struct ber_elem *e)
{
	size_t	 i;

	for (i = e->next; i < ber_grammar[e->level].n; i++)
		if (!ber_grammar[e->level].slot[i].opt)
			return 0;
	return 1;
}

/* Pops the innermost element, which has ended. */
static int
ber_close(struct ber_split *b)
{
	struct ber_elem	*e = &b->stk[--b->depth];
	int		 r = 0;

	if (e->role == BR_PATH) {
		if (!ber_slots_done(e))
			return BER_E_STRUCT;
		r = ber_skel_hdr(b, e->skel, e->id);
	} else if (e->role == BR_WRAP && e->next == 0)
		return BER_E_STRUCT;
	if (r == 0 && b->depth == 0)
		b->state = BS_TRAIL;
	return r;
}

/* Closes the definite-length elements the input has reached the end of. */
static int
ber_settle(struct ber_split *b)
{
	const struct ber_elem	*e;
	int			 r = 0;

	while (r == 0 && b->depth > 0) {
		e = &b->stk[b->depth - 1];
		if (e->indef || e->end != b->pos)
			break;
		r = ber_close(b);
	}
	return r;
}

/* A content OCTET STRING or one of its segments (X.690 8.7.3.2). */
static int
ber_kid_octets(const struct ber_hdr *h, struct ber_kid *k)
{
	if (h->high || (h->id != 0x04 && h->id != 0x24))
		return BER_E_STRUCT;
	k->role = BR_OCTETS;
	k->dest = BD_CONTENT;
	return 0;
}

/* Matches a child of a path element against the production. */
static int
ber_kid_path(struct ber_split *b, struct ber_elem *up,
    const struct ber_hdr *h, struct ber_kid *k)
{
	const struct ber_slot	*s = NULL;
	size_t			 i;

	for (i = up->next; i < ber_grammar[up->level].n; i++) {
		s = &ber_grammar[up->level].slot[i];
		if (!h->high && (h->id == s->id[0] || h->id == s->id[1]))
			break;
		if (!s->opt)
			return BER_E_STRUCT;
	}
	if (i == ber_grammar[up->level].n)
		return BER_E_STRUCT;
	up->next = (unsigned char)(i + 1);
	switch (s->act) {
	case BA_RAW:
		k->copy = 1;
		break;
	case BA_TYPE:
		k->copy = 1;
		k->dest = BD_OID;
		break;
	case BA_PATH:
		k->role = BR_PATH;
		k->level = s->level;
		if (s->level == BL_BYTYPE) {
			for (i = 0; i < BER_NSLOTS(ber_types); i++)
				if (ber_types[i].type == b->type)
					break;
			if (i == BER_NSLOTS(ber_types))
				return BER_E_STRUCT;
			k->level = ber_types[i].level;
		}
		break;
	case BA_WRAP:
		b->had_content = 1;
		k->role = BR_WRAP;
		break;
	default:
		b->had_content = 1;
		k->role = BR_OCTETS;
		k->dest = BD_CONTENT;
		break;
	}
	return 0;
}

/* Decides what a new element inside up (NULL: the top) becomes. */
static int
ber_classify(struct ber_split *b, struct ber_elem *up,
    const struct ber_hdr *h, struct ber_kid *k)
{
	k->role = BR_RAW;
	k->dest = BD_SKEL;
	k->level = 0;
	k->copy = 0;
	if (up == NULL) {
		if (h->high || h->id != 0x30)
			return BER_E_STRUCT;
		k->role = BR_PATH;
		k->level = BL_CI;
		return 0;
	}
	switch (up->role) {
	case BR_RAW:
		k->copy = 1;
		return 0;
	case BR_PATH:
		return ber_kid_path(b, up, h, k);
	case BR_WRAP:
		/* [0] EXPLICIT: exactly one OCTET STRING. */
		if (up->next++ != 0)
			return BER_E_STRUCT;
		return ber_kid_octets(h, k);
	default:
		return ber_kid_octets(h, k);
	}
}

/* The contentType OID has been read: which type, and do we split it. */
static int
ber_settype(struct ber_split *b)
{
	size_t	 i;

	b->type = BER_OTHER;
	for (i = 0; i < BER_NSLOTS(ber_types); i++)
		if (b->oidlen == ber_types[i].len &&
		    memcmp(b->oid, ber_types[i].oid, b->oidlen) == 0)
			b->type = ber_types[i].type;
	return b->type == BER_OTHER ? BER_E_TYPE : 0;
}

/* A primitive element's contents have all been read. */
static int
ber_prim_done(struct ber_split *b)
{
	int	 r;

	b->state = BS_HDR;
	if (b->dest == BD_OID && (r = ber_settype(b)) != 0)
		return r;
	return ber_settle(b);
}

/* End-of-contents (X.690 8.1.5): ends the innermost indefinite element. */
static int
ber_eoc(struct ber_split *b, struct ber_elem *up, const struct ber_hdr *h)
{
	int	 r;

	if (h->id != 0x00 || h->indef || h->len != 0)
		return BER_E_EOC;
	if (up == NULL || !up->indef)
		return BER_E_EOC;
	if (up->role == BR_RAW && (r = ber_skel_put(b, b->hdr, h->n)) != 0)
		return r;
	if ((r = ber_close(b)) != 0)
		return r;
	return ber_settle(b);
}

/* A complete header: check it, then open or start reading the element. */
static int
ber_header(struct ber_split *b, const struct ber_hdr *h)
{
	struct ber_elem	*up = b->depth > 0 ? &b->stk[b->depth - 1] : NULL;
	struct ber_elem	*e;
	struct ber_kid	 k;
	uint64_t	 lim = up != NULL ? up->end : UINT64_MAX, end;
	int		 r;

	if (b->pos > lim)
		return BER_E_LENGTH;
	/* Universal 0 is reserved for end-of-contents. */
	if (!h->high && (h->id & 0xdf) == 0x00)
		return ber_eoc(b, up, h);
	if (h->indef) {
		if ((h->id & 0x20) == 0)
			return BER_E_INDEF;
		b->flags |= BER_F_INDEF;
		end = lim;
	} else {
		if (h->len > lim - b->pos)
			return BER_E_LENGTH;
		end = b->pos + h->len;
	}
	if ((r = ber_classify(b, up, h, &k)) != 0)
		return r;
	if (k.copy) {
		if (!h->indef && h->len > BER_SKELETON_MAX - b->skel.n)
			return BER_E_LIMIT;
		if ((r = ber_skel_put(b, b->hdr, h->n)) != 0)
			return r;
	}
	/*
	 * A primitive, and a definite-length element off the path, are
	 * contents octets to pass on.  Off the path we do not look inside
	 * what OpenSSL will parse from the skeleton: it takes ANY values
	 * (attribute values, algorithm parameters) as opaque octets itself,
	 * so looking would only refuse messages it accepts.  An indefinite
	 * one has to be walked to find its end, as asn1_find_end() does.
	 */
	if ((h->id & 0x20) == 0 || (k.role == BR_RAW && !h->indef)) {
		b->dest = k.dest;
		b->rem = h->len;
		if (b->rem > 0) {
			b->state = BS_BODY;
			return 0;
		}
		return ber_prim_done(b);
	}
	if (b->depth == BER_DEPTH_MAX)
		return BER_E_DEPTH;
	if (k.role == BR_OCTETS)
		b->flags |= BER_F_SEGMENTED;
	e = &b->stk[b->depth++];
	e->end = end;
	e->skel = b->skel.n;
	e->id = h->id;
	e->role = k.role;
	e->indef = h->indef;
	e->level = k.level;
	e->next = 0;
	/* An empty definite element ends where it starts. */
	return ber_settle(b);
}

static size_t
ber_feed_hdr(struct ber_split *b, const unsigned char *p, size_t n)
{
	struct ber_hdr	 h;
	size_t		 i = 0;
	int		 r;

	do {
		b->hdr[b->hlen++] = p[i++];
		b->pos++;
		r = ber_hdr_parse(b->hdr, b->hlen, &h);
	} while (r == 0 && i < n);
	if (r < 0)
		b->err = -r;
	else if (r > 0) {
		b->err = ber_header(b, &h);
		b->hlen = 0;
	}
	return i;
}

static size_t
ber_feed_body(struct ber_split *b, const unsigned char *p, size_t n)
{
	size_t	 k = n < b->rem ? n : (size_t)b->rem;
	int	 r = 0;

	switch (b->dest) {
	case BD_OID:
		if (b->oidlen < sizeof(b->oid))
			memcpy(b->oid + b->oidlen, p,
			    k < sizeof(b->oid) - b->oidlen ? k :
			    sizeof(b->oid) - b->oidlen);
		b->oidlen += k;
		/* FALLTHROUGH */
	case BD_SKEL:
		r = ber_skel_put(b, p, k);
		break;
	default:
		b->clen += k;
		if (b->content != NULL && b->content(b->arg, p, k) != 0)
			r = BER_E_STOPPED;
		break;
	}
	b->pos += k;
	b->rem -= k;
	if (r == 0 && b->rem == 0)
		r = ber_prim_done(b);
	b->err = r;
	return k;
}

/* NUL and white space may follow (ber.h); anything else may not. */
static size_t
ber_feed_trail(struct ber_split *b, const unsigned char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (p[i] != 0 && p[i] != ' ' && p[i] != '\t' &&
		    p[i] != '\r' && p[i] != '\n') {
			b->pos += i + 1;
			b->err = BER_E_TRAILING;
			return i + 1;
		}
	b->pos += n;
	b->flags |= BER_F_TRAILING;
	return n;
}

int
ber_split_feed(struct ber_split *b, const unsigned char *p, size_t n)
{
	size_t	 k;

	if (b->err == 0 && b->state == BS_DONE)
		return BER_E_STATE;
	while (b->err == 0 && n > 0) {
		if (b->state == BS_HDR)
			k = ber_feed_hdr(b, p, n);
		else if (b->state == BS_BODY)
			k = ber_feed_body(b, p, n);
		else
			k = ber_feed_trail(b, p, n);
		p += k;
		n -= k;
	}
	return b->err;
}

int
ber_split_finish(struct ber_split *b, unsigned char **skel, size_t *skellen,
    enum ber_type *type, int *had_content, uint64_t *content_len)
{
	int	 r = b->err;

	if (skel != NULL)
		*skel = NULL;
	if (skellen != NULL)
		*skellen = 0;
	if (type != NULL)
		*type = b->type;
	if (had_content != NULL)
		*had_content = b->had_content;
	if (content_len != NULL)
		*content_len = b->clen;
	if (r == 0 && b->state == BS_DONE)
		return BER_E_STATE;
	if (r == 0 && b->state != BS_TRAIL)
		r = b->err = BER_E_TRUNCATED;
	if (r != 0)
		return r;
	b->state = BS_DONE;
	if (skellen != NULL)
		*skellen = b->skel.n;
	if (skel != NULL) {
		*skel = (unsigned char *)b->skel.p;
		memset(&b->skel, 0, sizeof(b->skel));
	}
	return 0;
}

int
ber_split_prefix(const struct ber_split *b, unsigned char **der,
    size_t *len)
{
	/* A stand-in mac: the real one comes after the content. */
	static const unsigned char mac[2 + 16] = { 0x04, 16 };
	const struct ber_elem	*e;
	unsigned char		*p, h[1 + 9];
	size_t			 n, k;
	unsigned		 i;

	*der = NULL;
	*len = 0;
	if (b->err != 0 || !b->had_content || b->state == BS_TRAIL ||
	    b->state == BS_DONE || (b->type != BER_ENVELOPED &&
	    b->type != BER_AUTHENVELOPED))
		return BER_E_STATE;
	p = xmalloc(b->skel.n + sizeof(mac) + b->depth * sizeof(h));
	if (b->skel.n > 0)
		memcpy(p, b->skel.p, b->skel.n);
	n = b->skel.n;
	/* Close the open path elements, innermost first, as ber_close
	 * would; the optional elements after the content are absent. */
	for (i = b->depth; i-- > 0;) {
		e = &b->stk[i];
		if (e->role != BR_PATH)
			continue;
		if (e->level == BL_AED) {
			memcpy(p + n, mac, sizeof(mac));
			n += sizeof(mac);
		}
		h[0] = e->id;
		k = 1 + ber_der_len(h + 1, n - e->skel);
		memmove(p + e->skel + k, p + e->skel, n - e->skel);
		memcpy(p + e->skel, h, k);
		n += k;
	}
	*der = p;
	*len = n;
	return 0;
}

enum ber_type
ber_split_type(const struct ber_split *b)
{
	return b->type;
}

unsigned
ber_split_flags(const struct ber_split *b)
{
	return b->flags;
}

uint64_t
ber_split_offset(const struct ber_split *b)
{
	return b->pos;
}

const char *
ber_strerror(int e)
{
	static const char *const msg[] = {
		[0] = "success",
		[BER_E_TRUNCATED] = "truncated",
		[BER_E_TAG] = "malformed tag",
		[BER_E_LENGTH] = "bad length",
		[BER_E_INDEF] = "indefinite length on a primitive element",
		[BER_E_EOC] = "misplaced end-of-contents",
		[BER_E_DEPTH] = "nested too deeply",
		[BER_E_LIMIT] = "structure too large without its content",
		[BER_E_STRUCT] = "not a well-formed cms structure",
		[BER_E_TYPE] = "content type neither signed nor enveloped",
		[BER_E_TRAILING] = "data after the end",
		[BER_E_STOPPED] = "stopped by the content reader",
		[BER_E_STATE] = "already finished",
	};

	if (e < 0 || (size_t)e >= sizeof(msg) / sizeof(msg[0]))
		return "unknown error";
	return msg[e];
}
