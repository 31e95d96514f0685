/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * mime_cte.c - streaming base64 and quoted-printable (RFC 2045 6.7, 6.8)
 *
 * Each codec has a fast loop for the common case and a careful one-byte
 * step for everything else.  The fast loop runs only where its result is
 * the one the careful step would give (it looks ahead inside the caller's
 * buffer instead of holding bytes in the state), so how the input is
 * split, which moves bytes from one path to the other, cannot change the
 * output.  Everything is table-driven; the helpers are static inline and
 * vanish at -O2.
 */
#include <string.h>

#include "mime_cte.h"

/*
 * The lookup tables are built by the preprocessor from one expression per
 * entry, so each is written once, as a rule, and not as numbers to
 * proofread.  CTE_R256(f, 0) is f(0), f(1), ..., f(255).
 */
#define CTE_R4(f, c)	f(c), f((c) + 1), f((c) + 2), f((c) + 3)
#define CTE_R16(f, c)	CTE_R4(f, c), CTE_R4(f, (c) + 4), \
			CTE_R4(f, (c) + 8), CTE_R4(f, (c) + 12)
#define CTE_R64(f, c)	CTE_R16(f, c), CTE_R16(f, (c) + 16), \
			CTE_R16(f, (c) + 32), CTE_R16(f, (c) + 48)
#define CTE_R256(f, c)	CTE_R64(f, c), CTE_R64(f, (c) + 64), \
			CTE_R64(f, (c) + 128), CTE_R64(f, (c) + 192)
#define CTE_R1024(f, c)	CTE_R256(f, c), CTE_R256(f, (c) + 256), \
			CTE_R256(f, (c) + 512), CTE_R256(f, (c) + 768)
#define CTE_R4096(f, c)	CTE_R1024(f, c), CTE_R1024(f, (c) + 1024), \
			CTE_R1024(f, (c) + 2048), CTE_R1024(f, (c) + 3072)

/* base64 ------------------------------------------------------------ */

static const char b64_alpha[65] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * The characters for each 12-bit half of a quantum, so the encoder does
 * two lookups and two 2-byte stores per 3 bytes instead of four and four.
 */
#define B64_CHAR(v)							\
	((v) < 26 ? 'A' + (v) : (v) < 52 ? 'a' + (v) - 26 :		\
	 (v) < 62 ? '0' + (v) - 52 : (v) == 62 ? '+' : '/')
#define B64_PAIR(i)	{ (char)B64_CHAR((i) >> 6), (char)B64_CHAR((i) & 63) }
static const char b64_pairs[4096][2] = { CTE_R4096(B64_PAIR, 0) };

/*
 * What a byte is to the decoder: its sextet value, or one of three marks
 * above 63.  White space is what RFC 2045 line breaks and transports
 * leave; any other byte outside the alphabet is ignored too but reported.
 */
