/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * mime_cte_test.c - TAP tests for the base64 and quoted-printable codecs
 *
 *	mime_cte_test [seed]		run the tests, print TAP (tap.h)
 *	mime_cte_test --bench [MiB]	time each codec (default 256 MiB)
 *
 * Base64 is checked against OpenSSL (EVP_EncodeBlock, EVP_DecodeBlock) on
 * random data and against a small reference decoder on noisy input; both
 * quoted-printable directions against golden cases, properties of the
 * output (76 columns, no trailing white space, no "From " or "." line) and
 * round trips.  Every codec is driven through many splits of its input
 * (all of them for short inputs), each update writing into a heap buffer
 * of exactly its stated bound, so ASan or valgrind catch an overrun.
 */
#include <openssl/evp.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mime_cte.h"
#include "tap.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define S(lit)		lit, sizeof(lit) - 1	/* string literal, length */

static const char alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* helpers ------------------------------------------------------------ */

static uint64_t	 rng = 0x9e3779b97f4a7c15u;

/* splitmix64: small, fast, and the same sequence everywhere. */
static uint64_t
rnd(void)
{
	uint64_t	 z;

	z = (rng += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static size_t
rnd_below(size_t n)
{
	return n == 0 ? 0 : (size_t)(rnd() % n);
}

static void
rnd_fill(unsigned char *p, size_t n)
{
	while (n-- > 0)
		*p++ = (unsigned char)rnd();
}

/* n bytes drawn from set, a string. */
static void
rnd_from(unsigned char *p, size_t n, const char *set, size_t setlen)
{
	while (n-- > 0)
		*p++ = (unsigned char)set[rnd_below(setlen)];
}

static void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL) {
		fprintf(stderr, "mime_cte_test: out of memory\n");
		exit(2);
	}
	return p;
}

struct buf {
	unsigned char	*p;
	size_t		 len, cap;
	int		 err;		/* the decoder's verdict */
	int		 overrun;	/* some call wrote past its bound */
};

static void
buf_add(struct buf *b, const void *p, size_t n)
{
	unsigned char	*np;

	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		if ((np = realloc(b->p, b->cap)) == NULL) {
			fprintf(stderr, "mime_cte_test: out of memory\n");
			exit(2);
		}
		b->p = np;
	}
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static int
buf_eq(const struct buf *b, const void *p, size_t n)
{
	return b->len == n && (n == 0 || memcmp(b->p, p, n) == 0);
}

/* Prints a diagnostic line with s quoted C-style, cut at 200 bytes. */
static void
diag_str(const char *what, const void *s, size_t n)
{
	const unsigned char	*p = s;
	size_t			 i;

	printf("# %s (%zu): \"", what, n);
	for (i = 0; i < n && i < 200; i++) {
		if (p[i] == '\\' || p[i] == '"')
			printf("\\%c", p[i]);
		else if (p[i] == '\n')
			printf("\\n");
		else if (p[i] == '\r')
			printf("\\r");
		else if (p[i] == '\t')
			printf("\\t");
		else if (p[i] < 32 || p[i] > 126)
			printf("\\x%02x", p[i]);
		else
			putchar(p[i]);
	}
	printf("%s\"\n", n > 200 ? "..." : "");
}

static int	fail(const char *, ...) __attribute__((format(printf, 1, 2)));

/* Prints a diagnostic, returns 1 to count as a failure. */
static int
fail(const char *fmt, ...)
{
	va_list	 ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return 1;
}

/*
 * How an input is cut into update calls: whole, in pieces of n bytes, in
 * random pieces of 0..n bytes, or after byte off + i for each bit i of
 * mask.
 */
enum { SPLIT_WHOLE, SPLIT_FIXED, SPLIT_RANDOM, SPLIT_MASK };

struct split {
	int		 kind;
	size_t		 n;
	uint64_t	 mask;
	size_t		 off;
};

static size_t
split_next(const struct split *s, size_t pos, size_t left)
{
	size_t	 k, j;

	switch (s->kind) {
	case SPLIT_FIXED:
		k = s->n;
		break;
	case SPLIT_RANDOM:
		k = rnd_below(s->n + 1);
		break;
	case SPLIT_MASK:
		for (k = 1; k < left; k++) {
			j = pos + k - 1;
			if (j >= s->off && j - s->off < 64 &&
			    s->mask >> (j - s->off) & 1)
				break;
		}
		break;
	default:
		k = left;
	}
	return k < left ? k : left;
}

static const struct split whole = { SPLIT_WHOLE, 0, 0, 0 };

static struct split
split_random(size_t n)
{
	struct split	 s = { SPLIT_RANDOM, n, 0, 0 };

	return s;
}

/* A mixed diet of splits for the round trip tests. */
static struct split
split_any(void)
{
	struct split	 s = { SPLIT_RANDOM, 0, 0, 0 };

	switch (rnd_below(5)) {
	case 0:
		s.kind = SPLIT_WHOLE;
		break;
	case 1:
		s.kind = SPLIT_FIXED;
		s.n = 1 + rnd_below(7);
		break;
	case 2:
		s.n = 3;
		break;
	default:
		s.n = 1 + rnd_below(200);
	}
	return s;
}

/* codec drivers ------------------------------------------------------ */

static void
run_b64enc(const void *in, size_t len, unsigned linelen, const char *eol,
    const struct split *s, struct buf *res)
{
	struct b64enc	 e;
	const unsigned char *p = in;
	char		*tmp;
	size_t		 pos = 0, k, n, bound;

	memset(res, 0, sizeof(*res));
	b64enc_init(&e, linelen, eol);
	while (pos < len) {
		k = split_next(s, pos, len - pos);
		bound = b64enc_bound(k);
		tmp = xmalloc(bound);
		n = b64enc_update(&e, p + pos, k, tmp);
		if (n > bound)
			res->overrun = 1;
		buf_add(res, tmp, n);
		free(tmp);
		pos += k;
	}
	tmp = xmalloc(B64ENC_FINAL_MAX);
	n = b64enc_final(&e, tmp);
	if (n > B64ENC_FINAL_MAX)
		res->overrun = 1;
	buf_add(res, tmp, n);
	free(tmp);
}

static void
run_b64dec(const void *in, size_t len, const struct split *s, struct buf *res)
{
	struct b64dec	 d;
	const char	*p = in;
	unsigned char	*tmp;
	size_t		 pos = 0, k, n, bound;

	memset(res, 0, sizeof(*res));
	b64dec_init(&d);
	while (pos < len) {
		k = split_next(s, pos, len - pos);
		bound = (k / 4 + 1) * 3;
		if (b64dec_bound(k) != bound)
			res->overrun = 1;
		tmp = xmalloc(bound);
		n = b64dec_update(&d, p + pos, k, tmp);
		if (n > bound)
			res->overrun = 1;
		buf_add(res, tmp, n);
		free(tmp);
		pos += k;
	}
	tmp = xmalloc(3);
	res->err = b64dec_final(&d, tmp, &n);
	if (n > 3)
		res->overrun = 1;
	buf_add(res, tmp, n);
	free(tmp);
}

static void
run_qpenc(const void *in, size_t len, const char *eol, int binary,
    const struct split *s, struct buf *res)
{
	struct qpenc	 e;
	const unsigned char *p = in;
	char		*tmp;
	size_t		 pos = 0, k, n, bound;

	memset(res, 0, sizeof(*res));
	qpenc_init(&e, eol, binary);
	while (pos < len) {
		k = split_next(s, pos, len - pos);
		bound = qpenc_bound(k);
		tmp = xmalloc(bound);
		n = qpenc_update(&e, p + pos, k, tmp);
		if (n > bound)
			res->overrun = 1;
		buf_add(res, tmp, n);
		free(tmp);
		pos += k;
	}
	tmp = xmalloc(QPENC_FINAL_MAX);
	n = qpenc_final(&e, tmp);
	if (n > QPENC_FINAL_MAX)
		res->overrun = 1;
	buf_add(res, tmp, n);
	free(tmp);
}

static void
run_qpdec(const void *in, size_t len, const struct split *s, struct buf *res)
{
	struct qpdec	 d;
	const char	*p = in;
	unsigned char	*tmp;
	size_t		 pos = 0, k, n, bound;

	memset(res, 0, sizeof(*res));
	qpdec_init(&d);
	while (pos < len) {
		k = split_next(s, pos, len - pos);
		bound = qpdec_bound(k);
		tmp = xmalloc(bound);
		n = qpdec_update(&d, p + pos, k, tmp);
		if (n > bound)
			res->overrun = 1;
		buf_add(res, tmp, n);
		free(tmp);
		pos += k;
	}
	bound = qpdec_bound(0);
	tmp = xmalloc(bound);
	res->err = qpdec_final(&d, tmp, &n);
	if (n > bound)
		res->overrun = 1;
	buf_add(res, tmp, n);
	free(tmp);
}

/* Removes CR and LF: base64 text as OpenSSL's block functions see it. */
static size_t
strip_breaks(const unsigned char *in, size_t len, unsigned char *out)
{
	size_t	 i, n = 0;

	for (i = 0; i < len; i++)
		if (in[i] != '\r' && in[i] != '\n')
			out[n++] = in[i];
	return n;
}

/*
 * Reference base64 decoder: the documented semantics, written the plain
 * way, one character and one strchr at a time.
 */
