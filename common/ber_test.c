/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * ber_test: the CMS splitter against OpenSSL.
 *
 * Every vector in testdata/ber (made by its make-vectors script with the
 * openssl CLI, which also wrote down what the CLI makes of each) and every
 * LAMPS example in testdata/corpus is split in many chunkings, and the
 * result is compared with what OpenSSL makes of the whole message: the
 * octets CMS_get0_content() holds, the structure without them, and the
 * verdict of CMS_verify() / CMS_decrypt() given the skeleton plus the
 * content as detached content.  More vectors are built from the -stream
 * ones by encoding their content differently (nested, definite, empty
 * segments, cut out).  Then the hostile inputs: every truncation, byte
 * flips, bad lengths, depth bombs, trailing data.
 *
 * Unlike the library, the test includes <openssl/cms.h>: OpenSSL is the
 * oracle.  Run from the top of the source tree.  BER_TEST_SEED=n changes
 * the random chunkings and flips (the seed is printed); BER_TEST_VERBOSE
 * shows why mutants were refused.  With arguments it is a driver for
 * measurements instead:
 *
 *	ber_test split FILE [SKELETON [CONTENT]]
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ber.h"
#include "err.h"
#include "tap.h"

#define TD	"testdata/ber/"
#define LAMPS	"testdata/corpus/lamps-examples-cms/"
#define LB	LAMPS "binary-files/"
#define LK	LAMPS "certs-and-keys/"

struct buf {
	unsigned char	*p;
	size_t		 n, cap;
};