#define B64_SPACE	0x40
#define B64_PADCHAR	0x41
#define B64_STRAY	0x80
#define B64_VAL(c)							\
	((c) >= 'A' && (c) <= 'Z' ? (c) - 'A' :				\
	 (c) >= 'a' && (c) <= 'z' ? (c) - 'a' + 26 :			\
	 (c) >= '0' && (c) <= '9' ? (c) - '0' + 52 :			\
	 (c) == '+' ? 62 : (c) == '/' ? 63 : (c) == '=' ? B64_PADCHAR :	\
	 (c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n' ?	\
	 B64_SPACE : B64_STRAY)

/* The cast: clang checks the arms of ?: not taken, e.g. 252 - '0' + 52. */
#define B64_DVAL(c)	((unsigned char)B64_VAL(c))
static const unsigned char b64_dtab[256] = { CTE_R256(B64_DVAL, 0) };

/*
 * The same, shifted into place for each position of a quantum, with bit 24
 * set for anything not a sextet: the fast loop ORs four lookups and has
 * both the 24 data bits and its one test.  Measured 1.5 times as fast as
 * one table and shifts.
 */
#define B64_BAD		0x01000000u
#define B64_SH(c, n)	(B64_VAL(c) < 64 ? (uint32_t)B64_VAL(c) << (n) : \
			 B64_BAD)
#define B64_SH18(c)	B64_SH(c, 18)
#define B64_SH12(c)	B64_SH(c, 12)
#define B64_SH6(c)	B64_SH(c, 6)
#define B64_SH0(c)	B64_SH(c, 0)
static const uint32_t b64_d0[256] = { CTE_R256(B64_SH18, 0) };
static const uint32_t b64_d1[256] = { CTE_R256(B64_SH12, 0) };
static const uint32_t b64_d2[256] = { CTE_R256(B64_SH6, 0) };
static const uint32_t b64_d3[256] = { CTE_R256(B64_SH0, 0) };

/* Copies up to 2 bytes of eol, NULL meaning CRLF (strnlen is not C11). */
static void
cte_seteol(char *dst, unsigned char *len, const char *eol)
{
	unsigned char	 n;

	if (eol == NULL)
		eol = "\r\n";
	for (n = 0; n < 2 && eol[n] != '\0'; n++)
		dst[n] = eol[n];
	*len = n;
}

/* Where the decoder is with respect to '=' padding. */
enum {
	B64D_DATA,		/* no '=' yet */
	B64D_ONE,		/* "xx=": one more '=' due */
	B64D_DONE		/* padding complete: the data is over */
};

void
b64dec_init(struct b64dec *d)
{
	memset(d, 0, sizeof(*d));
}

size_t
b64dec_bound(size_t inlen)
{
	return (inlen / 4 + 1) * 3;
}

/*
 * Whole quanta without white space, padding or stray bytes: the bulk of a
 * MIME body, whose 76-character lines hold 19 quanta each.  Stops before
 * the first quantum holding anything else and leaves it to the careful
 * step.
 */
static inline const unsigned char *
b64dec_fast(const unsigned char *p, const unsigned char *end,
    unsigned char **op)
{
	unsigned char	*o = *op;
	uint32_t	 v;

	while (end - p >= 4) {
		v = b64_d0[p[0]] | b64_d1[p[1]] | b64_d2[p[2]] | b64_d3[p[3]];
		if (v & B64_BAD)
			break;
		o[0] = (unsigned char)(v >> 16);
		o[1] = (unsigned char)(v >> 8);
		o[2] = (unsigned char)v;
		p += 4;
		o += 3;
	}
	*op = o;
	return p;
}

/*
 * '=' at quantum position 2 or 3 ends the data; anywhere else it is out
 * of place and ignored like any other stray byte.
 */
static inline unsigned char *
b64dec_padchar(struct b64dec *d, unsigned char *o)
{
	if (d->pad == B64D_ONE)
		d->pad = B64D_DONE;
	else if (d->pad == B64D_DONE || d->n < 2)
		d->err |= B64_E_PAD;
	else if (d->n == 2) {
		*o++ = (unsigned char)(d->acc >> 4);
		d->pad = B64D_ONE;
		d->n = 0;
	} else {
		*o++ = (unsigned char)(d->acc >> 10);
		*o++ = (unsigned char)(d->acc >> 2);
		d->pad = B64D_DONE;
		d->n = 0;
	}
	return o;
}

static inline unsigned char *
b64dec_step(struct b64dec *d, unsigned char ch, unsigned char *o)
{
	unsigned	 v = b64_dtab[ch];

	if (v < 64) {
		if (d->pad != B64D_DATA) {
			/* Dropped: see the header. */
			d->err |= B64_E_TRAIL;
			d->pad = B64D_DONE;
			return o;
		}
		d->acc = d->acc << 6 | v;
		if (++d->n == 4) {
			o[0] = (unsigned char)(d->acc >> 16);
			o[1] = (unsigned char)(d->acc >> 8);
			o[2] = (unsigned char)d->acc;
			o += 3;
			d->n = 0;
		}
	} else if (v == B64_PADCHAR)
		o = b64dec_padchar(d, o);
	else if (v == B64_STRAY)
		d->err |= B64_E_CHAR;
	return o;
}

size_t
b64dec_update(struct b64dec *d, const char *in, size_t inlen,
    unsigned char *out)
{
	const unsigned char	*p = (const unsigned char *)in;
	const unsigned char	*end = p + inlen;
	unsigned char		*o = out;

	while (p < end) {
		if (d->n == 0 && d->pad == B64D_DATA) {
			p = b64dec_fast(p, end, &o);
			if (p == end)
				break;
		}
		o = b64dec_step(d, *p++, o);
	}
	return (size_t)(o - out);
}

int
b64dec_final(struct b64dec *d, unsigned char *out, size_t *outlen)
{
	unsigned char	*o = out;
	int		 err;

	/*
	 * A short last quantum: decode what it holds (one sextet holds no
	 * whole byte) and call it truncated.
	 */
	if (d->pad == B64D_ONE)
		d->err |= B64_E_LEN;
	else if (d->pad == B64D_DATA && d->n > 0) {
		d->err |= B64_E_LEN;
		if (d->n == 2)
			*o++ = (unsigned char)(d->acc >> 4);
		else if (d->n == 3) {
			*o++ = (unsigned char)(d->acc >> 10);
			*o++ = (unsigned char)(d->acc >> 2);
		}
	}
	*outlen = (size_t)(o - out);
	err = d->err;
	b64dec_init(d);
	return err;
}

void
b64enc_init(struct b64enc *e, unsigned linelen, const char *eol)
{
	memset(e, 0, sizeof(*e));
	e->linelen = linelen & ~3u;
	cte_seteol(e->eol, &e->eollen, eol);
}

size_t
b64enc_bound(size_t inlen)
{
	/* 4 characters per 3 bytes, an eol of 2 after each at linelen 4. */
	return (inlen / 3 + 1) * 6;
}

static inline char *
b64enc_quad(char *o, const unsigned char *p)
{
	uint32_t	 v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];

	memcpy(o, b64_pairs[v >> 12], 2);
	memcpy(o + 2, b64_pairs[v & 0xfff], 2);
	return o + 4;
}