static void
ref_b64dec(const unsigned char *in, size_t len, struct buf *out)
{
	unsigned	 q[4];
	unsigned char	 o[3];
	const char	*a;
	size_t		 i, n = 0;
	int		 state = 0;	/* 0 data, 1 "xx=", 2 done */

	memset(out, 0, sizeof(*out));
	for (i = 0; i < len; i++) {
		if (in[i] != 0 && (a = strchr(alpha, in[i])) != NULL) {
			if (state != 0) {
				out->err |= B64_E_TRAIL;
				state = 2;
				continue;
			}
			q[n++] = (unsigned)(a - alpha);
			if (n == 4) {
				o[0] = (unsigned char)(q[0] << 2 | q[1] >> 4);
				o[1] = (unsigned char)(q[1] << 4 | q[2] >> 2);
				o[2] = (unsigned char)(q[2] << 6 | q[3]);
				buf_add(out, o, 3);
				n = 0;
			}
		} else if (in[i] == ' ' || in[i] == '\t' || in[i] == '\r' ||
		    in[i] == '\n')
			continue;
		else if (in[i] == '=') {
			if (state == 1)
				state = 2;
			else if (state == 2 || n < 2)
				out->err |= B64_E_PAD;
			else {
				o[0] = (unsigned char)(q[0] << 2 | q[1] >> 4);
				o[1] = (unsigned char)(q[1] << 4 | q[2] >> 2);
				buf_add(out, o, n - 1);
				state = n == 2 ? 1 : 2;
				n = 0;
			}
		} else
			out->err |= B64_E_CHAR;
	}
	if (state == 1)
		out->err |= B64_E_LEN;
	else if (state == 0 && n > 0) {
		out->err |= B64_E_LEN;
		o[0] = (unsigned char)(q[0] << 2 | (n > 1 ? q[1] >> 4 : 0));
		o[1] = (unsigned char)(n > 2 ? q[1] << 4 | q[2] >> 2 : 0);
		buf_add(out, o, n - 1);
	}
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Reference quoted-printable decoder, a line at a time the way RFC 2045
 * reads: cut the line break, delete trailing white space, then decode, a
 * "=" at the end being a soft break.  Only for white space runs shorter
 * than QPDEC_WSMAX.
 */
static void
ref_qpdec(const unsigned char *in, size_t len, struct buf *out)
{
	unsigned char	 c;
	size_t		 ls, le, t, i;
	int		 crlf, lf, hi, lo, soft;

	memset(out, 0, sizeof(*out));
	for (ls = 0; ls < len; ls = le + lf) {
		for (le = ls; le < len && in[le] != '\n'; le++)
			;
		lf = le < len;
		crlf = lf && le > ls && in[le - 1] == '\r';
		t = le - crlf;
		while (t > ls && (in[t - 1] == ' ' || in[t - 1] == '\t'))
			t--;
		soft = 0;
		for (i = ls; i < t; i++) {
			if (in[i] != '=') {
				buf_add(out, in + i, 1);
			} else if (i + 1 == t) {
				soft = 1;
			} else if (i + 2 < t && (hi = hexval(in[i + 1])) >= 0 &&
			    (lo = hexval(in[i + 2])) >= 0) {
				c = (unsigned char)(hi << 4 | lo);
				buf_add(out, &c, 1);
				i += 2;
			} else {
				out->err |= QP_E_ESCAPE;
				buf_add(out, "=", 1);
			}
		}
		if (soft)
			continue;
		if (crlf)
			buf_add(out, "\r\n", 2);
		else if (lf)
			buf_add(out, "\n", 1);
	}
}

/* LF and CRLF to eol: what a text mode round trip gives back. */
static void
normalize_eol(const unsigned char *in, size_t len, const char *eol,
    struct buf *out)
{
	size_t	 i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < len; i++) {
		if (in[i] == '\r' && i + 1 < len && in[i + 1] == '\n') {
			buf_add(out, eol, strlen(eol));
			i++;
		} else if (in[i] == '\n')
			buf_add(out, eol, strlen(eol));
		else
			buf_add(out, in + i, 1);
	}
}

/*
 * Checks the shape of quoted-printable output: whole lines ended by eol
 * and no other CR or LF, at most 76 characters, only printable ASCII,
 * space and tab, no white space before a line end (soft break "=" aside),
 * "=" only before two upper-case hex digits or as the soft break, no line
 * that is "." or begins with "From ".
 */
static int
check_qp_shape(const struct buf *b, const char *eol)
{
	size_t		 eollen = strlen(eol), i, ls, n;
	const unsigned char *l;

	for (ls = 0; ls < b->len; ls = i + eollen) {
		for (i = ls; i < b->len && b->p[i] != '\r' &&
		    b->p[i] != '\n'; i++)
			;
		if (i == b->len)
			return fail("output does not end in eol");
		if (b->len - i < eollen || memcmp(b->p + i, eol, eollen) != 0)
			return fail("CR or LF not part of eol at %zu", i);
		l = b->p + ls;
		n = i - ls;
		if (n > 76)
			return fail("line of %zu characters at %zu", n, ls);
		if (n > 0 && (l[n - 1] == ' ' || l[n - 1] == '\t'))
			return fail("white space ends line at %zu", ls);
		if (n == 1 && l[0] == '.')
			return fail("line \".\" at %zu", ls);
		if (n >= 5 && memcmp(l, "From ", 5) == 0)
			return fail("line starts with From at %zu", ls);
		for (size_t j = 0; j < n; j++) {
			if ((l[j] < 33 || l[j] > 126) && l[j] != ' ' &&
			    l[j] != '\t')
				return fail("byte 0x%02x at %zu", l[j], ls + j);
			if (l[j] != '=' || j + 1 == n)
				continue;
			if (j + 2 >= n || hexval(l[j + 1]) < 0 ||
			    hexval(l[j + 2]) < 0 || islower(l[j + 1]) ||
			    islower(l[j + 2]))
				return fail("bad escape at %zu", ls + j);
			j += 2;
		}
	}
	return 0;
}

/* base64 encoder tests ---------------------------------------------- */