static void
buf_add(struct buf *b, const void *p, size_t n)
{
	size_t	 cap;

	if (n > b->cap - b->n) {
		cap = b->cap != 0 ? b->cap : 256;
		while (n > cap - b->n)
			cap *= 2;
		b->p = xrealloc(b->p, cap);
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void
buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static const unsigned char zeros[1u << 16];

static void
buf_zero(struct buf *b, size_t n)
{
	size_t	 k;

	for (; n > 0; n -= k) {
		k = n < sizeof(zeros) ? n : sizeof(zeros);
		buf_add(b, zeros, k);
	}
}

static int
buf_eq(const struct buf *b, const unsigned char *p, size_t n)
{
	return b->n == n && (n == 0 || memcmp(b->p, p, n) == 0);
}

/* A missing vector is a broken tree, not a failed test: exit. */
static void
load(const char *path, struct buf *b)
{
	unsigned char	 tmp[8192];
	FILE		*f;
	size_t		 k;

	memset(b, 0, sizeof(*b));
	if ((f = fopen(path, "rb")) == NULL)
		xdie(ERR_NOINPUT, "cannot open '%s': %s", path,
		    strerror(errno));
	while ((k = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(b, tmp, k);
	if (ferror(f))
		xdie(ERR_IO, "cannot read '%s'", path);
	fclose(f);
}

/* Hex with spaces, as the hostile inputs are written. */
static void
unhex(const char *s, struct buf *b)
{
	unsigned char	 c;
	int		 v, half = 0, acc = 0;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c == ' ')
			continue;
		v = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
		acc = acc << 4 | v;
		if (++half == 2) {
			c = (unsigned char)acc;
			buf_add(b, &c, 1);
			half = acc = 0;
		}
	}
}

/* xorshift64*: reproducible chunkings and flips. */
static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static size_t
rng_below(size_t n)
{
	return (size_t)(rng() % n);
}

/* Splitting ---------------------------------------------------------- */

struct res {
	int		 err;
	unsigned char	*skel;
	size_t		 skellen;
	enum ber_type	 type;
	int		 had;
	uint64_t	 clen, off;
	unsigned	 flags;
	struct buf	 content;
};

static unsigned long empty_slices;	/* ber.h promises none */

static int
collect(void *arg, const unsigned char *p, size_t n)
{
	if (n == 0)
		empty_slices++;
	buf_add(arg, p, n);
	return 0;
}

/* Feeds p in random pieces of 1..maxchunk octets; 0: all at once. */
static void
split(const unsigned char *p, size_t n, size_t maxchunk, struct res *r)
{
	struct ber_split	*b;
	size_t			 k;
	int			 e = 0;

	memset(r, 0, sizeof(*r));
	b = ber_split_new(collect, &r->content);
	while (n > 0 && e == 0) {
		k = maxchunk == 0 ? n : 1 + rng_below(maxchunk);
		if (k > n)
			k = n;
		e = ber_split_feed(b, p, k);
		p += k;
		n -= k;
	}
	r->err = ber_split_finish(b, &r->skel, &r->skellen, &r->type,
	    &r->had, &r->clen);
	if (e != 0 && r->err != e)
		r->err = -1;	/* errors must stick */
	r->flags = ber_split_flags(b);
	r->off = ber_split_offset(b);
	ber_split_free(b);
}

static void
res_free(struct res *r)
{
	free(r->skel);
	buf_free(&r->content);
}

static int
res_same(const struct res *a, const struct res *b)
{
	return a->err == b->err && a->type == b->type && a->had == b->had &&
	    a->clen == b->clen && a->off == b->off && a->flags == b->flags &&
	    a->skellen == b->skellen &&
	    (a->skellen == 0 || memcmp(a->skel, b->skel, a->skellen) == 0) &&
	    buf_eq(&a->content, b->content.p, b->content.n);
}

/* The same result for all at once, octet by octet and random pieces. */
static int
chunkings_agree(const unsigned char *p, size_t n, const struct res *r0,
    int rounds)
{
	static const size_t	 maxes[] = { 1, 2, 3, 7, 64, 1000, 5000 };
	struct res		 r;
	int			 i, same = 1;

	for (i = 0; i < rounds && same; i++) {
		split(p, n, maxes[i % (sizeof(maxes) / sizeof(maxes[0]))], &r);
		same = res_same(r0, &r);
		res_free(&r);
	}
	return same;
}

/* OpenSSL, the oracle ------------------------------------------------- */

static CMS_ContentInfo *
cms_parse(const unsigned char *p, size_t n)
{
	CMS_ContentInfo	*cms = NULL;
	BIO		*in;

	if ((in = BIO_new_mem_buf(n > 0 ? p : (const void *)"", (int)n)))
		cms = d2i_CMS_bio(in, NULL);
	BIO_free(in);
	ERR_clear_error();
	return cms;
}

/* What OpenSSL holds in the content field: whether any, and its octets. */
static void
cms_content(CMS_ContentInfo *cms, int *present, struct buf *out)
{
	ASN1_OCTET_STRING	**pos = CMS_get0_content(cms);

	ERR_clear_error();
	*present = pos != NULL && *pos != NULL;
	if (*present)
		buf_add(out, ASN1_STRING_get0_data(*pos),
		    (size_t)ASN1_STRING_length(*pos));
}

/* DER of cms, its content left out if bare: what a skeleton means. */
static int
cms_der(CMS_ContentInfo *cms, int bare, struct buf *out)
{
	ASN1_OCTET_STRING	**pos;
	unsigned char		 *der = NULL;
	int			  n;

	if (bare && (pos = CMS_get0_content(cms)) != NULL) {
		ASN1_OCTET_STRING_free(*pos);
		*pos = NULL;
	}
	n = i2d_CMS_ContentInfo(cms, &der);
	ERR_clear_error();
	if (n <= 0)
		return 0;
	buf_add(out, der, (size_t)n);
	OPENSSL_free(der);
	return 1;
}

/* Whether a skeleton means what the whole message without content does. */
static int
skel_matches(const struct res *r, CMS_ContentInfo *whole)
{
	CMS_ContentInfo	*cms;
	struct buf	 a = { 0 }, b = { 0 };
	int		 same;

	if ((cms = cms_parse(r->skel, r->skellen)) == NULL)
		return 0;
	same = cms_der(cms, 0, &a) && cms_der(whole, 1, &b) &&
	    buf_eq(&a, b.p, b.n);
	CMS_ContentInfo_free(cms);
	buf_free(&a);
	buf_free(&b);
	return same;
}

struct keys {
	EVP_PKEY	*pkey;		/* to decrypt */
	X509		*cert;		/* its certificate */
	STACK_OF(X509)	*certs;		/* signers the message may omit */
};

static X509 *
load_cert(const char *path)
{
	X509	*x = NULL;
	BIO	*in;

	if ((in = BIO_new_file(path, "r")) != NULL)
		x = PEM_read_bio_X509(in, NULL, NULL, NULL);
	BIO_free(in);
	if (x == NULL)
		xdie_ssl(ERR_NOINPUT, "cannot load '%s'", path);
	return x;
}

static EVP_PKEY *
load_key(const char *path)
{
	EVP_PKEY	*k = NULL;
	BIO		*in;

	if ((in = BIO_new_file(path, "r")) != NULL)
		k = PEM_read_bio_PrivateKey(in, NULL, NULL, NULL);
	BIO_free(in);
	if (k == NULL)
		xdie_ssl(ERR_NOINPUT, "cannot load '%s'", path);
	return k;
}

static BIO *
mem_bio(const struct buf *b)
{
	return BIO_new_mem_buf(b->n > 0 ? b->p : (const void *)"",
	    (int)b->n);
}

/*
 * CMS_verify() of der, with dcont (NULL: none) as detached content.
 * Returns its verdict; the verified content is in *out.
 */
static int
verify(const unsigned char *der, size_t n, const struct buf *dcont,
    const struct keys *k, unsigned flags, struct buf *out)
{
	CMS_ContentInfo	*cms;
	BIO		*dc = NULL, *o;
	char		*p;
	long		 len;
	int		 ok = 0;

	o = BIO_new(BIO_s_mem());
	if ((cms = cms_parse(der, n)) == NULL || o == NULL)
		goto out;
	if (dcont != NULL && (dc = mem_bio(dcont)) == NULL)
		goto out;
	ok = CMS_verify(cms, k->certs, NULL, dc, o, flags) == 1;
	len = BIO_get_mem_data(o, &p);
	buf_add(out, p, (size_t)len);
out:
	ERR_clear_error();
	CMS_ContentInfo_free(cms);
	BIO_free(dc);
	BIO_free(o);
	return ok;
}

/* CMS_decrypt() likewise. */
static int
decrypt(const unsigned char *der, size_t n, const struct buf *dcont,
    const struct keys *k, struct buf *out)
{
	CMS_ContentInfo	*cms;
	BIO		*dc = NULL, *o;
	char		*p;
	long		 len;
	int		 ok = 0;

	o = BIO_new(BIO_s_mem());
	if ((cms = cms_parse(der, n)) == NULL || o == NULL)
		goto out;
	if (dcont != NULL && (dc = mem_bio(dcont)) == NULL)
		goto out;
	ok = CMS_decrypt(cms, k->pkey, k->cert, dc, o, 0) == 1;
	len = BIO_get_mem_data(o, &p);
	if (ok)
		buf_add(out, p, (size_t)len);
out:
	ERR_clear_error();
	CMS_ContentInfo_free(cms);
	BIO_free(dc);
	BIO_free(o);
	return ok;
}

/* The vectors ---------------------------------------------------------- */

enum { K_OURS, K_LAMPS, K_BOB, K_DANA, K_N };

static struct keys keys[K_N];

static void
keys_load(void)
{
	keys[K_OURS].pkey = load_key(TD "key.pem");
	keys[K_OURS].cert = load_cert(TD "cert.pem");
	keys[K_LAMPS].certs = sk_X509_new_null();
	sk_X509_push(keys[K_LAMPS].certs, load_cert(LK "lamps-alice.crt"));
	sk_X509_push(keys[K_LAMPS].certs, load_cert(LK "lamps-carlos.crt"));
	keys[K_BOB].pkey = load_key(LK "lamps-bob.decrypt.p8.pem");
	keys[K_BOB].cert = load_cert(LK "lamps-bob.encrypt.crt");
	keys[K_DANA].pkey = load_key(LK "lamps-dana.decrypt.p8.pem");
	keys[K_DANA].cert = load_cert(LK "lamps-dana.encrypt.crt");
}

static void
keys_free(void)
{
	int	 i;

	for (i = 0; i < K_N; i++) {
		EVP_PKEY_free(keys[i].pkey);
		X509_free(keys[i].cert);
		sk_X509_pop_free(keys[i].certs, X509_free);
	}
}

struct vector {
	const char	*name;		/* for messages */
	enum ber_type	 type;
	int		 had;		/* content present */
	int		 der;		/* DER: the skeleton is byte-exact */
	const char	*expect;	/* content or plaintext the CLI gave */
	const char	*detached;	/* signed: the detached content */
	int		 ok;		/* OpenSSL 3.0 verifies / decrypts it */
	int		 keys;		/* K_* */
	int		 variants;	/* -stream: re-encode its content */
};

/*
 * ok 0: OpenSSL 3.0 cannot do it (Ed25519 signatures, ChaCha20-Poly1305,
 * X25519 with HKDF); the split message must then fare as the whole does.
 * Carlos's detached content is the LAMPS sample text, as Alice's.
 */
static const struct vector vectors[] = {
	{ TD "signed-der.p7m", BER_SIGNED, 1, 1, TD "binary.bin", NULL, 1,
	    K_OURS, 0 },
	{ TD "signed-stream.p7m", BER_SIGNED, 1, 0, TD "binary.bin", NULL, 1,
	    K_OURS, 1 },
	{ TD "signed-text-der.p7m", BER_SIGNED, 1, 1, TD "text-signed.out",
	    NULL, 1, K_OURS, 0 },
	{ TD "signed-text-indef.p7m", BER_SIGNED, 1, 0, TD "text-signed.out",
	    NULL, 1, K_OURS, 0 },
	{ TD "signed-detached.p7m", BER_SIGNED, 0, 1, NULL, TD "binary.bin",
	    1, K_OURS, 0 },
	{ TD "small-signed-stream.p7m", BER_SIGNED, 1, 0, TD "small.txt",
	    NULL, 1, K_OURS, 0 },
	{ TD "env-cbc-der.p7m", BER_ENVELOPED, 1, 1, TD "binary.bin", NULL,
	    1, K_OURS, 0 },
	{ TD "env-cbc-stream.p7m", BER_ENVELOPED, 1, 0, TD "binary.bin",
	    NULL, 1, K_OURS, 1 },
	{ TD "auth-gcm-der.p7m", BER_AUTHENVELOPED, 1, 1, TD "binary.bin",
	    NULL, 1, K_OURS, 0 },
	{ TD "auth-gcm-stream.p7m", BER_AUTHENVELOPED, 1, 0, TD "binary.bin",
	    NULL, 1, K_OURS, 1 },
	{ TD "small-auth-stream.p7m", BER_AUTHENVELOPED, 1, 0, TD "small.txt",
	    NULL, 1, K_OURS, 1 },
	{ LB "signedByAliceRSA.p7m", BER_SIGNED, 1, 1,
	    TD "lamps-signedByAliceRSA.out", NULL, 1, K_LAMPS, 0 },
	{ LB "signedByAliceRSAPSS.p7m", BER_SIGNED, 1, 1,
	    TD "lamps-signedByAliceRSAPSS.out", NULL, 1, K_LAMPS, 0 },
	{ LB "signedByAliceAndCarlosNoCerts.p7m", BER_SIGNED, 1, 1, NULL,
	    NULL, 0, K_LAMPS, 0 },
	{ LB "signedByCarlosDetached.p7m", BER_SIGNED, 0, 1, NULL,
	    TD "lamps-signedByAliceRSA.out", 0, K_LAMPS, 0 },
	{ LB "signedByCarlosEd25519.p7m", BER_SIGNED, 1, 1, NULL, NULL, 0,
	    K_LAMPS, 0 },
	{ LB "encryptedForBobRSAOaep.p7m", BER_ENVELOPED, 1, 1,
	    TD "lamps-encryptedForBobRSAOaep.out", NULL, 1, K_BOB, 0 },
	{ LB "encryptedForBobAndDana.p7m", BER_ENVELOPED, 1, 1,
	    TD "lamps-encryptedForBobAndDana.out", NULL, 1, K_BOB, 0 },
	{ LB "authEnvelopedForBobChaCha20Poly1305.p7m", BER_AUTHENVELOPED, 1,
	    1, NULL, NULL, 0, K_BOB, 0 },
	{ LB "authEnvelopedForDanaX25519HKDF.p7m", BER_AUTHENVELOPED, 1, 1,
	    NULL, NULL, 0, K_DANA, 0 },
};

static int binary_matters;	/* CMS_verify() without CMS_BINARY differs */

/* The signature checks of one split SignedData. */
static void
check_signed(const struct vector *v, const struct buf *in,
    const struct res *r, const struct buf *want)
{
	const unsigned	 flags = CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY;
	struct buf	 dc = { 0 }, o1 = { 0 }, o2 = { 0 }, o3 = { 0 };
	int		 split_ok, whole_ok, text_ok;

	if (v->detached != NULL)
		load(v->detached, &dc);
	else
		buf_add(&dc, r->content.p, r->content.n);
	split_ok = verify(r->skel, r->skellen, &dc, &keys[v->keys], flags,
	    &o1);
	whole_ok = verify(in->p, in->n, v->detached != NULL ? &dc : NULL,
	    &keys[v->keys], flags, &o2);
	tap_ok(split_ok == whole_ok && (split_ok || !v->ok) &&
	    (!split_ok || buf_eq(&o1, o2.p, o2.n)),
	    "%s: CMS_verify(skeleton, dcont=content) %s, as the whole",
	    v->name, split_ok ? "verifies" : "fails");
	if (split_ok && want != NULL)
		tap_ok(buf_eq(&o1, want->p, want->n),
		    "%s: CMS_verify output is the CLI's", v->name);
	/* Without CMS_BINARY: recorded, see the report in main(). */
	text_ok = verify(r->skel, r->skellen, &dc, &keys[v->keys],
	    CMS_NO_SIGNER_CERT_VERIFY, &o3);
	if (text_ok != split_ok || !buf_eq(&o3, o1.p, o1.n)) {
		binary_matters++;
		if (getenv("BER_TEST_VERBOSE") != NULL)
			printf("# %s: without CMS_BINARY %d, %zu octets; "
			    "with %d, %zu\n", v->name, text_ok, o3.n,
			    split_ok, o1.n);
	}
	buf_free(&dc);
	buf_free(&o1);
	buf_free(&o2);
	buf_free(&o3);
}

/* The decryption checks of one split (Auth)EnvelopedData. */
static void
check_enveloped(const struct vector *v, const struct buf *in,
    const struct res *r, const struct buf *want)
{
	struct buf	 o1 = { 0 }, o2 = { 0 };
	int		 split_ok, whole_ok;

	split_ok = decrypt(r->skel, r->skellen, &r->content, &keys[v->keys],
	    &o1);
	whole_ok = decrypt(in->p, in->n, NULL, &keys[v->keys], &o2);
	tap_ok(split_ok == whole_ok && (split_ok || !v->ok) &&
	    (!split_ok || buf_eq(&o1, o2.p, o2.n)),
	    "%s: CMS_decrypt(skeleton, dcont=ciphertext) %s, as the whole",
	    v->name, split_ok ? "decrypts" : "fails");
	if (split_ok && want != NULL)
		tap_ok(buf_eq(&o1, want->p, want->n),
		    "%s: plaintext is the CLI's", v->name);
	buf_free(&o1);
	buf_free(&o2);
}

static void
check_vector(const struct vector *v, const struct buf *in)
{
	CMS_ContentInfo	*whole;
	struct buf	 oc = { 0 }, bare = { 0 }, want = { 0 };
	struct res	 r;
	int		 present = 0;

	split(in->p, in->n, 0, &r);
	tap_ok(r.err == 0 && r.type == v->type && r.had == v->had &&
	    r.clen == r.content.n && r.off == in->n,
	    "%s: splits (%s), type %d, content %s, %" PRIu64 " octets",
	    v->name, ber_strerror(r.err), (int)r.type,
	    r.had ? "present" : "absent", r.clen);
	tap_ok(chunkings_agree(in->p, in->n, &r, 40),
	    "%s: 40 chunkings give the same result", v->name);
	tap_ok((r.flags & BER_F_INDEF) == (v->der ? 0 : BER_F_INDEF) &&
	    !(r.flags & BER_F_TRAILING),
	    "%s: flags 0x%x", v->name, r.flags);

	whole = cms_parse(in->p, in->n);
	if (whole != NULL)
		cms_content(whole, &present, &oc);
	tap_ok(whole != NULL && present == r.had &&
	    buf_eq(&oc, r.content.p, r.content.n),
	    "%s: content is what OpenSSL holds in the whole", v->name);
	tap_ok(whole != NULL && skel_matches(&r, whole),
	    "%s: skeleton parses to the whole without its content", v->name);
	if (v->der)
		tap_ok(whole != NULL && cms_der(whole, 1, &bare) &&
		    buf_eq(&bare, r.skel, r.skellen),
		    "%s: skeleton is i2d of the whole without content, "
		    "octet for octet", v->name);
	CMS_ContentInfo_free(whole);

	if (v->expect != NULL)
		load(v->expect, &want);
	if (v->type == BER_SIGNED) {
		if (v->expect != NULL)
			tap_ok(buf_eq(&r.content, want.p, want.n),
			    "%s: content is `cms -verify -out`", v->name);
		check_signed(v, in, &r, v->expect != NULL ? &want : NULL);
	} else
		check_enveloped(v, in, &r, v->expect != NULL ? &want : NULL);
	buf_free(&want);
	buf_free(&bare);
	buf_free(&oc);
	res_free(&r);
}

/* Other encodings of the same content ---------------------------------- */

/*
 * Where a -stream vector keeps its content: the [0] at wrap, its primitive
 * segments, and the end of the [0]'s end-of-contents.  OpenSSL writes one
 * layout only, so this is found by its bytes: the id-data OID, then for
 * SignedData "A0 80 24 80", for (Auth)EnvelopedData an algorithm
 * SEQUENCE with a short length and "A0 80".
 */
struct layout {
	size_t		 wrap, end;
	struct buf	 segs[8];
	size_t		 nsegs;
};

static const unsigned char oid_data[] = {
	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01
};

static int
find_layout(const struct buf *in, int is_signed, struct layout *l)
{
	const unsigned char	*p = in->p;
	size_t			 i, n = in->n, len, k;

	memset(l, 0, sizeof(*l));
	for (i = 0; i + sizeof(oid_data) < n; i++)
		if (memcmp(p + i, oid_data, sizeof(oid_data)) == 0)
			break;
	i += sizeof(oid_data);
	if (!is_signed) {
		if (i + 2 > n || p[i] != 0x30 || p[i + 1] >= 0x80)
			return 0;
		i += 2 + p[i + 1];
	}
	if (i + 4 > n || p[i] != 0xa0 || p[i + 1] != 0x80)
		return 0;
	l->wrap = i;
	i += 2;
	if (is_signed) {
		if (p[i] != 0x24 || p[i + 1] != 0x80)
			return 0;
		i += 2;
	}
	while (i + 2 <= n && p[i] == 0x04 && l->nsegs < 8) {
		if (p[i + 1] < 0x80) {
			len = p[i + 1];
			i += 2;
		} else if (p[i + 1] == 0x82 && i + 4 <= n) {
			len = (size_t)p[i + 2] << 8 | p[i + 3];
			i += 4;
		} else
			return 0;
		if (len > n - i)
			return 0;
		buf_add(&l->segs[l->nsegs++], p + i, len);
		i += len;
	}
	/* End-of-contents: one for the [0], one more for signed's 24 80. */
	for (k = is_signed ? 2 : 1; k > 0; k--, i += 2)
		if (i + 2 > n || p[i] != 0 || p[i + 1] != 0)
			return 0;
	l->end = i;
	return l->nsegs > 0;
}

static void
layout_free(struct layout *l)
{
	size_t	 i;

	for (i = 0; i < l->nsegs; i++)
		buf_free(&l->segs[i]);
}

/*
 * Appends a header with a definite length: the test's own encoder, for
 * the variants and the expected skeletons (lengths below 4 GiB).
 */
static void
put_hdr(struct buf *b, unsigned char id, size_t len)
{
	unsigned char	 h[6];
	size_t		 n = 0, k;

	h[n++] = id;
	if (len < 0x80)
		h[n++] = (unsigned char)len;
	else {
		k = len > 0xffffff ? 4 : len > 0xffff ? 3 : len > 0xff ? 2 : 1;
		h[n++] = (unsigned char)(0x80 | k);
		for (; k > 0; k--)
			h[n++] = (unsigned char)(len >> (8 * (k - 1)));
	}
	buf_add(b, h, n);
}

static const unsigned char eoc[2] = { 0, 0 }, indef24[2] = { 0x24, 0x80 };

/*
 * Segment i inside i % 3 more constructed segments (deep, if given), cut
 * in two around an empty primitive and an empty constructed segment.
 * Four levels at most: OpenSSL's decoder takes five.
 */
static void
put_nested(struct buf *b, const struct layout *l, int deep)
{
	static const unsigned char empty[] = { 0x04, 0x00, 0x24, 0x80, 0, 0 };
	size_t		 i, d, depth, half;
	const struct buf *s;

	for (i = 0; i < l->nsegs; i++) {
		s = &l->segs[i];
		depth = deep > 0 ? (size_t)deep : i % 3;
		for (d = 0; d < depth; d++)
			buf_add(b, indef24, 2);
		half = s->n / 2;
		put_hdr(b, 0x04, half);
		buf_add(b, s->p, half);
		buf_add(b, empty, sizeof(empty));
		put_hdr(b, 0x04, s->n - half);
		buf_add(b, s->p + half, s->n - half);
		for (d = 0; d < depth; d++)
			buf_add(b, eoc, 2);
	}
}

/* The segments with definite lengths. */
static void
put_defsegs(struct buf *b, const struct layout *l)
{
	size_t	 i;

	for (i = 0; i < l->nsegs; i++) {
		put_hdr(b, 0x04, l->segs[i].n);
		buf_add(b, l->segs[i].p, l->segs[i].n);
	}
}

static void
content_of(const struct layout *l, struct buf *c)
{
	size_t	 i;

	for (i = 0; i < l->nsegs; i++)
		buf_add(c, l->segs[i].p, l->segs[i].n);
}

enum {
	V_CUT,		/* content element removed: detached */
	V_NESTED,	/* nested indefinite segments, empty ones */
	V_DEFCONS,	/* a definite constructed OCTET STRING */
	V_PRIM,		/* one primitive OCTET STRING in an indefinite [0] */
	V_DEFWRAP,	/* signed: definite [0] around indefinite segments */
	V_DEEP		/* segments 20 deep: more than OpenSSL's 5 */
};

/* Builds the variant of in with the content encoded as v says. */
static void
make_variant(const struct buf *in, const struct layout *l, int is_signed,
    int v, struct buf *out)
{
	struct buf	 mid = { 0 }, c = { 0 };
	unsigned char	 h[2] = { 0xa0, 0x80 };

	buf_add(out, in->p, l->wrap);
	content_of(l, &c);
	switch (v) {
	case V_CUT:
		break;
	case V_NESTED:
	case V_DEEP:
		buf_add(out, h, 2);
		if (is_signed)
			buf_add(out, indef24, 2);
		put_nested(out, l, v == V_DEEP ? 20 : 0);
		if (is_signed)
			buf_add(out, eoc, 2);
		buf_add(out, eoc, 2);
		break;
	case V_DEFCONS:
		put_defsegs(&mid, l);
		if (is_signed)
			buf_add(out, h, 2);
		put_hdr(out, is_signed ? 0x24 : 0xa0, mid.n);
		buf_add(out, mid.p, mid.n);
		if (is_signed)
			buf_add(out, eoc, 2);
		break;
	case V_PRIM:
		if (is_signed) {
			buf_add(out, h, 2);
			put_hdr(out, 0x04, c.n);
		} else
			put_hdr(out, 0x80, c.n);
		buf_add(out, c.p, c.n);
		if (is_signed)
			buf_add(out, eoc, 2);
		break;
	case V_DEFWRAP:
		buf_add(&mid, indef24, 2);
		put_defsegs(&mid, l);
		buf_add(&mid, eoc, 2);
		put_hdr(out, 0xa0, mid.n);
		buf_add(out, mid.p, mid.n);
		break;
	}
	buf_add(out, in->p + l->end, in->n - l->end);
	buf_free(&mid);
	buf_free(&c);
}

static const char *const variant_name[] = {
	"cut out", "nested segments", "definite constructed",
	"primitive", "definite [0]", "segments 20 deep"
};

static void
check_variant(const struct vector *v, const struct buf *in,
    const struct layout *l, int var)
{
	CMS_ContentInfo	*whole;
	struct buf	 x = { 0 }, c = { 0 }, oc = { 0 }, o = { 0 };
	struct buf	 want = { 0 };
	struct res	 r;
	int		 is_signed = v->type == BER_SIGNED, present, ok;

	make_variant(in, l, is_signed, var, &x);
	content_of(l, &c);
	load(v->expect, &want);
	split(x.p, x.n, 0, &r);
	tap_ok(r.err == 0 && r.type == v->type && r.had == (var != V_CUT) &&
	    buf_eq(&r.content, var == V_CUT ? NULL : c.p,
	    var == V_CUT ? 0 : c.n) && chunkings_agree(x.p, x.n, &r, 14),
	    "%s, content %s: splits (%s) alike in 15 chunkings", v->name,
	    variant_name[var], ber_strerror(r.err));
	whole = cms_parse(x.p, x.n);
	if (var == V_DEEP) {
		if (whole == NULL)
			printf("# %s: OpenSSL's d2i refuses content segments "
			    "20 deep, ber_split takes them\n", v->name);
	} else {
		present = -1;
		if (whole != NULL)
			cms_content(whole, &present, &oc);
		tap_ok(whole != NULL && present == r.had &&
		    buf_eq(&oc, r.content.p, r.content.n) &&
		    skel_matches(&r, whole),
		    "%s, content %s: as OpenSSL parses the whole", v->name,
		    variant_name[var]);
	}
	CMS_ContentInfo_free(whole);
	if (r.err == 0 && is_signed)
		ok = verify(r.skel, r.skellen, &c, &keys[v->keys],
		    CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY, &o);
	else
		ok = r.err == 0 && decrypt(r.skel, r.skellen, &c,
		    &keys[v->keys], &o);
	tap_ok(ok && buf_eq(&o, want.p, want.n),
	    "%s, content %s: skeleton and content %s", v->name,
	    variant_name[var], is_signed ? "verify" : "decrypt");
	res_free(&r);
	buf_free(&x);
	buf_free(&c);
	buf_free(&oc);
	buf_free(&o);
	buf_free(&want);
}

static void
check_variants(const struct vector *v)
{
	struct layout	 l;
	struct buf	 in;
	int		 var, is_signed = v->type == BER_SIGNED;

	load(v->name, &in);
	tap_ok(find_layout(&in, is_signed, &l),
	    "%s: content found for the variants", v->name);
	if (l.nsegs > 0)
		for (var = V_CUT; var <= V_DEEP; var++)
			if (is_signed || var != V_DEFWRAP)
				check_variant(v, &in, &l, var);
	layout_free(&l);
	buf_free(&in);
}

/* Hand-made inputs ----------------------------------------------------- */

#define OID_SD		"06 09 2a 86 48 86 f7 0d 01 07 02 "
#define OID_ED		"06 09 2a 86 48 86 f7 0d 01 07 03 "
#define OID_DATA	"06 09 2a 86 48 86 f7 0d 01 07 01 "
/* ContentInfo, [0], SignedData, version, digestAlgorithms. */
#define SD_HEAD		"30 80 " OID_SD "a0 80 30 80 02 01 01 31 00 "
/* encapContentInfo without its end. */
#define ECI_OPEN	"30 80 " OID_DATA
/* signerInfos, end of SignedData, [0] and ContentInfo. */
#define SD_TAIL		"31 00 00 00 00 00 00 00 "
#define SD_OK(ci)	SD_HEAD ECI_OPEN ci "00 00 " SD_TAIL

/*
 * A golden: everything on the path indefinite, the content in nested
 * segments ("hi" and "!" around an empty one), and certificates holding
 * two high-tag-number elements ([1000] primitive, [1000] constructed
 * indefinite) that must come through octet for octet.
 */
static void
test_golden(void)
{
	static const char in[] = SD_HEAD ECI_OPEN
	    "a0 80 24 80 04 02 68 69 24 80 04 01 21 00 00 04 00 00 00 00 00 "
	    "00 00 "
	    "a0 80 9f 87 68 02 ab cd bf 87 68 80 01 01 ff 00 00 00 00 "
	    SD_TAIL;
	static const char want[] = "30 36 " OID_SD "a0 29 30 27 "
	    "02 01 01 31 00 30 0b " OID_DATA
	    "a0 80 9f 87 68 02 ab cd bf 87 68 80 01 01 ff 00 00 00 00 "
	    "31 00";
	struct buf	 x = { 0 }, w = { 0 };
	struct res	 r;

	unhex(in, &x);
	unhex(want, &w);
	split(x.p, x.n, 0, &r);
	tap_ok(r.err == 0 && r.skellen == w.n &&
	    memcmp(r.skel, w.p, w.n) == 0,
	    "golden: skeleton re-encodes the path, copies the rest");
	tap_ok(r.err == 0 && buf_eq(&r.content, (const unsigned char *)"hi!",
	    3) && r.clen == 3 && r.had && r.type == BER_SIGNED &&
	    r.flags == (BER_F_INDEF | BER_F_SEGMENTED),
	    "golden: content \"hi!\" from nested segments, flags 0x%x",
	    r.flags);
	tap_ok(chunkings_agree(x.p, x.n, &r, 30),
	    "golden: 30 chunkings agree");
	res_free(&r);
	buf_free(&x);
	buf_free(&w);
}

struct hostile {
	const char	*name;
	const char	*hex;
	int		 err;
};

static const struct hostile hostile[] = {
	{ "empty input", "", BER_E_TRUNCATED },
	{ "a SET at the top", "31 00", BER_E_STRUCT },
	{ "an empty ContentInfo", "30 00", BER_E_STRUCT },
	{ "length 2^64-1", "30 88 ff ff ff ff ff ff ff ff", BER_E_LENGTH },
	{ "9 length octets", "30 89 01 00 00 00 00 00 00 00 00",
	    BER_E_LENGTH },
	{ "length octet 0xff", "30 ff", BER_E_LENGTH },
	{ "4 GiB claimed, 11 octets given", "30 84 ff ff ff ff " OID_SD,
	    BER_E_TRUNCATED },
	{ "2 GiB eContent claimed", SD_HEAD ECI_OPEN "a0 84 7f ff ff ff",
	    BER_E_TRUNCATED },
	{ "2 GiB of certificates claimed", SD_HEAD ECI_OPEN "00 00 "
	    "a0 84 7f ff ff ff", BER_E_LIMIT },
	{ "OID longer than its ContentInfo",
	    "30 0b 06 0a 2a 86 48 86 f7 0d 01 07 02 00 00", BER_E_LENGTH },
	{ "definite child past its parent", "30 80 " OID_SD "a0 80 "
	    "30 04 02 01 01 31 05", BER_E_LENGTH },
	{ "indefinite child past its parent", "30 80 " OID_SD "a0 80 "
	    "30 06 02 01 01 31 80 00 00", BER_E_LENGTH },
	{ "indefinite child of a raw one past its parent", "30 80 " OID_SD
	    "a0 80 30 0a 02 01 01 31 80 31 80 00 00 00 00", BER_E_LENGTH },
	{ "definite child of a raw one past its parent", "30 80 " OID_SD
	    "a0 80 30 0a 02 01 01 31 80 30 04 00 00 00 00", BER_E_LENGTH },
	{ "data type", "30 80 " OID_DATA "a0 80 04 00 00 00 00 00",
	    BER_E_TYPE },
	{ "empty contentType", "30 04 06 00 a0 00", BER_E_TYPE },
	{ "indefinite primitive OID", "30 80 06 80", BER_E_INDEF },
	{ "indefinite primitive content", SD_HEAD ECI_OPEN "a0 80 04 80",
	    BER_E_INDEF },
	{ "indefinite primitive segment", SD_HEAD ECI_OPEN "a0 80 24 80 "
	    "04 80", BER_E_INDEF },
	{ "end-of-contents at the top", "00 00", BER_E_EOC },
	{ "end-of-contents in a definite element", "30 02 00 00",
	    BER_E_EOC },
	{ "end-of-contents with a length", "30 80 00 01 00", BER_E_EOC },
	{ "constructed end-of-contents", "30 80 20 00", BER_E_EOC },
	{ "indefinite end-of-contents", "30 80 00 80", BER_E_EOC },
	{ "high tag, leading zero septet", SD_HEAD ECI_OPEN "00 00 a0 80 "
	    "1f 80 7f 00", BER_E_TAG },
	{ "high tag for a low number", "30 80 1f 1e 00", BER_E_TAG },
	{ "high tag of 5 octets", "30 80 1f 81 81 81 81 01 00",
	    BER_E_TAG },
	{ "high tag on the path", "30 80 3f 81 81 81 01 00", BER_E_STRUCT },
	{ "no signerInfos", SD_HEAD ECI_OPEN "00 00 00 00 00 00 00 00",
	    BER_E_STRUCT },
	{ "two eContents", SD_HEAD ECI_OPEN "a0 80 04 01 41 04 01 42",
	    BER_E_STRUCT },
	{ "empty [0] eContent", SD_HEAD ECI_OPEN "a0 00", BER_E_STRUCT },
	{ "empty indefinite [0] eContent", SD_HEAD ECI_OPEN "a0 80 00 00",
	    BER_E_STRUCT },
	{ "eContent not an OCTET STRING", SD_HEAD ECI_OPEN
	    "a0 80 0c 01 41 00 00", BER_E_STRUCT },
	{ "segment not an OCTET STRING", SD_HEAD ECI_OPEN
	    "a0 80 24 80 0c 01 41 00 00", BER_E_STRUCT },
	{ "element after signerInfos", SD_HEAD ECI_OPEN "00 00 31 00 "
	    "02 01 00", BER_E_STRUCT },
	{ "SignedData without version", "30 80 " OID_SD "a0 80 30 80 31 00",
	    BER_E_STRUCT },
	{ "SignedData as a SET", "30 80 " OID_SD "a0 80 31 80",
	    BER_E_STRUCT },
	{ "primitive [0] in ContentInfo", "30 80 " OID_SD "80 00",
	    BER_E_STRUCT },
	{ "third element in ContentInfo", "30 80 " OID_SD "a0 80 30 80 "
	    "02 01 01 31 00 " ECI_OPEN "00 00 31 00 00 00 00 00 05 00",
	    BER_E_STRUCT },
	{ "EnvelopedData without algorithm", "30 80 " OID_ED "a0 80 30 80 "
	    "02 01 00 31 00 30 80 " OID_DATA "80 01 41", BER_E_STRUCT },
	{ "trailing garbage", SD_OK("") "58", BER_E_TRAILING },
	{ "trailing second ContentInfo", SD_OK("") SD_OK(""),
	    BER_E_TRAILING },
	{ "trailing NUL and white space", SD_OK("") "00 00 0d 0a 20 09 00",
	    0 },
	{ "minimal detached signature", SD_OK(""), 0 },
	{ "a definite element off the path is not looked into", SD_HEAD
	    ECI_OPEN "00 00 a0 03 ff ff ff " SD_TAIL, 0 },
	{ "empty primitive eContent", SD_OK("a0 02 04 00"), 0 },
	{ "definite eContent in indefinite path", SD_OK("a0 03 04 01 41"),
	    0 },
};

/* n copies of unit after head, then tail. */
static void
repeat(struct buf *b, const char *head, const char *unit, size_t n,
    const char *tail)
{
	struct buf	 u = { 0 };

	unhex(head, b);
	unhex(unit, &u);
	for (; n > 0; n--)
		buf_add(b, u.p, u.n);
	unhex(tail, b);
	buf_free(&u);
}

static void
check_hostile(const char *name, const struct buf *x, int want)
{
	struct res	 r;

	split(x->p, x->n, 0, &r);
	tap_ok(r.err == want && chunkings_agree(x->p, x->n, &r, 7),
	    "%s: %s (offset %" PRIu64 "), alike in 8 chunkings", name,
	    ber_strerror(r.err), r.off);
	res_free(&r);
}

static void
test_hostile(void)
{
	struct buf	 x;
	size_t		 i;

	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		memset(&x, 0, sizeof(x));
		unhex(hostile[i].hex, &x);
		check_hostile(hostile[i].name, &x, hostile[i].err);
		buf_free(&x);
	}
	memset(&x, 0, sizeof(x));
	repeat(&x, "", "30 80", 10000, "");
	check_hostile("10000 nested SEQUENCEs at the top", &x, BER_E_STRUCT);
	buf_free(&x);
	repeat(&x, SD_HEAD ECI_OPEN "00 00 a0 80 ", "30 80", 10000, "");
	check_hostile("10000 nested SEQUENCEs in certificates", &x,
	    BER_E_DEPTH);
	buf_free(&x);
	repeat(&x, SD_HEAD ECI_OPEN "a0 80 ", "24 80", 10000, "");
	check_hostile("10000 nested content segments", &x, BER_E_DEPTH);
	buf_free(&x);
	/* ContentInfo, [0], SignedData, encapContentInfo, [0]: 5 deep. */
	repeat(&x, SD_HEAD ECI_OPEN "a0 80 ", "24 80", BER_DEPTH_MAX - 5,
	    "04 01 41");
	check_hostile("content segments nested to the depth limit", &x,
	    BER_E_TRUNCATED);
	buf_free(&x);
	repeat(&x, SD_HEAD ECI_OPEN "a0 80 ", "24 80", BER_DEPTH_MAX - 4,
	    "04 01 41");
	check_hostile("content segments nested one deeper", &x, BER_E_DEPTH);
	buf_free(&x);
	/* 5 MiB of certificates in 1 MiB pieces, indefinite: no early hint. */
	unhex(SD_HEAD ECI_OPEN "00 00 a0 80", &x);
	for (i = 0; i < 5; i++) {
		unhex("04 83 10 00 00", &x);
		buf_zero(&x, 1u << 20);
	}
	check_hostile("5 MiB of certificates", &x, BER_E_LIMIT);
	buf_free(&x);
}

/*
 * A SignedData whose certificates field is c octets of zeros (definite,
 * so not looked into), or one c-octet OCTET STRING in an indefinite
 * field.  *in has the path indefinite (or is *want if der); *want, unless
 * NULL, is the skeleton expected, built by the test's own encoder.
 */
static void
make_sized(size_t c, int indef, int der, struct buf *in, struct buf *want)
{
	struct buf	 certs = { 0 }, sd = { 0 }, x = { 0 }, tmp = { 0 };

	if (indef) {
		unhex("a0 80", &certs);
		put_hdr(&certs, 0x04, c);
	} else
		put_hdr(&certs, 0xa0, c);
	buf_zero(&certs, c);
	if (indef)
		unhex("00 00", &certs);
	in->n = 0;
	if (want != NULL) {
		want->n = 0;
		unhex("02 01 01 31 00 30 0b " OID_DATA, &tmp);
		buf_add(&tmp, certs.p, certs.n);
		unhex("31 00", &tmp);
		put_hdr(&sd, 0x30, tmp.n);
		buf_add(&sd, tmp.p, tmp.n);
		put_hdr(&x, 0xa0, sd.n);
		buf_add(&x, sd.p, sd.n);
		tmp.n = 0;
		unhex(OID_SD, &tmp);
		put_hdr(want, 0x30, tmp.n + x.n);
		buf_add(want, tmp.p, tmp.n);
		buf_add(want, x.p, x.n);
	}
	if (der && want != NULL)
		buf_add(in, want->p, want->n);
	else {
		unhex(SD_HEAD ECI_OPEN "00 00", in);
		buf_add(in, certs.p, certs.n);
		unhex(SD_TAIL, in);
	}
	buf_free(&certs);
	buf_free(&sd);
	buf_free(&x);
	buf_free(&tmp);
}

/* Re-encoded lengths are minimal DER on both sides of every boundary. */
static void
test_lengths(void)
{
	static const size_t	 from[] = { 60, 190, 65430 };
	struct buf		 in = { 0 }, want = { 0 };
	struct res		 r;
	size_t			 i, c, tried = 0, bad = 0;

	for (i = 0; i < sizeof(from) / sizeof(from[0]); i++)
		for (c = from[i]; c < from[i] + 110; c++) {
			make_sized(c, 0, (int)(c % 2), &in, &want);
			split(in.p, in.n, 0, &r);
			tried++;
			if (r.err != 0 || r.skellen != want.n ||
			    memcmp(r.skel, want.p, want.n) != 0)
				bad++;
			res_free(&r);
		}
	tap_ok(bad == 0, "skeleton lengths across 0x80, 0x100, 0x10000: "
	    "%zu structures, %zu wrong", tried, bad);
	buf_free(&in);
	buf_free(&want);
}

/*
 * BER_SKELETON_MAX, to the octet: the largest certificates that fit give
 * a skeleton of exactly the limit, one more is BER_E_LIMIT, whichever
 * check sees it first.  For indefinite certificates the window covers
 * them all: a header inserted at the end, "31 00", the end-of-contents
 * and the OCTET STRING appended, its definite length (25 past the fit).
 */
static void
test_limit(int indef)
{
	struct buf	 in = { 0 }, want = { 0 };
	struct res	 r;
	size_t		 c, k, fit, bad = 0;

	make_sized(3u << 20, indef, 0, &in, &want);
	k = want.n - (3u << 20);	/* overhead, same length octets */
	fit = BER_SKELETON_MAX - k;
	for (c = fit - 1; c <= fit + (indef ? 27 : 2); c++) {
		make_sized(c, indef, 0, &in, c == fit ? &want : NULL);
		split(in.p, in.n, 0, &r);
		if (c < fit && (r.err != 0 || r.skellen != k + c))
			bad++;
		if (c == fit && (r.err != 0 || r.skellen != BER_SKELETON_MAX ||
		    !buf_eq(&want, r.skel, r.skellen)))
			bad++;
		if (c > fit && r.err != BER_E_LIMIT)
			bad++;
		res_free(&r);
	}
	tap_ok(bad == 0, "%s certificates: a skeleton of BER_SKELETON_MAX "
	    "octets fits, one more does not (%zu wrong)",
	    indef ? "indefinite" : "definite", bad);
	buf_free(&in);
	buf_free(&want);
}

/* Every proper prefix is BER_E_TRUNCATED, whatever the chunking. */
static void
test_truncations(const char *path)
{
	struct buf	 in;
	struct res	 r;
	size_t		 n, bad = 0;

	load(path, &in);
	for (n = 0; n < in.n; n++) {
		split(in.p, n, n % 2 ? 0 : 1 + n % 13, &r);
		if (r.err != BER_E_TRUNCATED || r.skel != NULL)
			bad++;
		res_free(&r);
	}
	tap_ok(bad == 0, "%s: all %zu truncations are truncated (%zu not)",
	    path, in.n, bad);
	buf_free(&in);
}

struct flipstats {
	unsigned long	 tried, accepted, both, theirs_only, bad;
	unsigned long	 ours_only;	/* skeleton parses, whole does not */
};

/*
 * One mutated input.  Whatever ber_split says must not depend on the
 * chunking; and when both ber_split and OpenSSL take the input, they must
 * agree on the content and on the structure.
 */
static void
flip_one(const struct buf *x, struct flipstats *st)
{
	CMS_ContentInfo	*whole, *skel;
	struct buf	 oc = { 0 };
	struct res	 r;
	int		 present = -1, good;

	st->tried++;
	split(x->p, x->n, 0, &r);
	good = chunkings_agree(x->p, x->n, &r, 1) && empty_slices == 0;
	whole = cms_parse(x->p, x->n);
	if (r.err == 0) {
		st->accepted++;
		if (whole != NULL) {
			st->both++;
			cms_content(whole, &present, &oc);
			good = good && present == r.had &&
			    buf_eq(&oc, r.content.p, r.content.n) &&
			    skel_matches(&r, whole);
		} else if ((skel = cms_parse(r.skel, r.skellen)) != NULL) {
			/* The skeleton hides what OpenSSL refuses. */
			st->ours_only++;
			good = 0;
			CMS_ContentInfo_free(skel);
		}
	} else if (whole != NULL) {
		st->theirs_only++;
		if (getenv("BER_TEST_VERBOSE") != NULL)
			printf("# refused, OpenSSL takes: %s at %" PRIu64 "\n",
			    ber_strerror(r.err), r.off);
	}
	if (!good)
		st->bad++;
	CMS_ContentInfo_free(whole);
	buf_free(&oc);
	res_free(&r);
}

static void
test_flips(const char *path, int every, unsigned long randoms)
{
	struct flipstats st = { 0 };
	struct buf	 in, x = { 0 };
	unsigned long	 i;
	size_t		 k, nflips;

	load(path, &in);
	buf_add(&x, in.p, in.n);
	for (k = 0; every && k < in.n; k++) {
		x.p[k] ^= (unsigned char)(1 + rng_below(255));
		flip_one(&x, &st);
		x.p[k] = in.p[k];
	}
	for (i = 0; i < randoms; i++) {
		nflips = 1 + rng_below(8);
		for (k = 0; k < nflips; k++)
			x.p[rng_below(x.n)] ^= (unsigned char)(1 +
			    rng_below(255));
		flip_one(&x, &st);
		memcpy(x.p, in.p, in.n);
	}
	tap_ok(st.bad == 0, "%s: %lu mutants: %lu accepted (%lu by OpenSSL "
	    "too, all alike; %lu with a skeleton OpenSSL takes though not "
	    "the whole), %lu refused that OpenSSL takes; %lu wrong",
	    path, st.tried, st.accepted, st.both, st.ours_only,
	    st.theirs_only, st.bad);
	buf_free(&in);
	buf_free(&x);
}

static int
stop_at_once(void *arg, const unsigned char *p, size_t n)
{
	(void)p;
	(void)n;
	++*(int *)arg;
	return 1;
}

static void
test_api(void)
{
	struct ber_split	*b;
	struct buf		 x = { 0 };
	unsigned char		*skel;
	size_t			 skellen;
	enum ber_type		 t;
	uint64_t		 clen;
	int			 calls = 0, had, e1, e2, e3;

	load(TD "signed-stream.p7m", &x);
	b = ber_split_new(stop_at_once, &calls);
	e1 = ber_split_feed(b, x.p, x.n / 2);
	e2 = ber_split_feed(b, x.p + x.n / 2, x.n - x.n / 2);
	e3 = ber_split_finish(b, &skel, &skellen, &t, &had, &clen);
	tap_ok(e1 == BER_E_STOPPED && e2 == e1 && e3 == e1 && calls == 1 &&
	    skel == NULL && t == BER_SIGNED && had && clen > 0,
	    "a callback's stop sticks; type and counts still reported");
	ber_split_free(b);

	b = ber_split_new(NULL, NULL);
	e1 = ber_split_feed(b, x.p, x.n);
	e2 = ber_split_finish(b, NULL, &skellen, &t, &had, &clen);
	e3 = ber_split_feed(b, x.p, 1) == BER_E_STATE &&
	    ber_split_finish(b, NULL, NULL, NULL, NULL, NULL) == BER_E_STATE;
	tap_ok(e1 == 0 && e2 == 0 && e3 && clen == 9000 && skellen > 0 &&
	    ber_split_flags(b) == (BER_F_INDEF | BER_F_SEGMENTED) &&
	    ber_split_offset(b) == x.n,
	    "NULL callback counts; skeleton left to ber_split_free; "
	    "fed or finished again: state");
	ber_split_free(b);
	ber_split_free(NULL);

	b = ber_split_new(NULL, NULL);
	tap_ok(ber_split_type(b) == BER_UNKNOWN &&
	    ber_split_feed(b, x.p, 20) == 0 &&
	    ber_split_type(b) == BER_SIGNED && ber_split_feed(b, NULL, 0) == 0,
	    "type known once the contentType is read; empty feed is fine");
	ber_split_free(b);
	buf_free(&x);

	load(TD "data.p7m", &x);
	b = ber_split_new(NULL, NULL);
	e1 = ber_split_feed(b, x.p, x.n);
	tap_ok(e1 == BER_E_TYPE && ber_split_type(b) == BER_OTHER,
	    "data.p7m (id-data): not split, type other");
	ber_split_free(b);
	buf_free(&x);
	load(TD "digest.p7m", &x);
	b = ber_split_new(NULL, NULL);
	e1 = ber_split_feed(b, x.p, x.n);
	tap_ok(e1 == BER_E_TYPE && ber_split_type(b) == BER_OTHER,
	    "digest.p7m (id-digestedData): not split, type other");
	ber_split_free(b);
	buf_free(&x);

	tap_ok(strcmp(ber_strerror(BER_E_TRUNCATED), "truncated") == 0 &&
	    strcmp(ber_strerror(0), "success") == 0 &&
	    strcmp(ber_strerror(-1), "unknown error") == 0 &&
	    strcmp(ber_strerror(BER_E_STATE + 1), "unknown error") == 0,
	    "ber_strerror");
}

/* The measuring driver ------------------------------------------------ */

static int
count_or_write(void *arg, const unsigned char *p, size_t n)
{
	FILE	*f = arg;

	return f != NULL && fwrite(p, 1, n, f) != n;
}

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
driver(int argc, char **argv)
{
	static unsigned char	 buf[1u << 20];
	struct ber_split	*b;
	unsigned char		*skel = NULL;
	FILE			*cf = NULL, *sf;
	enum ber_type		 t;
	uint64_t		 clen, total = 0;
	size_t			 skellen;
	ssize_t			 k;
	double			 t0, dt;
	int			 fd, e = 0, had;

	if (argc < 3 || strcmp(argv[1], "split") != 0 || argc > 5)
		xdie(ERR_USAGE, "usage: ber_test split FILE [SKELETON "
		    "[CONTENT]]");
	if ((fd = open(argv[2], O_RDONLY)) == -1)
		xdie(ERR_NOINPUT, "cannot open '%s': %s", argv[2],
		    strerror(errno));
	if (argc == 5 && (cf = fopen(argv[4], "wb")) == NULL)
		xdie(ERR_CANTCREAT, "cannot create '%s'", argv[4]);
	b = ber_split_new(count_or_write, cf);
	t0 = now();
	while (e == 0 && (k = read(fd, buf, sizeof(buf))) > 0) {
		e = ber_split_feed(b, buf, (size_t)k);
		total += (uint64_t)k;
	}
	if (e == 0)
		e = ber_split_finish(b, &skel, &skellen, &t, &had, &clen);
	dt = now() - t0;
	if (e != 0)
		xdie(ERR_DATA, "'%s': %s at offset %" PRIu64, argv[2],
		    ber_strerror(e), ber_split_offset(b));
	printf("%s: %" PRIu64 " octets in %.3f s, %.0f MiB/s; type %d, "
	    "content %" PRIu64 " octets, skeleton %zu, flags 0x%x\n",
	    argv[2], total, dt, total / dt / 1048576.0, (int)t, clen,
	    skellen, ber_split_flags(b));
	if (argc >= 4) {
		if ((sf = fopen(argv[3], "wb")) == NULL ||
		    fwrite(skel, 1, skellen, sf) != skellen || fclose(sf) != 0)
			xdie(ERR_CANTCREAT, "cannot write '%s'", argv[3]);
	}
	if (cf != NULL && fclose(cf) != 0)
		xdie(ERR_IO, "cannot write '%s'", argv[4]);
	free(skel);
	ber_split_free(b);
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	static const char *const small[] = {
		TD "small-signed-stream.p7m", TD "small-auth-stream.p7m",
		TD "signed-detached.p7m", LB "encryptedForBobRSAOaep.p7m",
		LB "authEnvelopedForDanaX25519HKDF.p7m",
	};
	const char	*seed;
	struct buf	 in;
	size_t		 i;

	err_setprog(argv[0]);
	if (argc > 1)
		return driver(argc, argv);
	if ((seed = getenv("BER_TEST_SEED")) != NULL)
		rng_state = strtoull(seed, NULL, 0) | 1;
	printf("# seed %#" PRIx64 "\n", rng_state);
	keys_load();

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		load(vectors[i].name, &in);
		check_vector(&vectors[i], &in);
		buf_free(&in);
	}
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		if (vectors[i].variants)
			check_variants(&vectors[i]);
	printf("# note: CMS_verify(dcont) without CMS_BINARY canonicalises "
	    "dcont to CRLF: %d signed vectors then fail\n", binary_matters);

	test_golden();
	test_hostile();
	test_lengths();
	test_limit(0);
	test_limit(1);
	test_api();
	for (i = 0; i < sizeof(small) / sizeof(small[0]); i++)
		test_truncations(small[i]);
	/* Every octet of the cheap ones; OpenSSL's certificate parsing
	 * makes the signed ones slow under valgrind: a sample. */
	test_flips(TD "small-auth-stream.p7m", 1, 300);
	test_flips(LB "encryptedForBobRSAOaep.p7m", 1, 300);
	test_flips(TD "small-signed-stream.p7m", 0, 500);
	test_flips(TD "signed-text-indef.p7m", 0, 100);
	tap_ok(empty_slices == 0, "the callback never saw an empty slice");

	keys_free();
	return tap_done();
}