/* Counts n characters onto the line and ends it when it is full. */
static inline char *
b64enc_advance(struct b64enc *e, size_t n, char *o)
{
	if (e->linelen == 0)
		return o;
	e->col += (unsigned)n;
	if (e->col == e->linelen) {
		memcpy(o, e->eol, e->eollen);
		o += e->eollen;
		e->col = 0;
	}
	return o;
}

size_t
b64enc_update(struct b64enc *e, const unsigned char *in, size_t inlen,
    char *out)
{
	const unsigned char	*p = in, *end = in + inlen;
	char			*o = out;
	unsigned char		 q[3];
	size_t			 n, i, take;

	if (inlen == 0)
		return 0;
	if (e->npend > 0) {
		take = 3 - e->npend;
		if (inlen < take) {
			memcpy(e->pend + e->npend, p, inlen);
			e->npend = (unsigned char)(e->npend + inlen);
			return 0;
		}
		memcpy(q, e->pend, e->npend);
		memcpy(q + e->npend, p, take);
		p += take;
		e->npend = 0;
		o = b64enc_quad(o, q);
		o = b64enc_advance(e, 4, o);
	}
	while (end - p >= 3) {
		/* As many quanta as fit on the line, then the eol. */
		n = (size_t)(end - p) / 3;
		if (e->linelen != 0 && n > (e->linelen - e->col) / 4)
			n = (e->linelen - e->col) / 4;
		for (i = 0; i < n; i++) {
			o = b64enc_quad(o, p);
			p += 3;
		}
		o = b64enc_advance(e, 4 * n, o);
	}
	memcpy(e->pend, p, (size_t)(end - p));
	e->npend = (unsigned char)(end - p);
	return (size_t)(o - out);
}

size_t
b64enc_final(struct b64enc *e, char *out)
{
	char		*o = out;
	uint32_t	 v;

	if (e->npend > 0) {
		v = (uint32_t)e->pend[0] << 16;
		if (e->npend == 2)
			v |= (uint32_t)e->pend[1] << 8;
		o[0] = b64_alpha[v >> 18];
		o[1] = b64_alpha[v >> 12 & 63];
		o[2] = e->npend == 2 ? b64_alpha[v >> 6 & 63] : '=';
		o[3] = '=';
		o += 4;
		e->col += 4;
	}
	if (e->linelen != 0 && e->col > 0) {
		memcpy(o, e->eol, e->eollen);
		o += e->eollen;
	}
	e->col = 0;
	e->npend = 0;
	return (size_t)(o - out);
}