static const struct {
	const char	*raw, *b64;
} rfc4648[] = {
	{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

static int
t_b64enc_vectors(void)
{
	struct buf	 b;
	size_t		 i;
	int		 bad = 0;
	char		 want[32];

	for (i = 0; i < NELEM(rfc4648); i++) {
		run_b64enc(rfc4648[i].raw, strlen(rfc4648[i].raw), 0, "\r\n",
		    &whole, &b);
		if (!buf_eq(&b, rfc4648[i].b64, strlen(rfc4648[i].b64)))
			bad += fail("linelen 0: \"%s\"", rfc4648[i].raw);
		buf_free(&b);
		run_b64enc(rfc4648[i].raw, strlen(rfc4648[i].raw), 76, "\r\n",
		    &whole, &b);
		snprintf(want, sizeof(want), "%s%s", rfc4648[i].b64,
		    *rfc4648[i].raw ? "\r\n" : "");
		if (!buf_eq(&b, want, strlen(want)))
			bad += fail("linelen 76: \"%s\"", rfc4648[i].raw);
		buf_free(&b);
	}
	return bad;
}

static int
t_b64enc_openssl(void)
{
	unsigned char	 in[300], ref[420], got[1000];
	struct buf	 b;
	struct split	 s;
	size_t		 len, n;
	unsigned	 linelen;
	int		 bad = 0, r, pass;

	for (pass = 0; pass < 4; pass++) {
		linelen = pass & 1 ? 76 : 0;
		for (len = 0; len <= sizeof(in); len++) {
			rnd_fill(in, len);
			r = EVP_EncodeBlock(ref, in, (int)len);
			s = split_random(pass < 2 ? 4 : 100);
			run_b64enc(in, len, linelen, pass & 2 ? "\n" : "\r\n",
			    &s, &b);
			n = strip_breaks(b.p, b.len, got);
			if (b.overrun || n != (size_t)r ||
			    memcmp(got, ref, n) != 0)
				bad += fail("length %zu linelen %u", len,
				    linelen);
			buf_free(&b);
			if (bad > 5)
				return bad;
		}
	}
	return bad;
}

/* Every line exactly the (rounded) length, the last no longer, all ended. */
static int
check_b64_lines(const struct buf *b, unsigned linelen, const char *eol,
    size_t inlen)
{
	size_t	 eollen = strlen(eol), ls, i, chars = 0;

	if (inlen == 0)
		return b->len == 0 ? 0 : fail("output for empty input");
	linelen &= ~3u;
	if (linelen == 0) {
		if (memchr(b->p, '\n', b->len) || memchr(b->p, '\r', b->len))
			return fail("line break with linelen 0");
		chars = b->len;
	} else {
		for (ls = 0; ls < b->len; ls = i + eollen) {
			for (i = ls; i < b->len && b->p[i] != eol[0]; i++)
				;
			if (b->len - i < eollen ||
			    memcmp(b->p + i, eol, eollen) != 0)
				return fail("line at %zu not ended", ls);
			if (i - ls == 0 || i - ls > linelen ||
			    (i - ls < linelen && i + eollen != b->len))
				return fail("line of %zu at %zu, linelen %u",
				    i - ls, ls, linelen);
			chars += i - ls;
		}
	}
	if (chars != (inlen + 2) / 3 * 4)
		return fail("%zu characters for %zu bytes", chars, inlen);
	return 0;
}

static int
t_b64enc_lines(void)
{
	unsigned char	 in[300];
	struct buf	 b;
	struct split	 s;
	unsigned	 linelen;
	size_t		 len;
	int		 bad = 0;
	const char	*eol;

	for (linelen = 0; linelen <= 200; linelen++) {
		for (len = 0; len <= sizeof(in); len++) {
			rnd_fill(in, len);
			eol = len & 1 ? "\n" : "\r\n";
			s = split_random(linelen / 2 + 3);
			run_b64enc(in, len, linelen, eol, &s, &b);
			if (b.overrun)
				bad += fail("bound broken");
			bad += check_b64_lines(&b, linelen, eol, len);
			buf_free(&b);
			if (bad > 5)
				return bad;
		}
	}
	return bad;
}

static int
t_b64enc_splits(void)
{
	static const unsigned linelens[] = { 0, 4, 8, 76 };
	unsigned char	 in[12];
	struct buf	 ref, b;
	struct split	 s = { SPLIT_MASK, 0, 0, 0 };
	size_t		 len, l;
	uint64_t	 mask;
	int		 bad = 0;

	for (l = 0; l < NELEM(linelens); l++) {
		for (len = 0; len <= sizeof(in); len++) {
			rnd_fill(in, len);
			run_b64enc(in, len, linelens[l], "\r\n", &whole, &ref);
			for (mask = 0; len > 0 && mask < 1u << (len - 1);
			    mask++) {
				s.mask = mask;
				run_b64enc(in, len, linelens[l], "\r\n", &s,
				    &b);
				if (b.overrun || !buf_eq(&b, ref.p, ref.len))
					bad += fail("length %zu mask %#llx",
					    len, (unsigned long long)mask);
				buf_free(&b);
				if (bad > 5)
					return bad;
			}
			buf_free(&ref);
		}
	}
	return bad;
}

static int
t_b64enc_large(void)
{
	static const size_t sizes[] = { 1 << 20, (1 << 20) + 1,
	    (1 << 20) + 2, 3 * 1000 * 1000 + 7 };
	unsigned char	*in, *ref, *got;
	struct buf	 b, w;
	struct split	 s;
	size_t		 i, n;
	int		 bad = 0, r;

	for (i = 0; i < NELEM(sizes); i++) {
		in = xmalloc(sizes[i]);
		ref = xmalloc(sizes[i] / 3 * 4 + 8);
		rnd_fill(in, sizes[i]);
		r = EVP_EncodeBlock(ref, in, (int)sizes[i]);
		run_b64enc(in, sizes[i], 76, "\r\n", &whole, &w);
		s = split_random(i & 1 ? 70000 : 5000);
		run_b64enc(in, sizes[i], 76, "\r\n", &s, &b);
		if (b.overrun || !buf_eq(&b, w.p, w.len))
			bad += fail("split output differs, size %zu", sizes[i]);
		got = xmalloc(w.len);
		n = strip_breaks(w.p, w.len, got);
		if (n != (size_t)r || memcmp(got, ref, n) != 0)
			bad += fail("differs from OpenSSL, size %zu", sizes[i]);
		bad += check_b64_lines(&w, 76, "\r\n", sizes[i]);
		free(got);
		free(in);
		free(ref);
		buf_free(&b);
		buf_free(&w);
	}
	return bad;
}

/* After final the struct starts over with the same settings. */
static int
t_b64enc_reuse(void)
{
	struct b64enc	 e;
	char		 out[64];
	size_t		 n;

	b64enc_init(&e, 8, "\n");
	n = b64enc_update(&e, (const unsigned char *)"foobarx", 7, out);
	n += b64enc_final(&e, out + n);
	if (n != 14 || memcmp(out, "Zm9vYmFy\neA==\n", 14) != 0)
		return fail("first stream");
	n = b64enc_update(&e, (const unsigned char *)"fo", 2, out);
	n += b64enc_final(&e, out + n);
	if (n != 5 || memcmp(out, "Zm8=\n", 5) != 0)
		return fail("second stream");
	return 0;
}

/* base64 decoder tests ---------------------------------------------- */

static int
t_b64dec_vectors(void)
{
	struct buf	 b;
	size_t		 i;
	int		 bad = 0;

	for (i = 0; i < NELEM(rfc4648); i++) {
		run_b64dec(rfc4648[i].b64, strlen(rfc4648[i].b64), &whole,
		    &b);
		if (b.err != 0 || !buf_eq(&b, rfc4648[i].raw,
		    strlen(rfc4648[i].raw)))
			bad += fail("\"%s\"", rfc4648[i].b64);
		buf_free(&b);
	}
	return bad;
}

static int
t_b64dec_openssl(void)
{
	unsigned char	 in[300], enc[420], ref[420], wrapped[600];
	struct buf	 b;
	struct split	 s;
	size_t		 len, n, i, w, pad;
	int		 bad = 0, r;

	for (len = 0; len <= sizeof(in); len++) {
		rnd_fill(in, len);
		n = (size_t)EVP_EncodeBlock(enc, in, (int)len);
		r = EVP_DecodeBlock(ref, enc, (int)n);
		/* EVP_DecodeBlock keeps padding as zero bytes. */
		pad = (n > 0 && enc[n - 1] == '=') + (n > 1 &&
		    enc[n - 2] == '=');
		if (r < 0 || (size_t)r - pad != len)
			bad += fail("OpenSSL length %d for %zu", r, len);
		s = split_random(len % 7 + 1);
		run_b64dec(enc, n, &s, &b);
		if (b.err != 0 || b.overrun || !buf_eq(&b, ref, len) ||
		    !buf_eq(&b, in, len))
			bad += fail("length %zu err %#x", len, b.err);
		buf_free(&b);
		/* The same in 76-column CRLF lines, the MIME way. */
		for (i = w = 0; i < n; i++) {
			wrapped[w++] = enc[i];
			if (i % 76 == 75 || i + 1 == n) {
				wrapped[w++] = '\r';
				wrapped[w++] = '\n';
			}
		}
		s = split_random(40);
		run_b64dec(wrapped, w, &s, &b);
		if (b.err != 0 || b.overrun || !buf_eq(&b, in, len))
			bad += fail("wrapped, length %zu err %#x", len, b.err);
		buf_free(&b);
		if (bad > 5)
			return bad;
	}
	return bad;
}

static int
t_b64dec_whitespace(void)
{
	static const char ws[] = " \t\r\n";
	unsigned char	 in[200], enc[300], noisy[1000];
	struct buf	 b;
	struct split	 s;
	size_t		 len, n, i, m;
	int		 bad = 0, round;

	for (round = 0; round < 2000; round++) {
		len = rnd_below(sizeof(in) + 1);
		rnd_fill(in, len);
		n = (size_t)EVP_EncodeBlock(enc, in, (int)len);
		for (i = m = 0; i <= n; i++) {
			while (rnd_below(3) == 0 && m < sizeof(noisy) - 8)
				noisy[m++] = (unsigned char)ws[rnd_below(4)];
			if (i < n)
				noisy[m++] = enc[i];
		}
		s = split_any();
		run_b64dec(noisy, m, &s, &b);
		if (b.err != 0 || b.overrun || !buf_eq(&b, in, len)) {
			diag_str("input", noisy, m);
			bad += fail("err %#x", b.err);
		}
		buf_free(&b);
		if (bad > 5)
			return bad;
	}
	return bad;
}

/* Each byte value: a sextet, ignored white space, or a reported stray. */
static int
t_b64dec_bytes(void)
{
	unsigned char	 in[9];
	const char	*a;
	struct buf	 b;
	int		 c, bad = 0;

	for (c = 0; c < 256; c++) {
		a = c != 0 ? strchr(alpha, c) : NULL;
		if (a != NULL) {
			memcpy(in, "AAA", 3);
			in[3] = (unsigned char)c;
			run_b64dec(in, 4, &whole, &b);
			if (b.err != 0 || b.len != 3 || b.p[0] != 0 ||
			    b.p[1] != 0 || b.p[2] != a - alpha)
				bad += fail("alphabet byte %#x", c);
		} else if (c != '=') {
			memcpy(in, "QU", 2);
			in[2] = (unsigned char)c;
			memcpy(in + 3, "JDQUJD", 6);
			run_b64dec(in, 9, &whole, &b);
			if (!buf_eq(&b, "ABCABC", 6) || b.err !=
			    (c != 0 && strchr(" \t\r\n", c) ? 0 : B64_E_CHAR))
				bad += fail("byte %#x: err %#x", c, b.err);
		} else
			continue;
		buf_free(&b);
	}
	return bad;
}

/* Short strings, well-formed and not, for the exhaustive split tests. */
static const char *const b64_short[] = {
	"QUJDREVGR0hJ", "QUJD\r\nREVG\r\n", "QUJDRA==", "QUJDREU=",
	"QU JD\tRE=\n=", "QUJ", "QUJDR", "QUJDRA=", "QUJDRA==QUJ",
	"QUJDREU=QQ", "QU=JD", "=QUJD", "Q=UJD", "QUJDRA===",
	"QUJD!RE*VG", "QUJD\x80\xff", "====", "QU\r\nJD\r\nRE==\r\n",
	"QUJDREVGR0hJSktM", "AAAA////+++", " ", "=", "QQ==\n\nQQ==",
};

static int
t_b64dec_splits(void)
{
	struct buf	 ref, b;
	struct split	 s = { SPLIT_MASK, 0, 0, 0 };
	size_t		 i, len;
	uint64_t	 mask;
	int		 bad = 0;

	for (i = 0; i < NELEM(b64_short); i++) {
		len = strlen(b64_short[i]);
		run_b64dec(b64_short[i], len, &whole, &ref);
		for (mask = 0; len > 0 && mask < 1u << (len - 1); mask++) {
			s.mask = mask;
			run_b64dec(b64_short[i], len, &s, &b);
			if (b.overrun || b.err != ref.err ||
			    !buf_eq(&b, ref.p, ref.len)) {
				diag_str("input", b64_short[i], len);
				bad += fail("mask %#llx",
				    (unsigned long long)mask);
			}
			buf_free(&b);
			if (bad > 5)
				return bad;
		}
		buf_free(&ref);
	}
	return bad;
}

/* Noisy input, mostly base64: the fast path against the reference. */
static int
t_b64dec_reference(void)
{
	static const char noise[] = "= \r\n\t*-\x80\xff.";
	unsigned char	 in[400];
	struct buf	 ref, b;
	struct split	 s;
	size_t		 len, i;
	int		 bad = 0, round, rate;

	for (round = 0; round < 8000; round++) {
		len = rnd_below(sizeof(in) + 1);
		rate = 2 + (int)rnd_below(200);
		for (i = 0; i < len; i++)
			in[i] = rnd_below((size_t)rate) == 0 ?
			    (unsigned char)noise[rnd_below(sizeof(noise) - 1)] :
			    (unsigned char)alpha[rnd_below(64)];
		ref_b64dec(in, len, &ref);
		s = split_any();
		run_b64dec(in, len, &s, &b);
		if (b.overrun || b.err != ref.err ||
		    !buf_eq(&b, ref.p, ref.len)) {
			diag_str("input", in, len);
			bad += fail("err %#x, reference %#x", b.err, ref.err);
		}
		buf_free(&b);
		buf_free(&ref);
		if (bad > 5)
			return bad;
	}
	return bad;
}

static int
t_b64dec_large(void)
{
	static const unsigned linelens[] = { 76, 64, 0, 4 };
	unsigned char	*in;
	struct buf	 enc, b;
	struct split	 s;
	size_t		 i, len;
	int		 bad = 0;

	for (i = 0; i < NELEM(linelens); i++) {
		len = (1 << 20) + i;
		in = xmalloc(len);
		rnd_fill(in, len);
		run_b64enc(in, len, linelens[i], i & 1 ? "\n" : "\r\n",
		    &whole, &enc);
		s = split_random(i & 1 ? 100000 : 3000);
		run_b64dec(enc.p, enc.len, &s, &b);
		if (b.err != 0 || b.overrun || !buf_eq(&b, in, len))
			bad += fail("linelen %u: err %#x", linelens[i], b.err);
		buf_free(&b);
		buf_free(&enc);
		free(in);
	}
	return bad;
}

static const struct {
	const char	*name;
	const char	*in;
	size_t		 inlen;
	const char	*out;
	size_t		 outlen;
	int		 err;
} b64dec_cases[] = {
	{ "empty", S(""), S(""), 0 },
	{ "white space only", S(" \t\r\n"), S(""), 0 },
	{ "one quantum", S("QUJD"), S("ABC"), 0 },
	{ "'=' padding", S("QUI="), S("AB"), 0 },
	{ "'==' padding", S("QQ=="), S("A"), 0 },
	{ "padding then CRLF", S("QQ==\r\n"), S("A"), 0 },
	{ "padding split by a line break", S("QQ=\r\n=\r\n"), S("A"), 0 },
	{ "non-alphabet '*' ignored", S("QU*JD"), S("ABC"), B64_E_CHAR },
	{ "non-alphabet 8-bit byte ignored", S("QUJD\x80"), S("ABC"),
	    B64_E_CHAR },
	{ "NUL ignored", S("QU\0JD"), S("ABC"), B64_E_CHAR },
	{ "'-' and '_' (base64url) ignored", S("QU-_JD"), S("ABC"),
	    B64_E_CHAR },
	{ "truncated to 3 characters", S("QUJ"), S("AB"), B64_E_LEN },
	{ "truncated to 2 characters", S("QQ"), S("A"), B64_E_LEN },
	{ "truncated to 1 character", S("Q"), S(""), B64_E_LEN },
	{ "truncated after a quantum", S("QUJDQ"), S("ABC"), B64_E_LEN },
	{ "truncated padding", S("QQ="), S("A"), B64_E_LEN },
	{ "data after '=='", S("QQ==QUJD"), S("A"), B64_E_TRAIL },
	{ "data after '='", S("QUI=QQ"), S("AB"), B64_E_TRAIL },
	{ "data between '=' and '='", S("QQ=Q="), S("A"),
	    B64_E_TRAIL | B64_E_PAD },
	{ "'=' after two characters then data", S("QU=JD"), S("A"),
	    B64_E_TRAIL },
	{ "'=' at quantum start", S("QUJD=QUJD"), S("ABCABC"), B64_E_PAD },
	{ "'=' after one character", S("Q=UJD"), S("ABC"), B64_E_PAD },
	{ "'==='", S("QQ==="), S("A"), B64_E_PAD },
	{ "'==' after 3 characters", S("QUI=="), S("AB"), B64_E_PAD },
	{ "'====' alone", S("===="), S(""), B64_E_PAD },
	{ "'=' alone", S("="), S(""), B64_E_PAD },
	{ "'=' after padding and space", S("QQ== ="), S("A"), B64_E_PAD },
	{ "stray byte and truncation", S("QUJD!QQ"), S("ABCA"),
	    B64_E_CHAR | B64_E_LEN },
	{ "stray byte after padding", S("QQ==\x01"), S("A"), B64_E_CHAR },
	{ "leftover bits dropped silently", S("QR=="), S("A"), 0 },
};

static int
t_b64dec_case(size_t i)
{
	struct buf	 b;
	int		 bad = 0;

	run_b64dec(b64dec_cases[i].in, b64dec_cases[i].inlen, &whole, &b);
	if (b.err != b64dec_cases[i].err || !buf_eq(&b, b64dec_cases[i].out,
	    b64dec_cases[i].outlen)) {
		diag_str("got", b.p, b.len);
		bad = fail("err %#x, want %#x", b.err, b64dec_cases[i].err);
	}
	buf_free(&b);
	return bad;
}

/* quoted-printable decoder tests ------------------------------------ */

#define SP8	"        "
#define SP64	SP8 SP8 SP8 SP8 SP8 SP8 SP8 SP8
#define SP65	SP64 " "
#define SP70	SP64 "      "

static const struct {
	const char	*name;
	const char	*in;
	size_t		 inlen;
	const char	*out;
	size_t		 outlen;
	int		 err;
} qpdec_cases[] = {
	{ "RFC 2045 6.7 soft breaks",
	    S("Now's the time =\r\nfor all folk to come=\r\n"
	    " to the aid of their country."),
	    S("Now's the time for all folk to come"
	    " to the aid of their country."), 0 },
	{ "RFC 2045 6.7 rule 1: =3D", S("a=3Db"), S("a=b"), 0 },
	{ "RFC 2045 6.7 rule 1: 8-bit", S("caf=C3=A9 =E9t=E9"),
	    S("caf\xc3\xa9 \xe9t\xe9"), 0 },
	{ "lower case hex accepted", S("a=3db=c3=a9"), S("a=b\xc3\xa9"), 0 },
	{ "encoded CRLF", S("a=0D=0Ab"), S("a\r\nb"), 0 },
	{ "soft break LF", S("soft=\nbreak"), S("softbreak"), 0 },
	{ "soft break CRLF", S("soft=\r\nbreak"), S("softbreak"), 0 },
	{ "soft break, white space after '='", S("soft= \t\r\nbreak"),
	    S("softbreak"), 0 },
	{ "soft break, white space after '=', LF", S("soft=  \nbreak"),
	    S("softbreak"), 0 },
	{ "white space before soft break kept", S("keep  =\nx"),
	    S("keep  x"), 0 },
	{ "hard breaks LF kept", S("one\ntwo\n"), S("one\ntwo\n"), 0 },
	{ "hard breaks CRLF kept", S("one\r\ntwo\r\n"), S("one\r\ntwo\r\n"),
	    0 },
	{ "mixed hard breaks kept", S("a\r\nb\nc\r\n"), S("a\r\nb\nc\r\n"),
	    0 },
	{ "trailing spaces before LF deleted", S("trail   \nx"),
	    S("trail\nx"), 0 },
	{ "trailing white space before CRLF deleted", S("trail \t \r\nx"),
	    S("trail\r\nx"), 0 },
	{ "trailing white space at the end deleted", S("trail \t"),
	    S("trail"), 0 },
	{ "white space only line", S("  \n\t\r\n"), S("\n\r\n"), 0 },
	{ "inner white space kept", S("a  b\t\tc \td"), S("a  b\t\tc \td"),
	    0 },
	{ "encoded trailing space kept", S("keep =20\n"), S("keep  \n"), 0 },
	{ "'=' at the end is a soft break", S("end="), S("end"), 0 },
	{ "'=' and spaces at the end", S("end=  "), S("end"), 0 },
	{ "'=' alone", S("="), S(""), 0 },
	{ "bare CR is data", S("a\rb"), S("a\rb"), 0 },
	{ "bare CR after space", S("a \rb"), S("a \rb"), 0 },
	{ "bare CR at the end", S("a \r"), S("a \r"), 0 },
	{ "CR CR LF", S("a\r\r\n"), S("a\r\r\n"), 0 },
	{ "8-bit and control bytes copied", S("\x80\x01\xff"),
	    S("\x80\x01\xff"), 0 },
	{ "two escapes back to back", S("=41=42"), S("AB"), 0 },
	{ "escape then soft break at end", S("a=41="), S("aA"), 0 },
	{ "malformed: '=' and one hex digit at the end", S("x=4"),
	    S("x=4"), QP_E_ESCAPE },
	{ "malformed: '=4G'", S("=4G"), S("=4G"), QP_E_ESCAPE },
	{ "malformed: '=G4'", S("=G4"), S("=G4"), QP_E_ESCAPE },
	{ "malformed: '= 41'", S("= 41"), S("= 41"), QP_E_ESCAPE },
	{ "malformed: '=' CR X", S("=\rX"), S("=\rX"), QP_E_ESCAPE },
	{ "malformed: '=' CR at the end", S("=\r"), S("=\r"), QP_E_ESCAPE },
	{ "malformed: '==41'", S("==41"), S("=A"), QP_E_ESCAPE },
	{ "malformed: '=4=41'", S("=4=41"), S("=4A"), QP_E_ESCAPE },
	{ "malformed: '=' 8-bit", S("=\x80"), S("=\x80"), QP_E_ESCAPE },
	{ "malformed: '=4' LF", S("=4\n"), S("=4\n"), QP_E_ESCAPE },
	{ "malformed: '=4' space LF", S("=4 \n"), S("=4\n"), QP_E_ESCAPE },
	{ "malformed: '=' tab X", S("=\tX"), S("=\tX"), QP_E_ESCAPE },
	{ "64 trailing spaces deleted", S("x" SP64 "\n"), S("x\n"), 0 },
	{ "70 trailing spaces: 64 deleted, reported", S("x" SP70 "\n"),
	    S("x      \n"), QP_E_WSP },
	{ "70 inner spaces kept", S("x" SP70 "y"), S("x" SP70 "y"), 0 },
	{ "'=' and 64 spaces then LF is a soft break", S("x=" SP64 "\ny"),
	    S("xy"), 0 },
	{ "'=' and 65 spaces then x", S("=" SP65 "x"), S("=" SP65 "x"),
	    QP_E_ESCAPE },
};

static int
t_qpdec_case(size_t i)
{
	struct buf	 b, ref;
	int		 bad = 0;

	run_qpdec(qpdec_cases[i].in, qpdec_cases[i].inlen, &whole, &b);
	if (b.err != qpdec_cases[i].err || !buf_eq(&b, qpdec_cases[i].out,
	    qpdec_cases[i].outlen)) {
		diag_str("got", b.p, b.len);
		bad = fail("err %#x, want %#x", b.err, qpdec_cases[i].err);
	}
	buf_free(&b);
	/* Another line after a final break: the last bytes take the fast loop. */
	if (qpdec_cases[i].inlen > 0 &&
	    qpdec_cases[i].in[qpdec_cases[i].inlen - 1] == '\n') {
		struct buf	 in, want;

		memset(&in, 0, sizeof(in));
		memset(&want, 0, sizeof(want));
		buf_add(&in, qpdec_cases[i].in, qpdec_cases[i].inlen);
		buf_add(&in, "more", 4);
		buf_add(&want, qpdec_cases[i].out, qpdec_cases[i].outlen);
		buf_add(&want, "more", 4);
		run_qpdec(in.p, in.len, &whole, &b);
		if (b.err != qpdec_cases[i].err || !buf_eq(&b, want.p,
		    want.len))
			bad += fail("differs with a line after it");
		buf_free(&b);
		buf_free(&in);
		buf_free(&want);
	}
	/* One byte a call takes the careful path throughout. */
	run_qpdec(qpdec_cases[i].in, qpdec_cases[i].inlen,
	    &(struct split){ SPLIT_FIXED, 1, 0, 0 }, &b);
	if (b.err != qpdec_cases[i].err || !buf_eq(&b, qpdec_cases[i].out,
	    qpdec_cases[i].outlen))
		bad += fail("differs one byte a call");
	buf_free(&b);
	/* The reference decoder agrees where it applies. */
	if (qpdec_cases[i].err != QP_E_WSP &&
	    strstr(qpdec_cases[i].name, "65") == NULL) {
		ref_qpdec((const unsigned char *)qpdec_cases[i].in,
		    qpdec_cases[i].inlen, &ref);
		if (!buf_eq(&ref, qpdec_cases[i].out, qpdec_cases[i].outlen))
			bad += fail("reference decoder disagrees");
		buf_free(&ref);
	}
	return bad;
}

static const char *const qp_short[] = {
	"ab=3Dc=\r\nd\r\n", "a \t\r\nb  \nc", "=4=41= \r\n=",
	"x=\r=0d=0A\r\r\n", "= 41=\t\n.\nF", "=4G=G4 =\r",
	"a  =  \r\n  b\t", "\r\n\r\n=\n=\r\n", "==41=3d=3D ",
};

static int
t_qpdec_splits(void)
{
	struct buf	 ref, b;
	struct split	 s = { SPLIT_MASK, 0, 0, 0 };
	size_t		 i, len;
	uint64_t	 mask;
	int		 bad = 0;

	for (i = 0; i < NELEM(qp_short); i++) {
		len = strlen(qp_short[i]);
		run_qpdec(qp_short[i], len, &whole, &ref);
		for (mask = 0; len > 0 && mask < 1u << (len - 1); mask++) {
			s.mask = mask;
			run_qpdec(qp_short[i], len, &s, &b);
			if (b.overrun || b.err != ref.err ||
			    !buf_eq(&b, ref.p, ref.len)) {
				diag_str("input", qp_short[i], len);
				bad += fail("mask %#llx",
				    (unsigned long long)mask);
			}
			buf_free(&b);
			if (bad > 5)
				return bad;
		}
		buf_free(&ref);
	}
	return bad;
}

/* Random quoted-printable-ish text against the line-at-a-time reference. */
static int
t_qpdec_reference(void)
{
	static const char set[] = "aZ.F==0099AaFfg  \t\r\n\n\x80";
	unsigned char	 in[300];
	struct buf	 ref, b;
	struct split	 s;
	size_t		 len;
	int		 bad = 0, round;

	for (round = 0; round < 8000; round++) {
		len = rnd_below(sizeof(in) + 1);
		rnd_from(in, len, set, sizeof(set) - 1);
		ref_qpdec(in, len, &ref);
		s = split_any();
		run_qpdec(in, len, &s, &b);
		if (b.overrun || b.err != ref.err ||
		    !buf_eq(&b, ref.p, ref.len)) {
			diag_str("input", in, len);
			diag_str("got", b.p, b.len);
			diag_str("reference", ref.p, ref.len);
			bad += fail("err %#x, reference %#x", b.err, ref.err);
		}
		buf_free(&b);
		buf_free(&ref);
		if (bad > 3)
			return bad;
	}
	return bad;
}

/*
 * Runs of n spaces and tabs before a line break, the end, data or '=':
 * before a break or the end all but n - QPDEC_WSMAX go, reported when
 * any stay; elsewhere all stay.  Whole, a byte a call and in random
 * pieces, so both the careful step and the fast loop's give-back run.
 */
static int
t_qpdec_longws(void)
{
	static const char *const tails[] = { "\n", "\r\n", "", "x", "=41" };
	unsigned char	 in[200], want[200];
	struct buf	 b;
	struct split	 s[3] = {
		{ SPLIT_WHOLE, 0, 0, 0 }, { SPLIT_FIXED, 1, 0, 0 },
		{ SPLIT_RANDOM, 9, 0, 0 }
	};
	size_t		 n, t, i, k, tl, wl, keep;
	int		 bad = 0, brk, werr;

	for (n = 0; n <= 140; n++) {
		for (t = 0; t < NELEM(tails); t++) {
			in[0] = 'a';
			for (i = 1; i <= n; i++)
				in[i] = rnd_below(3) == 0 ? '\t' : ' ';
			tl = strlen(tails[t]);
			memcpy(in + 1 + n, tails[t], tl);
			brk = t <= 2;
			keep = !brk ? n : n > QPDEC_WSMAX ? n - QPDEC_WSMAX : 0;
			werr = brk && n > QPDEC_WSMAX ? QP_E_WSP : 0;
			memcpy(want, in, 1 + keep);
			wl = 1 + keep;
			if (t < 4) {
				memcpy(want + wl, tails[t], tl);
				wl += tl;
			} else
				want[wl++] = 'A';
			for (k = 0; k < NELEM(s); k++) {
				run_qpdec(in, 1 + n + tl, &s[k], &b);
				if (b.overrun || b.err != werr ||
				    !buf_eq(&b, want, wl)) {
					diag_str("input", in, 1 + n + tl);
					diag_str("got", b.p, b.len);
					bad += fail("split %zu: err %#x", k,
					    b.err);
				}
				buf_free(&b);
			}
			if (bad > 3)
				return bad;
		}
	}
	return bad;
}

/* A zero-length update, even of a NULL pointer, writes nothing. */
static int
t_empty_update(void)
{
	struct b64enc	 be;
	struct b64dec	 bd;
	struct qpenc	 qe;
	struct qpdec	 qd;
	char		 out[80];
	unsigned char	 uout[80];
	size_t		 n;

	b64enc_init(&be, 76, NULL);
	b64dec_init(&bd);
	qpenc_init(&qe, NULL, 0);
	qpdec_init(&qd);
	if (b64enc_update(&be, NULL, 0, out) != 0 ||
	    b64enc_final(&be, out) != 0)
		return fail("b64enc");
	if (b64dec_update(&bd, NULL, 0, uout) != 0 ||
	    b64dec_final(&bd, uout, &n) != 0 || n != 0)
		return fail("b64dec");
	if (qpenc_update(&qe, NULL, 0, out) != 0 ||
	    qpenc_final(&qe, out) != 0)
		return fail("qpenc");
	if (qpdec_update(&qd, NULL, 0, uout) != 0 ||
	    qpdec_final(&qd, uout, &n) != 0 || n != 0)
		return fail("qpdec");
	/* NULL eol is CRLF. */
	n = b64enc_update(&be, (const unsigned char *)"f", 1, out);
	n += b64enc_final(&be, out + n);
	if (n != 6 || memcmp(out, "Zg==\r\n", 6) != 0)
		return fail("b64enc NULL eol");
	n = qpenc_update(&qe, (const unsigned char *)"a\n", 2, out);
	if (n != 3 || memcmp(out, "a\r\n", 3) != 0)
		return fail("qpenc NULL eol");
	return 0;
}

/* Worst cases for the bounds: every call checks its own. */
static int
t_qp_bounds(void)
{
	static const char *const fill[] = { "\xff", "=", " ", "\r", "\n",
	    "=\r", " \r", "= ", "=4", "F", ".\r" };
	unsigned char	 in[3000];
	struct buf	 b;
	struct split	 s;
	size_t		 f, i, k, flen;
	int		 bad = 0, binary;

	for (f = 0; f < NELEM(fill); f++) {
		flen = strlen(fill[f]);
		for (i = 0; i < sizeof(in); i++)
			in[i] = (unsigned char)fill[f][i % flen];
		for (k = 1; k <= 9; k++) {
			s.kind = k == 9 ? SPLIT_WHOLE : SPLIT_FIXED;
			s.n = k;
			for (binary = 0; binary < 2; binary++) {
				run_qpenc(in, sizeof(in), "\r\n", binary, &s,
				    &b);
				if (b.overrun)
					bad += fail("qpenc fill %zu split %zu",
					    f, k);
				buf_free(&b);
			}
			run_qpdec(in, sizeof(in), &s, &b);
			if (b.overrun)
				bad += fail("qpdec fill %zu split %zu", f, k);
			buf_free(&b);
		}
	}
	return bad;
}

/* quoted-printable encoder tests ------------------------------------ */

#define A10	"aaaaaaaaaa"
#define A70	A10 A10 A10 A10 A10 A10 A10
#define A73	A70 "aaa"
#define A74	A70 "aaaa"
#define A75	A70 "aaaaa"
#define A76	A70 "aaaaaa"

static const struct {
	const char	*name;
	const char	*in;
	size_t		 inlen;
	const char	*eol;
	int		 binary;
	const char	*out;
	size_t		 outlen;
} qpenc_cases[] = {
	{ "empty", S(""), "\r\n", 0, S("") },
	{ "no final break: soft break ends", S("abc"), "\n", 0, S("abc=\n") },
	{ "LF to LF", S("abc\n"), "\n", 0, S("abc\n") },
	{ "LF to CRLF", S("abc\ndef\n"), "\r\n", 0, S("abc\r\ndef\r\n") },
	{ "CRLF to LF", S("abc\r\n"), "\n", 0, S("abc\n") },
	{ "empty lines", S("\n\n\r\n"), "\r\n", 0, S("\r\n\r\n\r\n") },
	{ "'=' encoded", S("a=b\n"), "\n", 0, S("a=3Db\n") },
	{ "8-bit encoded, upper case", S("caf\xc3\xa9\n"), "\n", 0,
	    S("caf=C3=A9\n") },
	{ "controls and DEL encoded", S("\x7f\x00\x1b\n"), "\n", 0,
	    S("=7F=00=1B\n") },
	{ "inner space and tab literal", S("a b\tc\n"), "\n", 0,
	    S("a b\tc\n") },
	{ "trailing space encoded", S("trail \n"), "\n", 0,
	    S("trail=20\n") },
	{ "trailing tab before CRLF encoded", S("trail\t\r\n"), "\r\n", 0,
	    S("trail=09\r\n") },
	{ "trailing spaces: last one encoded", S("a   \n"), "\n", 0,
	    S("a  =20\n") },
	{ "space at the end before soft break", S("trail "), "\n", 0,
	    S("trail =\n") },
	{ "bare CR encoded", S("a\rb\n"), "\n", 0, S("a=0Db\n") },
	{ "bare CR at the end", S("a\r"), "\n", 0, S("a=0D=\n") },
	{ "CR CR LF", S("a\r\r\n"), "\r\n", 0, S("a=0D\r\n") },
	{ "binary: CR LF encoded", S("a\r\nb"), "\r\n", 1,
	    S("a=0D=0Ab=\r\n") },
	{ "binary: trailing space before LF is inner", S("a \n"), "\n", 1,
	    S("a =0A=\n") },
	{ "\"From \" at line start", S("From me\n"), "\n", 0,
	    S("=46rom me\n") },
	{ "\"From \" on the second line", S("x\r\nFrom here\r\n"), "\r\n",
	    0, S("x\r\n=46rom here\r\n") },
	{ "\"From \" not at line start", S("xFrom here\n"), "\n", 0,
	    S("xFrom here\n") },
	{ "\"From\" then break", S("From\n"), "\n", 0, S("From\n") },
	{ "\"From\" at the end", S("From"), "\n", 0, S("From=\n") },
	{ "\"From \" at the end", S("From "), "\n", 0, S("=46rom =\n") },
	{ "\"From \" ending a line", S("From \n"), "\n", 0,
	    S("=46rom=20\n") },
	{ "\"from \" untouched", S("from me\n"), "\n", 0, S("from me\n") },
	{ "\"Frog \" untouched", S("Frog\n"), "\n", 0, S("Frog\n") },
	{ "\"From \" in binary mode", S("From x"), "\n", 1,
	    S("=46rom x=\n") },
	{ "\".\" alone", S(".\n"), "\n", 0, S("=2E\n") },
	{ "\".\" alone before CRLF", S("a\n.\r\nb\n"), "\n", 0,
	    S("a\n=2E\nb\n") },
	{ "\"..\" untouched", S("..\n"), "\n", 0, S("..\n") },
	{ "\".x\" untouched", S(".x\n"), "\n", 0, S(".x\n") },
	{ "\".\" at the end gets a soft break", S("."), "\n", 0,
	    S(".=\n") },
	{ "76 characters fit", S(A76 "\n"), "\n", 0, S(A76 "\n") },
	{ "77 characters: soft break after 75", S(A76 "a\n"), "\n", 0,
	    S(A75 "=\naa\n") },
	{ "76 characters, no break: soft break after 75", S(A76), "\n", 0,
	    S(A75 "=\na=\n") },
	{ "escape reaching column 76 at a hard break", S(A73 "=\n"), "\n",
	    0, S(A73 "=3D\n") },
	{ "escape reaching column 76 inside a line", S(A73 "=b\n"), "\n",
	    0, S(A73 "=\n=3Db\n") },
	{ "escape past column 76", S(A74 "=\n"), "\n", 0,
	    S(A74 "=\n=3D\n") },
	{ "trailing space at column 76", S(A75 " \n"), "\n", 0,
	    S(A75 "=\n=20\n") },
	{ "inner space at column 75", S(A74 " b\n"), "\n", 0,
	    S(A74 " b\n") },
	{ "space before a soft break", S(A74 " bc\n"), "\n", 0,
	    S(A74 " =\nbc\n") },
	{ "\"From \" after a soft break", S(A75 "From x\n"), "\n", 0,
	    S(A75 "=\n=46rom x\n") },
	{ "\".\" at column 76", S(A75 ".\n"), "\n", 0, S(A75 ".\n") },
	{ "\".\" after a soft break, not alone", S(A75 ".b\n"), "\n", 0,
	    S(A75 "=\n.b\n") },
	{ "\".\" after a soft break, at the end", S(A75 "."), "\n", 0,
	    S(A75 "=\n.=\n") },
	{ "\".\" is never alone after a soft break", S(A76 ".\n"), "\n", 0,
	    S(A75 "=\na.\n") },
};

/*
 * Whole (the fast loop, but for the last bytes), in pieces of 1 to 3
 * bytes (the careful path), and, when the input ends in a line break,
 * with another line after it, so that its last bytes take the fast loop.
 */
static int
t_qpenc_case(size_t i)
{
	struct buf	 b, in, want;
	size_t		 k, el = strlen(qpenc_cases[i].eol);
	int		 bad = 0, more;

	memset(&in, 0, sizeof(in));
	memset(&want, 0, sizeof(want));
	buf_add(&in, qpenc_cases[i].in, qpenc_cases[i].inlen);
	buf_add(&want, qpenc_cases[i].out, qpenc_cases[i].outlen);
	more = !qpenc_cases[i].binary && in.len > 0 &&
	    in.p[in.len - 1] == '\n';
	for (k = 0; k <= (more ? 4u : 3u); k++) {
		if (k == 4) {
			buf_add(&in, "more\n", 5);
			buf_add(&want, "more", 4);
			buf_add(&want, qpenc_cases[i].eol, el);
		}
		run_qpenc(in.p, in.len, qpenc_cases[i].eol,
		    qpenc_cases[i].binary, k == 0 || k == 4 ? &whole :
		    &(struct split){ SPLIT_FIXED, k, 0, 0 }, &b);
		if (b.overrun || !buf_eq(&b, want.p, want.len)) {
			diag_str("got", b.p, b.len);
			bad += fail("pieces of %zu", k);
		}
		buf_free(&b);
		if (bad)
			break;
	}
	buf_free(&in);
	buf_free(&want);
	return bad;
}

/* Encodes, checks the shape, decodes, compares; returns failures. */
static int
qp_roundtrip(const unsigned char *in, size_t len, const char *eol,
    int binary)
{
	struct buf	 enc, dec, want;
	struct split	 s1 = split_any(), s2 = split_any();
	int		 bad = 0;

	run_qpenc(in, len, eol, binary, &s1, &enc);
	if (enc.overrun)
		bad += fail("encoder bound broken");
	bad += check_qp_shape(&enc, eol);
	run_qpdec(enc.p, enc.len, &s2, &dec);
	if (binary) {
		memset(&want, 0, sizeof(want));
		buf_add(&want, in, len);
	} else
		normalize_eol(in, len, eol, &want);
	if (dec.err != 0 || dec.overrun || !buf_eq(&dec, want.p, want.len))
		bad += fail("round trip differs, err %#x", dec.err);
	if (bad) {
		diag_str("input", in, len);
		diag_str("encoded", enc.p, enc.len);
		diag_str("decoded", dec.p, dec.len);
	}
	buf_free(&enc);
	buf_free(&dec);
	buf_free(&want);
	return bad;
}

/* A line of n copies of each kind of byte, for every n up to 300. */
static int
t_qpenc_linelen(void)
{
	static const char kinds[] = "a= \t\xff.F\r";
	unsigned char	 in[310];
	size_t		 n, k;
	int		 bad = 0, binary;

	for (k = 0; k < sizeof(kinds) - 1; k++) {
		for (n = 0; n <= 300; n++) {
			memset(in, kinds[k], n);
			in[n] = '\n';
			for (binary = 0; binary < 2; binary++) {
				bad += qp_roundtrip(in, n + 1, "\r\n", binary);
				bad += qp_roundtrip(in, n, "\n", binary);
			}
			if (bad > 3)
				return bad;
		}
	}
	return bad;
}

static int
t_qpenc_text(void)
{
	static const char set[] = "abcdefgh xyz ABC.,;:!?\t=\xe9\xff\r\n\n";
	unsigned char	 in[600];
	size_t		 len;
	int		 bad = 0, round;

	for (round = 0; round < 4000; round++) {
		len = rnd_below(sizeof(in) + 1);
		rnd_from(in, len, set, sizeof(set) - 1);
		bad += qp_roundtrip(in, len, round & 1 ? "\n" : "\r\n", 0);
		if (bad > 3)
			return bad;
	}
	return bad;
}

static int
t_qpenc_binary(void)
{
	unsigned char	 in[600];
	size_t		 len;
	int		 bad = 0, round;

	for (round = 0; round < 4000; round++) {
		len = rnd_below(sizeof(in) + 1);
		rnd_fill(in, len);
		bad += qp_roundtrip(in, len, round & 1 ? "\n" : "\r\n", 1);
		if (bad > 3)
			return bad;
	}
	return bad;
}

/* Text rich in "From " and "." at line starts. */
static int
t_qpenc_from_dot(void)
{
	static const char *const words[] = { "From ", "From", ".", "\n",
	    "\r\n", "F", "rom ", " ", "x", "=", "..", "\t" };
	unsigned char	 in[400];
	size_t		 len, w, wl;
	int		 bad = 0, round;

	for (round = 0; round < 6000; round++) {
		len = 0;
		while (len < rnd_below(sizeof(in))) {
			w = rnd_below(NELEM(words));
			wl = strlen(words[w]);
			if (len + wl > sizeof(in))
				break;
			memcpy(in + len, words[w], wl);
			len += wl;
		}
		bad += qp_roundtrip(in, len, round & 1 ? "\n" : "\r\n",
		    round % 5 == 0);
		if (bad > 3)
			return bad;
	}
	return bad;
}

static int
t_qpenc_splits(void)
{
	static const char *const inputs[] = {
		"From x\n.\nF", "a \t\r\n \r\rb", ".\r\nFrom", "a=b\xff \n",
		"\n.\n.x\n..", "From From \n", "\r\r\n\r \n", "Fro\nFrom ",
	};
	struct buf	 ref, b;
	struct split	 s = { SPLIT_MASK, 0, 0, 0 };
	size_t		 i, len;
	uint64_t	 mask;
	int		 bad = 0, binary;

	for (i = 0; i < NELEM(inputs); i++) {
		len = strlen(inputs[i]);
		for (binary = 0; binary < 2; binary++) {
			run_qpenc(inputs[i], len, "\r\n", binary, &whole, &ref);
			for (mask = 0; mask < 1u << (len - 1); mask++) {
				s.mask = mask;
				run_qpenc(inputs[i], len, "\r\n", binary, &s,
				    &b);
				if (b.overrun || !buf_eq(&b, ref.p, ref.len)) {
					diag_str("input", inputs[i], len);
					bad += fail("mask %#llx",
					    (unsigned long long)mask);
				}
				buf_free(&b);
				if (bad > 5)
					return bad;
			}
			buf_free(&ref);
		}
	}
	return bad;
}

/* Lines reaching column 76, split every way around it. */
static int
t_qpenc_splits_col76(void)
{
	static const char tails[] = "a=F. \t\r\n";
	unsigned char	 in[84];
	struct buf	 ref, b;
	struct split	 s = { SPLIT_MASK, 0, 0, 0 };
	uint64_t	 mask;
	int		 bad = 0, round;

	for (round = 0; round < 40; round++) {
		/* Cuts after bytes off..off+9, the tail from column 72. */
		s.off = 66 + rnd_below(8);
		memset(in, 'a', sizeof(in));
		rnd_from(in + 72, 12, tails, sizeof(tails) - 1);
		run_qpenc(in, sizeof(in), "\n", round & 1, &whole, &ref);
		for (mask = 0; mask < 1u << 10; mask++) {
			s.mask = mask;
			run_qpenc(in, sizeof(in), "\n", round & 1, &s, &b);
			if (b.overrun || !buf_eq(&b, ref.p, ref.len)) {
				diag_str("input", in, sizeof(in));
				bad += fail("mask %#llx",
				    (unsigned long long)mask);
			}
			buf_free(&b);
			if (bad > 5)
				return bad;
		}
		buf_free(&ref);
	}
	return bad;
}

static int
t_qp_large(void)
{
	static const char set[] = "abcdefghij klmnop QRSTU .=\t\xe9\n";
	unsigned char	*in;
	size_t		 len = 3 * 1000 * 1000 + 5;
	struct buf	 w, b, dec;
	struct split	 s;
	int		 bad = 0, binary;

	in = xmalloc(len);
	rnd_from(in, len, set, sizeof(set) - 1);
	for (binary = 0; binary < 2; binary++) {
		run_qpenc(in, len, "\n", binary, &whole, &w);
		s = split_random(binary ? 100000 : 2000);
		run_qpenc(in, len, "\n", binary, &s, &b);
		if (b.overrun || !buf_eq(&b, w.p, w.len))
			bad += fail("split encoding differs, binary %d",
			    binary);
		bad += check_qp_shape(&w, "\n");
		s = split_random(binary ? 3000 : 90000);
		run_qpdec(w.p, w.len, &s, &dec);
		if (dec.err != 0 || !buf_eq(&dec, in, len))
			bad += fail("round trip differs, binary %d", binary);
		buf_free(&w);
		buf_free(&b);
		buf_free(&dec);
	}
	free(in);
	return bad;
}

static int
t_qp_reuse(void)
{
	struct qpenc	 e;
	struct qpdec	 d;
	char		 out[64];
	unsigned char	 dout[128];
	size_t		 n, m;

	qpenc_init(&e, "\n", 0);
	n = qpenc_update(&e, (const unsigned char *)"a \rFr", 5, out);
	n += qpenc_final(&e, out + n);
	if (n != 9 || memcmp(out, "a =0DFr=\n", 9) != 0)
		return fail("encoder, first stream");
	n = qpenc_update(&e, (const unsigned char *)"From x\n", 7, out);
	n += qpenc_final(&e, out + n);
	if (n != 9 || memcmp(out, "=46rom x\n", 9) != 0)
		return fail("encoder, second stream");
	qpdec_init(&d);
	n = qpdec_update(&d, "=4", 2, dout);
	if (qpdec_final(&d, dout + n, &m) != QP_E_ESCAPE || n + m != 2)
		return fail("decoder, first stream");
	n = qpdec_update(&d, "=41 ", 4, dout);
	if (qpdec_final(&d, dout + n, &m) != 0 || n + m != 1 ||
	    dout[0] != 'A')
		return fail("decoder, second stream");
	return 0;
}

/* the table ---------------------------------------------------------- */

static const struct {
	const char	*name;
	int		(*fn)(void);
} tests[] = {
	{ "base64 encode: RFC 4648 test vectors", t_b64enc_vectors },
	{ "base64 encode equals EVP_EncodeBlock, lengths 0..300, random "
	    "splits", t_b64enc_openssl },
	{ "base64 encode: line structure, every line length 0..200",
	    t_b64enc_lines },
	{ "base64 encode: every split of inputs up to 12 bytes",
	    t_b64enc_splits },
	{ "base64 encode: large inputs, random splits, EVP_EncodeBlock",
	    t_b64enc_large },
	{ "base64 encode: final resets for the next stream",
	    t_b64enc_reuse },
	{ "base64 decode: RFC 4648 test vectors", t_b64dec_vectors },
	{ "base64 decode equals EVP_DecodeBlock, lengths 0..300, "
	    "plain and 76-column lines", t_b64dec_openssl },
	{ "base64 decode: white space anywhere is ignored",
	    t_b64dec_whitespace },
	{ "base64 decode: every byte value classified", t_b64dec_bytes },
	{ "base64 decode: every split of short inputs, same output and "
	    "verdict", t_b64dec_splits },
	{ "base64 decode: noisy input agrees with the reference decoder",
	    t_b64dec_reference },
	{ "base64 decode: large inputs, every line length, random splits",
	    t_b64dec_large },
	{ "qp decode: every split of short inputs, same output and verdict",
	    t_qpdec_splits },
	{ "qp decode: random input agrees with the line-based reference",
	    t_qpdec_reference },
	{ "qp decode: white space runs of 0..140 before breaks and data",
	    t_qpdec_longws },
	{ "every codec: empty update writes nothing; NULL eol is CRLF",
	    t_empty_update },
	{ "qp: update and final stay within their bounds on worst cases",
	    t_qp_bounds },
	{ "qp encode: lines of 0..300 of each byte kind: shape, round trip",
	    t_qpenc_linelen },
	{ "qp encode: random text: 76 columns, shape, round trip",
	    t_qpenc_text },
	{ "qp encode: binary mode round trip", t_qpenc_binary },
	{ "qp encode: no \"From \" or \".\" line, round trip",
	    t_qpenc_from_dot },
	{ "qp encode: every split of short inputs", t_qpenc_splits },
	{ "qp encode: every split near column 76", t_qpenc_splits_col76 },
	{ "qp: large inputs, random splits, round trip", t_qp_large },
	{ "qp: final resets for the next stream", t_qp_reuse },
};

/* benchmark ---------------------------------------------------------- */

#define CHUNK	65536		/* bytes per update call, as a reader gives */
#define ROUNDS	3		/* best of, against a busy machine */

enum { B_B64ENC, B_B64DEC, B_QPENC, B_QPDEC, B_EVPENC, B_EVPDEC };

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Mail-like text: words of 1 to 10 letters, sometimes with punctuation or
 * a UTF-8 letter (2 bytes, encoded), one space between, lines broken
 * before column 72 and now and then an empty line.
 */
static void
mail_text(unsigned char *p, size_t len)
{
	static const char punct[] = ".,;:!?";
	size_t	 i = 0, col = 0, w, j;

	while (i < len) {
		w = 1 + rnd_below(10);
		if (col + w + 1 > 72) {
			p[i++] = '\n';
			if (i < len && rnd_below(8) == 0)
				p[i++] = '\n';
			col = 0;
			continue;
		}
		if (col > 0 && i < len) {
			p[i++] = ' ';
			col++;
		}
		for (j = 0; j < w && i < len; j++, col++) {
			if (rnd_below(40) == 0 && i + 1 < len) {
				p[i++] = 0xc3;
				p[i++] = (unsigned char)(0xa0 + rnd_below(32));
			} else
				p[i++] = (unsigned char)('a' + rnd_below(26));
		}
		if (rnd_below(8) == 0 && i < len) {
			p[i++] = (unsigned char)punct[rnd_below(6)];
			col++;
		}
	}
}

/* Codes in into out in CHUNK pieces; returns the output length. */
static size_t
bench_run(int codec, int binary, const unsigned char *in, size_t len,
    unsigned char *out)
{
	struct b64enc	 be;
	struct b64dec	 bd;
	struct qpenc	 qe;
	struct qpdec	 qd;
	EVP_ENCODE_CTX	*ctx = NULL;
	size_t		 i, n, o = 0;
	int		 outl;

	b64enc_init(&be, 76, "\r\n");
	b64dec_init(&bd);
	qpenc_init(&qe, "\r\n", binary);
	qpdec_init(&qd);
	if (codec >= B_EVPENC) {
		ctx = EVP_ENCODE_CTX_new();
		codec == B_EVPENC ? EVP_EncodeInit(ctx) : EVP_DecodeInit(ctx);
	}
	for (i = 0; i < len; i += n) {
		n = len - i < CHUNK ? len - i : CHUNK;
		switch (codec) {
		case B_B64ENC:
			o += b64enc_update(&be, in + i, n, (char *)out + o);
			break;
		case B_B64DEC:
			o += b64dec_update(&bd, (const char *)in + i, n,
			    out + o);
			break;
		case B_QPENC:
			o += qpenc_update(&qe, in + i, n, (char *)out + o);
			break;
		case B_QPDEC:
			o += qpdec_update(&qd, (const char *)in + i, n,
			    out + o);
			break;
		case B_EVPENC:
			EVP_EncodeUpdate(ctx, out + o, &outl, in + i, (int)n);
			o += (size_t)outl;
			break;
		default:
			EVP_DecodeUpdate(ctx, out + o, &outl, in + i, (int)n);
			o += (size_t)outl;
		}
	}
	switch (codec) {
	case B_B64ENC:
		o += b64enc_final(&be, (char *)out + o);
		break;
	case B_B64DEC:
		if (b64dec_final(&bd, out + o, &n) != 0)
			return 0;
		o += n;
		break;
	case B_QPENC:
		o += qpenc_final(&qe, (char *)out + o);
		break;
	case B_QPDEC:
		if (qpdec_final(&qd, out + o, &n) != 0)
			return 0;
		o += n;
		break;
	case B_EVPENC:
		EVP_EncodeFinal(ctx, out + o, &outl);
		o += (size_t)outl;
		break;
	default:
		EVP_DecodeFinal(ctx, out + o, &outl);
		o += (size_t)outl;
	}
	EVP_ENCODE_CTX_free(ctx);
	return o;
}

/* Times the best of ROUNDS runs and prints both rates. */
static size_t
bench_one(const char *what, int codec, int binary, const unsigned char *in,
    size_t len, unsigned char *out)
{
	double	 t, best = 1e9;
	size_t	 o = 0;
	int	 r;

	for (r = 0; r < ROUNDS; r++) {
		t = now();
		o = bench_run(codec, binary, in, len, out);
		t = now() - t;
		if (t < best)
			best = t;
	}
	printf("%-34s %6.0f MiB/s in %6.0f MiB/s out\n", what,
	    (double)len / best / 1048576, (double)o / best / 1048576);
	fflush(stdout);
	return o;
}

static int
bench(size_t mib)
{
	size_t		 len = mib << 20, elen, dlen, cap;
	unsigned char	*raw, *text, *enc, *dec;

	/* Room for 3 bytes out per byte in, and LF to CRLF after that. */
	cap = 4 * len + 2 * CHUNK;
	raw = xmalloc(len);
	text = xmalloc(len);
	enc = xmalloc(cap);
	dec = xmalloc(cap);
	/* Fault the pages in now, or the first codec pays for them. */
	memset(enc, 0, cap);
	memset(dec, 0, cap);
	rnd_fill(raw, len);
	mail_text(text, len);
	printf("# %zu MiB, %d KiB per update call, best of %d\n", mib,
	    CHUNK / 1024, ROUNDS);

	elen = bench_one("b64enc (76 CRLF)", B_B64ENC, 0, raw, len, enc);
	dlen = bench_one("b64dec (76 CRLF)", B_B64DEC, 0, enc, elen, dec);
	if (dlen != len || memcmp(dec, raw, len) != 0)
		return fail("bench: base64 round trip failed");
	elen = bench_one("OpenSSL EVP_EncodeUpdate (64 LF)", B_EVPENC, 0,
	    raw, len, enc);
	bench_one("OpenSSL EVP_DecodeUpdate (64 LF)", B_EVPDEC, 0, enc, elen,
	    dec);
	elen = bench_one("qpenc (mail text)", B_QPENC, 0, text, len, enc);
	dlen = bench_one("qpdec (mail text)", B_QPDEC, 0, enc, elen, dec);
	if (dlen == 0)
		return fail("bench: quoted-printable decoding failed");
	elen = bench_one("qpenc (random binary)", B_QPENC, 1, raw, len, enc);
	dlen = bench_one("qpdec (random binary)", B_QPDEC, 1, enc, elen, dec);
	if (dlen != len || memcmp(dec, raw, len) != 0)
		return fail("bench: quoted-printable round trip failed");
	free(raw);
	free(text);
	free(enc);
	free(dec);
	return 0;
}

int
main(int argc, char *argv[])
{
	size_t	 i;

	if (argc > 1 && strcmp(argv[1], "--bench") == 0)
		return bench(argc > 2 ? strtoul(argv[2], NULL, 10) : 256) != 0;
	if (argc > 1)
		rng = strtoull(argv[1], NULL, 0);
	printf("# seed %#llx (give it as the argument to repeat a run)\n",
	    (unsigned long long)rng);
	for (i = 0; i < NELEM(tests); i++) {
		tap_ok(tests[i].fn() == 0, "%s", tests[i].name);
		fflush(stdout);
	}
	for (i = 0; i < NELEM(b64dec_cases); i++)
		tap_ok(t_b64dec_case(i) == 0, "base64 decode: %s",
		    b64dec_cases[i].name);
	for (i = 0; i < NELEM(qpdec_cases); i++)
		tap_ok(t_qpdec_case(i) == 0, "qp decode: %s",
		    qpdec_cases[i].name);
	for (i = 0; i < NELEM(qpenc_cases); i++)
		tap_ok(t_qpenc_case(i) == 0, "qp encode: %s",
		    qpenc_cases[i].name);
	return tap_done();
}