/* quoted-printable -------------------------------------------------- */

/* Value of a hex digit, either case (RFC 2045 6.7 rule 1 allows lower). */
#define QP_HEXVAL(c)							\
	((c) >= '0' && (c) <= '9' ? (c) - '0' :				\
	 (c) >= 'A' && (c) <= 'F' ? (c) - 'A' + 10 :			\
	 (c) >= 'a' && (c) <= 'f' ? (c) - 'a' + 10 : 0xff)
#define QP_HEXVALU(c)	((unsigned char)QP_HEXVAL(c))
static const unsigned char qp_hexval[256] = { CTE_R256(QP_HEXVALU, 0) };

/* What a byte is to the decoder's fast loop. */
enum {
	QPDC_COPY,		/* data: everything not below */
	QPDC_WS,		/* space, tab: data unless a break follows */
	QPDC_EQ,
	QPDC_CR,
	QPDC_LF
};
#define QPD_CLASS(c)							\
	((c) == ' ' || (c) == '\t' ? QPDC_WS : (c) == '=' ? QPDC_EQ :	\
	 (c) == '\r' ? QPDC_CR : (c) == '\n' ? QPDC_LF : QPDC_COPY)
static const unsigned char qpd_cls[256] = { CTE_R256(QPD_CLASS, 0) };

/*
 * What a byte is to the encoder (rule 2: 33..126 but '=' stand for
 * themselves), in text mode and in binary mode, where CR and LF are data.
 */
enum {
	QP_PLAIN,
	QP_WS,			/* space, tab: literal unless ending a line */
	QP_ENC,			/* '=' and every other byte: =XX */
	QP_CR,
	QP_LF
};
#define QP_ISPLAIN(c)	((c) >= 33 && (c) <= 126 && (c) != '=')
#define QP_BCLASS(c)	(QP_ISPLAIN(c) ? QP_PLAIN :			\
			 (c) == ' ' || (c) == '\t' ? QP_WS : QP_ENC)
#define QP_TCLASS(c)	((c) == '\r' ? QP_CR : (c) == '\n' ? QP_LF :	\
			 QP_BCLASS(c))
static const unsigned char qpe_text[256] = { CTE_R256(QP_TCLASS, 0) };
static const unsigned char qpe_bin[256] = { CTE_R256(QP_BCLASS, 0) };

/*
 * A byte inside a line as it is written, and in byte 3 the length: the
 * fast loop copies 4 bytes and advances by the length, with no branch on
 * whether the byte needs encoding.
 */
#define QP_HEXDIG(v)	((v) < 10 ? '0' + (v) : 'A' + (v) - 10)
#define QP_ETAB(c)							\
	{ (unsigned char)(QP_BCLASS(c) != QP_ENC ? (c) : '='),		\
	  (unsigned char)QP_HEXDIG((c) >> 4),				\
	  (unsigned char)QP_HEXDIG((c) & 15),				\
	  QP_BCLASS(c) != QP_ENC ? 1 : 3 }
static const unsigned char qp_etab[256][4] = { CTE_R256(QP_ETAB, 0) };

/* Decoder states; a pending white space run and CR sit beside them. */
enum {
	QPD_TEXT,
	QPD_EQ,			/* after '=' (and the white space in ws) */
	QPD_EQHEX		/* after '=' and one hex digit */
};

void
qpdec_init(struct qpdec *d)
{
	memset(d, 0, sizeof(*d));
}

size_t
qpdec_bound(size_t inlen)
{
	/* What the state held ('=', white space, CR) plus a byte each. */
	return inlen + QPDEC_WSMAX + 4;
}

/* Writes the pending white space run, oldest first. */
static inline unsigned char *
qpdec_flushws(struct qpdec *d, unsigned char *o)
{
	while (d->nws > 0) {
		d->nws--;
		*o++ = (d->ws >> d->nws & 1) ? '\t' : ' ';
	}
	d->ws = 0;
	d->wsover = 0;
	return o;
}

/* The pending run ended a line: rule 3 deletes it. */
static inline void
qpdec_dropws(struct qpdec *d)
{
	if (d->wsover)
		d->err |= QP_E_WSP;
	d->ws = 0;
	d->nws = 0;
	d->wsover = 0;
}

/*
 * A run longer than the state holds: its oldest character can no longer
 * be deleted, whatever follows, so write it now.
 */
static inline unsigned char *
qpdec_addws(struct qpdec *d, unsigned char c, unsigned char *o)
{
	if (d->nws == QPDEC_WSMAX) {
		*o++ = (d->ws >> (QPDEC_WSMAX - 1) & 1) ? '\t' : ' ';
		d->nws--;
		d->wsover = 1;
	}
	d->ws = d->ws << 1 | (c == '\t');
	d->nws++;
	return o;
}

/* The '=' in QPD_EQ was not a soft break: write it and its white space. */
static inline unsigned char *
qpdec_badeq(struct qpdec *d, unsigned char *o)
{
	*o++ = '=';
	o = qpdec_flushws(d, o);
	d->err |= QP_E_ESCAPE;
	d->st = QPD_TEXT;
	return o;
}

static unsigned char *
qpdec_step(struct qpdec *d, unsigned char c, unsigned char *o)
{
again:
	if (d->st == QPD_EQHEX) {
		if (qp_hexval[c] != 0xff) {
			*o++ = (unsigned char)(qp_hexval[d->hex] << 4 |
			    qp_hexval[c]);
			d->st = QPD_TEXT;
			return o;
		}
		*o++ = '=';
		*o++ = d->hex;
		d->err |= QP_E_ESCAPE;
		d->st = QPD_TEXT;
		goto again;
	}
	if (d->cr) {
		d->cr = 0;
		if (c == '\n') {
			qpdec_dropws(d);
			if (d->st == QPD_TEXT) {
				*o++ = '\r';
				*o++ = '\n';
			}
			d->st = QPD_TEXT;
			return o;
		}
		/* A CR alone is data, and not the end of a line. */
		if (d->st == QPD_EQ)
			o = qpdec_badeq(d, o);
		else
			o = qpdec_flushws(d, o);
		*o++ = '\r';
		goto again;
	}
	if (c == ' ' || c == '\t') {
		if (d->st == QPD_EQ && d->nws == QPDEC_WSMAX) {
			o = qpdec_badeq(d, o);
			goto again;
		}
		return qpdec_addws(d, c, o);
	}
	if (c == '\r') {
		d->cr = 1;
		return o;
	}
	if (c == '\n') {
		qpdec_dropws(d);
		if (d->st == QPD_TEXT)
			*o++ = '\n';
		d->st = QPD_TEXT;
		return o;
	}
	if (d->st == QPD_EQ) {
		if (d->nws == 0 && qp_hexval[c] != 0xff) {
			d->hex = c;
			d->st = QPD_EQHEX;
			return o;
		}
		o = qpdec_badeq(d, o);
		goto again;
	}
	o = qpdec_flushws(d, o);
	if (c == '=')
		d->st = QPD_EQ;
	else
		*o++ = c;
	return o;
}

/*
 * Takes back the white space run at ws..o: a line break follows it.  Of
 * a run longer than the state could hold, keep what qpdec_addws would
 * have had to write.
 */
static inline unsigned char *
qpdec_cut(struct qpdec *d, unsigned char *ws, unsigned char *o)
{
	if (ws == NULL)
		return o;
	if (o - ws > QPDEC_WSMAX) {
		d->err |= QP_E_WSP;
		return o - QPDEC_WSMAX;
	}
	return ws;
}

/*
 * The fast loop stops with the white space run at ws..o still open: hand
 * it to the state as the careful step would hold it (qpdec_addws).
 */
static inline unsigned char *
qpdec_keepws(struct qpdec *d, unsigned char *ws, unsigned char *o)
{
	size_t	 i, n;

	if (ws == NULL)
		return o;
	n = (size_t)(o - ws);
	if (n > QPDEC_WSMAX) {
		ws = o - QPDEC_WSMAX;
		n = QPDEC_WSMAX;
		d->wsover = 1;
	}
	for (i = 0; i < n; i++)
		d->ws = d->ws << 1 | (ws[i] == '\t');
	d->nws = (unsigned char)n;
	return ws;
}

/*
 * Data, white space, line breaks and complete "=XX" escapes, with nothing
 * pending in the state.  White space is copied as it comes and taken back
 * when a line break follows; ws is where the latest run of it starts in
 * the output, and a run still open at the end goes back to the state, so
 * the careful step carries on exactly where it would have been.
 */
static inline const unsigned char *
qpdec_fast(struct qpdec *d, const unsigned char *p, const unsigned char *end,
    unsigned char **op)
{
	unsigned char	*o = *op, *ws = NULL;
	unsigned	 k, hi, lo;
	size_t		 i;

	for (;;) {
		/* COPY and WS are 0 and 1: OR > 1 if any is neither. */
		while (end - p >= 8 && (qpd_cls[p[0]] | qpd_cls[p[1]] |
		    qpd_cls[p[2]] | qpd_cls[p[3]] | qpd_cls[p[4]] |
		    qpd_cls[p[5]] | qpd_cls[p[6]] | qpd_cls[p[7]]) <= QPDC_WS) {
			memcpy(o, p, 8);
			if (qpd_cls[p[7]] == QPDC_WS) {
				i = 7;
				while (i > 0 && qpd_cls[p[i - 1]] == QPDC_WS)
					i--;
				if (i > 0 || ws == NULL)
					ws = o + i;
			} else
				ws = NULL;
			o += 8;
			p += 8;
		}
		if (p == end)
			break;
		k = qpd_cls[*p];
		if (k == QPDC_COPY || k == QPDC_WS) {
			if (k == QPDC_COPY)
				ws = NULL;
			else if (ws == NULL)
				ws = o;
			*o++ = *p++;
			continue;
		}
		if (k == QPDC_LF) {
			o = qpdec_cut(d, ws, o);
			ws = NULL;
			*o++ = *p++;
			continue;
		}
		if (end - p < 3)
			break;
		if (k == QPDC_EQ) {
			if ((hi = qp_hexval[p[1]]) == 0xff ||
			    (lo = qp_hexval[p[2]]) == 0xff)
				break;
			*o++ = (unsigned char)(hi << 4 | lo);
			ws = NULL;
			p += 3;
			continue;
		}
		if (p[1] != '\n')
			break;
		o = qpdec_cut(d, ws, o);
		ws = NULL;
		o[0] = '\r';
		o[1] = '\n';
		o += 2;
		p += 2;
	}
	*op = qpdec_keepws(d, ws, o);
	return p;
}

size_t
qpdec_update(struct qpdec *d, const char *in, size_t inlen,
    unsigned char *out)
{
	const unsigned char	*p = (const unsigned char *)in;
	const unsigned char	*end = p + inlen;
	unsigned char		*o = out;

	while (p < end) {
		if (d->st == QPD_TEXT && d->nws == 0 && !d->cr) {
			p = qpdec_fast(d, p, end, &o);
			if (p == end)
				break;
		}
		o = qpdec_step(d, *p++, o);
	}
	return (size_t)(o - out);
}

int
qpdec_final(struct qpdec *d, unsigned char *out, size_t *outlen)
{
	unsigned char	*o = out;
	int		 err;

	/*
	 * The end of the input ends a line: white space before it goes, and
	 * a last "=" is a soft break (a body that ends without a line break
	 * is written that way).  A CR at the very end is data.
	 */
	if (d->st == QPD_EQHEX) {
		*o++ = '=';
		*o++ = d->hex;
		d->err |= QP_E_ESCAPE;
	} else if (d->cr) {
		if (d->st == QPD_EQ)
			o = qpdec_badeq(d, o);
		else
			o = qpdec_flushws(d, o);
		*o++ = '\r';
	} else
		qpdec_dropws(d);
	*outlen = (size_t)(o - out);
	err = d->err;
	qpdec_init(d);
	return err;
}

/* What follows the bytes in hold, for qpenc_drain. */
enum {
	QPE_MORE,		/* unknown: more input may come */
	QPE_BREAK,		/* a hard line break */
	QPE_EOF			/* the end: a soft break will close the line */
};

void
qpenc_init(struct qpenc *e, const char *eol, int binary)
{
	memset(e, 0, sizeof(*e));
	e->binary = binary != 0;
	cte_seteol(e->eol, &e->eollen, eol);
}

size_t
qpenc_bound(size_t inlen)
{
	/*
	 * 3 characters a byte, a soft break (3) per 72 or more characters,
	 * and the at most 6 bytes the state held: under 4 * (inlen + 6).
	 */
	return 4 * inlen + 32;
}

static inline unsigned
qpenc_class(const struct qpenc *e, unsigned char c)
{
	return e->binary ? qpe_bin[c] : qpe_text[c];
}

static inline char *
qpenc_eol(struct qpenc *e, char *o)
{
	memcpy(o, e->eol, e->eollen);
	e->col = 0;
	return o + e->eollen;
}

static inline char *
qpenc_put(struct qpenc *e, unsigned char c, unsigned len, char *o)
{
	if (len == 1)
		*o++ = (char)c;
	else {
		o[0] = '=';
		o[1] = (char)qp_etab[c][1];
		o[2] = (char)qp_etab[c][2];
		o += 3;
	}
	e->col += len;
	return o;
}

/* How much of "From " the held bytes spell. */
static inline unsigned
qpenc_from(const struct qpenc *e)
{
	static const char	 from[] = "From ";
	unsigned		 m;

	for (m = 0; m < e->nhold && m < 5; m++)
		if (e->hold[m] != (unsigned char)from[m])
			break;
	return m;
}

/*
 * Writes the held bytes, first to last, as far as they can be decided.
 * A byte's encoding may depend on what follows it: a space or tab that
 * ends a line is encoded; a line may reach 76 characters only when a hard
 * break ends it (otherwise the "=" of a soft break takes the 76th); a "."
 * alone on a line and the F of "From " at a line start are encoded.  A
 * byte waits while that is unknown.
 */
static char *
qpenc_drain(struct qpenc *e, int end, char *o)
{
	unsigned char	 b;
	unsigned	 k, len, m;
	int		 known, last;

	while (e->nhold > 0) {
		b = e->hold[0];
		known = e->nhold > 1 || end != QPE_MORE;
		last = e->nhold == 1 && end == QPE_BREAK;
		k = qpenc_class(e, b);
		len = k == QP_PLAIN || (k == QP_WS && !last) ? 1 : 3;
		if (!known && (k == QP_WS || e->col + len == 76))
			break;
		if (e->col + len > (last ? 76u : 75u)) {
			*o++ = '=';
			o = qpenc_eol(e, o);
		}
		if (e->col == 0 && b == '.') {
			if (!known)
				break;
			if (last)
				len = 3;
		} else if (e->col == 0 && b == 'F') {
			m = qpenc_from(e);
			if (m == 5)
				len = 3;
			else if (m == e->nhold && end == QPE_MORE)
				break;
		}
		o = qpenc_put(e, b, len, o);
		memmove(e->hold, e->hold + 1, --e->nhold);
	}
	return o;
}

static inline char *
qpenc_push(struct qpenc *e, unsigned char c, char *o)
{
	e->hold[e->nhold++] = c;
	return qpenc_drain(e, QPE_MORE, o);
}

static inline char *
qpenc_hardbreak(struct qpenc *e, char *o)
{
	o = qpenc_drain(e, QPE_BREAK, o);
	return qpenc_eol(e, o);
}

static char *
qpenc_step(struct qpenc *e, unsigned char c, char *o)
{
	if (!e->binary) {
		if (e->cr) {
			e->cr = 0;
			if (c == '\n')
				return qpenc_hardbreak(e, o);
			o = qpenc_push(e, '\r', o);
		}
		if (c == '\r') {
			e->cr = 1;
			return o;
		}
		if (c == '\n')
			return qpenc_hardbreak(e, o);
	}
	return qpenc_push(e, c, o);
}

/*
 * Copies up to room bytes that stand for themselves (PLAIN, and WS not
 * ending the line), leaving the two lookahead bytes qpenc_fast needs.
 */
static inline const unsigned char *
qpenc_run(const unsigned char *cls, const unsigned char *p,
    const unsigned char *end, unsigned room, char **op)
{
	const unsigned char	*q, *lim = end - 2;
	char			*o = *op;

	if ((size_t)(lim - p) > room)
		lim = p + room;
	/* PLAIN and WS are 0 and 1: the OR is over 1 if any is neither. */
	for (q = p; lim - q >= 8; q += 8, o += 8) {
		if ((cls[q[0]] | cls[q[1]] | cls[q[2]] | cls[q[3]] |
		    cls[q[4]] | cls[q[5]] | cls[q[6]] | cls[q[7]]) > QP_WS)
			break;
		memcpy(o, q, 8);
	}
	for (; q < lim && cls[*q] <= QP_WS; q++)
		*o++ = (char)*q;
	/* Give back white space that a line break follows. */
	if (q > p && cls[q[-1]] == QP_WS && cls[*q] >= QP_CR &&
	    (*q == '\n' || q[1] == '\n')) {
		q--;
		o--;
	}
	*op = o;
	return q;
}

/*
 * The careful path's decisions (qpenc_drain), taken with the lookahead
 * the buffer offers instead of the hold: everything but a CR that is not
 * part of CRLF, and the last bytes of the buffer.  The loop first copies
 * a run of bytes that stand for themselves as far as the line allows.
 */
static inline const unsigned char *
qpenc_fast(struct qpenc *e, const unsigned char *p, const unsigned char *end,
    char **op)
{
	const unsigned char	*cls = e->binary ? qpe_bin : qpe_text;
	const unsigned char	*q;
	char			*o = *op;
	unsigned		 col = e->col, k, len, last;
	unsigned char		 c;

	while (end - p >= 3) {
		k = cls[p[0]];
		/* Two literal bytes in a row: likely a run (text). */
		if (k <= QP_WS && cls[p[1]] <= QP_WS && col != 0) {
			q = qpenc_run(cls, p, end, 75 - col, &o);
			col += (unsigned)(q - p);
			p = q;
			if (end - p < 3)
				break;
			k = cls[p[0]];
		}
		if (k >= QP_CR) {
			if (k == QP_CR && p[1] != '\n')
				break;
			p += k == QP_CR ? 2 : 1;
			o = qpenc_eol(e, o);
			col = 0;
			continue;
		}
		c = p[0];
		len = qp_etab[c][3];
		last = cls[p[1]] >= QP_CR && (p[1] == '\n' || p[2] == '\n');
		/* One branch for three rare cases, hence | and not ||. */
		if ((col + len > 75) | (col == 0) | last) {
			/* The rare cases, decided as in qpenc_drain. */
			if (k == QP_WS && last)
				len = 3;
			if (col + len > 75 + last) {
				*o++ = '=';
				o = qpenc_eol(e, o);
				col = 0;
			}
			if (col == 0 && c == '.' && last)
				len = 3;
			else if (col == 0 && c == 'F') {
				if (end - p < 5)
					break;
				if (memcmp(p, "From ", 5) == 0)
					len = 3;
			}
			if (len != qp_etab[c][3]) {
				o[0] = '=';
				o[1] = (char)qp_etab[c][1];
				o[2] = (char)qp_etab[c][2];
				o += 3;
				col += 3;
				p++;
				continue;
			}
		}
		/* Within the bound, which allows 4 bytes a byte. */
		memcpy(o, qp_etab[c], 4);
		o += len;
		col += len;
		p++;
	}
	e->col = col;
	*op = o;
	return p;
}

size_t
qpenc_update(struct qpenc *e, const unsigned char *in, size_t inlen,
    char *out)
{
	const unsigned char	*p = in, *end = in + inlen;
	char			*o = out;

	while (p < end) {
		if (e->nhold == 0 && !e->cr) {
			p = qpenc_fast(e, p, end, &o);
			if (p == end)
				break;
		}
		o = qpenc_step(e, *p++, o);
	}
	return (size_t)(o - out);
}

size_t
qpenc_final(struct qpenc *e, char *out)
{
	char	*o = out;

	if (e->cr) {
		e->cr = 0;
		e->hold[e->nhold++] = '\r';
	}
	o = qpenc_drain(e, QPE_EOF, o);
	if (e->col > 0) {
		*o++ = '=';
		o = qpenc_eol(e, o);
	}
	e->nhold = 0;
	return (size_t)(o - out);
}
