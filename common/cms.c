/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * cms: see cms.h.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/cms.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "ber.h"
#include "cms.h"
#include "opts.h"
#include "err.h"
#include "mime_cte.h"

/* id-aa-encrypKeyPref, RFC 8551 2.5.3 */
#define OID_ENCRYPKEYPREF	"1.2.840.113549.1.9.16.2.11"
/* id-alg-AEADChaCha20Poly1305, RFC 8103 4 (no NID in OpenSSL 3.0) */
#define OID_CHACHA20POLY1305	"1.2.840.113549.1.9.16.3.18"

int
cms_cipher_nid(const ASN1_OBJECT *o)
{
	ASN1_OBJECT *c;
	int nid = OBJ_obj2nid(o), same;

	if (nid != NID_undef)
		return nid;
	c = OBJ_txt2obj(OID_CHACHA20POLY1305, 1);
	same = c != NULL && OBJ_cmp(c, o) == 0;
	ASN1_OBJECT_free(c);
	return same ? NID_chacha20_poly1305 : NID_undef;
}

ASN1_OBJECT *
cms_cipher_obj(int nid)
{
	if (nid == NID_chacha20_poly1305)
		return OBJ_txt2obj(OID_CHACHA20POLY1305, 1);
	return OBJ_nid2obj(nid);
}

int
cms_oaep_sha256(EVP_PKEY_CTX *pctx)
{
	return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_OAEP_PADDING) > 0 &&
	    EVP_PKEY_CTX_set_rsa_oaep_md(pctx, EVP_sha256()) > 0 &&
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) > 0;
}

struct cms_sign {
	CMS_ContentInfo *cms;
	BIO *in;		/* where content goes */
	BIO *b64;		/* opaque: our base64 BIO on w */
	int opaque;
	struct io_wr *w;
	const char *eol;
	/* Ed25519 (see ed_sign_begin): OpenSSL 3.0 cannot sign it in CMS,
	 * so the content's SHA-512 and the signature are ours. */
	CMS_SignerInfo *si;
	EVP_PKEY *edkey;
	EVP_MD_CTX *md;
};

/* The most content EdDSA without signed attributes is checked over: it
 * signs the content itself, in one piece (RFC 8419 3.2). */
#define ED_PURE_MAX	(16u << 20)

/*
 * A BIO that base64-encodes what is written into it onto an io_wr, in
 * MIME lines (76 columns, RFC 2045 6.8).  OpenSSL's BIO_f_base64 writes
 * 64 columns and "\n" only.
 */
struct b64bio {
	struct b64enc enc;
	struct io_wr *w;
};

static int
b64bio_write(BIO *b, const char *p, int n)
{
	struct b64bio *st = BIO_get_data(b);
	char out[4096];		/* b64enc_bound(2040) = 4086 */
	size_t k;
	int left = n;

	while (left > 0) {
		k = left < 2040 ? (size_t)left : 2040;
		io_wr_write(st->w, out, b64enc_update(&st->enc,
		    (const unsigned char *)p, k, out));
		p += k;
		left -= (int)k;
	}
	return st->w->err == 0 ? n : -1;
}

static long
b64bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b;
	(void)num;
	(void)ptr;
	return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static BIO_METHOD *
b64bio_method(void)
{
	static BIO_METHOD *m;

	if (m == NULL) {
		m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
		    "smimetools base64");
		if (m == NULL || !BIO_meth_set_write(m, b64bio_write) ||
		    !BIO_meth_set_ctrl(m, b64bio_ctrl))
			xdie_ssl(ERR_TEMP, "cannot make a BIO");
	}
	return m;
}

BIO *
cms_b64bio_new(struct io_wr *w, const char *eol)
{
	struct b64bio *st = xcalloc(1, sizeof(*st));
	BIO *b = BIO_new(b64bio_method());

	if (b == NULL)
		xdie_ssl(ERR_TEMP, "cannot make a BIO");
	b64enc_init(&st->enc, 76, eol);
	st->w = w;
	BIO_set_data(b, st);
	BIO_set_init(b, 1);
	return b;
}

/* Ends the last line and frees the BIO. */
void
cms_b64bio_end(BIO *b)
{
	struct b64bio *st = BIO_get_data(b);
	char out[B64ENC_FINAL_MAX];

	io_wr_write(st->w, out, b64enc_final(&st->enc, out));
	free(st);
	BIO_free(b);
}

const char *
cms_micalg(const char *digest)
{
	if (strcmp(digest, "sha384") == 0)
		return "sha-384";
	if (strcmp(digest, "sha512") == 0)
		return "sha-512";
	return "sha-256";
}

/* One SMIMECapability, parameters absent. */
static int
push_cap(STACK_OF(X509_ALGOR) *caps, int nid)
{
	X509_ALGOR *alg;

	if (nid != NID_chacha20_poly1305)
		return PKCS7_simple_smimecap(caps, nid, 0);
	/* OpenSSL 3.0 has no OID for it. */
	if ((alg = X509_ALGOR_new()) == NULL)
		return 0;
	if (!X509_ALGOR_set0(alg, cms_cipher_obj(nid), V_ASN1_UNDEF, NULL) ||
	    !sk_X509_ALGOR_push(caps, alg)) {
		X509_ALGOR_free(alg);
		return 0;
	}
	return 1;
}

/*
 * What we can decrypt, best first (RFC 8551 2.5.2): AES-GCM,
 * ChaCha20-Poly1305, then AES-CBC, each as its capabilityID with the
 * parameters absent (RFC 8551 2.7, RFC 5084 5, RFC 8103 6).  OpenSSL's
 * own list starts with AES-256-CBC and goes down to RC2-40 and DES:
 * never advertise those.
 */
static void
add_capabilities(CMS_SignerInfo *si)
{
	static const int nids[] = {
		NID_aes_256_gcm, NID_aes_128_gcm, NID_chacha20_poly1305,
		NID_aes_256_cbc, NID_aes_128_cbc
	};
	STACK_OF(X509_ALGOR) *caps = sk_X509_ALGOR_new_null();
	size_t i;

	for (i = 0; caps != NULL && i < sizeof(nids) / sizeof(nids[0]); i++)
		if (!push_cap(caps, nids[i]))
			break;
	if (caps == NULL || i < sizeof(nids) / sizeof(nids[0]) ||
	    !CMS_add_smimecap(si, caps))
		xdie_ssl(ERR_SOFTWARE, "cannot add SMIMECapabilities");
	sk_X509_ALGOR_pop_free(caps, X509_ALGOR_free);
}

/*
 * SMIMEEncryptionKeyPreference (RFC 8551 2.5.3) naming our certificate:
 * the CHOICE issuerAndSerialNumber [0] IMPLICIT, i.e. an IssuerAndSerial
 * SEQUENCE retagged [0].  OpenSSL has no type for it: DER by hand.
 */
static void
add_keypref(CMS_SignerInfo *si, X509 *cert)
{
	unsigned char *name = NULL, *serial = NULL, *der;
	int nl, sl;
	size_t len, hl;
	ASN1_OBJECT *oid = OBJ_txt2obj(OID_ENCRYPKEYPREF, 1);

	nl = i2d_X509_NAME(X509_get_issuer_name(cert), &name);
	sl = i2d_ASN1_INTEGER(X509_get_serialNumber(cert), &serial);
	if (oid == NULL || nl <= 0 || sl <= 0 || nl + sl > 0xffff)
		xdie_ssl(ERR_SOFTWARE, "cannot encode the key preference");
	der = xmalloc((size_t)nl + (size_t)sl + 4);
	der[0] = 0xa0;
	hl = 1 + ber_der_len(der + 1, (size_t)nl + (size_t)sl);
	memcpy(der + hl, name, (size_t)nl);
	memcpy(der + hl + nl, serial, (size_t)sl);
	len = hl + (size_t)nl + (size_t)sl;
	/* A V_ASN1_SEQUENCE value is written as the encoding it holds, tag
	 * included (V_ASN1_OTHER would be too, but -3 has MBSTRING_FLAG's
	 * bit set and X509_ATTRIBUTE_set1_data takes it for a string). */
	if (!CMS_signed_add1_attr_by_OBJ(si, oid, V_ASN1_SEQUENCE, der,
	    (int)len))
		xdie_ssl(ERR_SOFTWARE, "cannot add the key preference");
	free(der);
	OPENSSL_free(name);
	OPENSSL_free(serial);
	ASN1_OBJECT_free(oid);
}

/* A DER identifier and length at p (room for 10 octets). */
static size_t
der_head(unsigned char *p, int tag, size_t n)
{
	p[0] = (unsigned char)tag;
	return 1 + ber_der_len(p + 1, n);
}

struct der_el {
	unsigned char *p;
	size_t n;
};

/* X.690 11.6: a SET OF in DER is in the order of its elements'
 * encodings, as octet strings (OpenSSL's der_cmp). */
static int
der_el_cmp(const void *a, const void *b)
{
	const struct der_el *x = a, *y = b;
	int c = memcmp(x->p, y->p, x->n < y->n ? x->n : y->n);

	if (c != 0)
		return c;
	return x->n < y->n ? -1 : x->n > y->n;
}

/*
 * The signed attributes as the signature covers them (RFC 5652 5.4): a
 * SET OF, tag 0x31.  sort: in DER's order, as OpenSSL writes them when
 * it encodes the SignerInfo; else in the order they came, as OpenSSL's
 * own check re-encodes them (CMS_Attributes_Verify).  NULL if there are
 * none, or more than anyone sends.
 */
static unsigned char *
attrs_der(CMS_SignerInfo *si, int sort, size_t *len)
{
	int n = CMS_signed_get_attr_count(si), i, k;
	struct der_el *el;
	unsigned char *out = NULL;
	size_t total = 0, hl;

	if (n <= 0 || n > 256)
		return NULL;
	el = xcalloc((size_t)n, sizeof(*el));
	for (i = 0; i < n; i++) {
		k = i2d_X509_ATTRIBUTE(CMS_signed_get_attr(si, i), &el[i].p);
		if (k <= 0)
			goto out;
		el[i].n = (size_t)k;
		total += (size_t)k;
	}
	if (sort)
		qsort(el, (size_t)n, sizeof(*el), der_el_cmp);
	out = xmalloc(total + 6);
	hl = der_head(out, 0x31, total);
	*len = hl;
	for (i = 0; i < n; i++) {
		memcpy(out + *len, el[i].p, el[i].n);
		*len += el[i].n;
	}
out:
	for (i = 0; i < n; i++)
		OPENSSL_free(el[i].p);
	free(el);
	ERR_clear_error();
	return out;
}

const char *
cms_sign_digest(EVP_PKEY *key, const char *digest)
{
	switch (key != NULL ? EVP_PKEY_get_base_id(key) : 0) {
	case EVP_PKEY_ED25519:
		/* RFC 8419 3.1: SHA-512, MUST. */
		if (digest != NULL && strcmp(digest, "sha512") != 0)
			xdie(ERR_USAGE, "--digest %s: an Ed25519 signature "
			    "digests with sha512 (RFC 8419)", digest);
		return "sha512";
	case EVP_PKEY_ED448:
		xdie(ERR_CONFIG, "cannot sign with an Ed448 key (Ed25519 "
		    "only)");
	}
	return digest != NULL ? digest : "sha256";
}

/*
 * The parts of our own DER SignedData around its encapContentInfo:
 * before it (version, digestAlgorithms) and after it (certificates,
 * signerInfos), to write an opaque signature around the content as it
 * streams.
 */
static void
signed_parts(const unsigned char *der, long len, const unsigned char **pre,
    size_t *prelen, const unsigned char **post, size_t *postlen)
{
	const unsigned char *p = der, *end = der + len, *sd, *q;
	long l;
	int tag, cls, i;

	/* ContentInfo, contentType, [0], SignedData */
	for (i = 0; i < 4; i++) {
		if (ASN1_get_object(&p, &l, &tag, &cls, end - p) & 0x80)
			xdie_ssl(ERR_SOFTWARE, "cannot encode the signature");
		if (i == 1)
			p += l;
	}
	sd = p;
	end = p + l;
	while (p < end) {
		q = p;
		if (ASN1_get_object(&p, &l, &tag, &cls, end - p) & 0x80)
			xdie_ssl(ERR_SOFTWARE, "cannot encode the signature");
		p += l;
		if (tag == V_ASN1_SEQUENCE && cls == V_ASN1_UNIVERSAL) {
			*pre = sd;
			*prelen = (size_t)(q - sd);
			*post = p;
			*postlen = (size_t)(end - p);
			return;
		}
	}
	xdie(ERR_SOFTWARE, "cannot encode the signature");
}

static void
bio_put(BIO *b, const void *p, size_t n)
{
	if (n > 0 && BIO_write(b, p, (int)n) != (int)n)
		xdie_ssl(ERR_SOFTWARE, "cannot write the signature");
}

/*
 * Ed25519 (RFC 8419).  OpenSSL 3.0's CMS signs with a digest context
 * (EVP_DigestSignInit with SHA-512, then updates), which PureEdDSA has
 * not ("invalid digest"), so CMS_dataFinal and the streaming BIO fail.
 * The SignerInfo is OpenSSL's (CMS_add1_signer, our attributes); the
 * content's SHA-512 is taken here as it streams, and the signature
 * over the DER of the signed attributes is made in one piece at the
 * end.  Opaque: the content cannot wait in the structure, so the BER
 * is written here, indefinite lengths around the content's OCTET
 * STRING segments as they come, the version and digestAlgorithms
 * before it and the certificates and signerInfos after it taken from
 * OpenSSL's own DER of the same SignedData.
 */
static void
ed_sign_begin(struct cms_sign *s)
{
	static const unsigned char ci[] = {
		0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
		0x01, 0x07, 0x02, 0xa0, 0x80, 0x30, 0x80
	}, eci[] = {
		0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
		0x01, 0x07, 0x01, 0xa0, 0x80, 0x24, 0x80
	};
	const unsigned char *pre, *post;
	unsigned char *der = NULL;
	size_t prelen, postlen;
	int len;

	if ((s->md = EVP_MD_CTX_new()) == NULL ||
	    !EVP_DigestInit_ex(s->md, EVP_sha512(), NULL))
		xdie_ssl(ERR_SOFTWARE, "cannot start a signature");
	if (!s->opaque)
		return;
	if ((len = i2d_CMS_ContentInfo(s->cms, &der)) <= 0)
		xdie_ssl(ERR_SOFTWARE, "cannot encode the signature");
	signed_parts(der, len, &pre, &prelen, &post, &postlen);
	s->b64 = cms_b64bio_new(s->w, s->eol);
	bio_put(s->b64, ci, sizeof(ci));
	bio_put(s->b64, pre, prelen);
	bio_put(s->b64, eci, sizeof(eci));
	OPENSSL_free(der);
}

static void
ed_sign_write(struct cms_sign *s, const void *p, size_t n)
{
	unsigned char h[10];

	if (!EVP_DigestUpdate(s->md, p, n))
		xdie_ssl(ERR_SOFTWARE, "cannot digest the content");
	if (s->opaque) {
		/* One primitive OCTET STRING segment per write. */
		bio_put(s->b64, h, der_head(h, V_ASN1_OCTET_STRING, n));
		bio_put(s->b64, p, n);
	}
}

static void
ed_sign_end(struct cms_sign *s)
{
	static const unsigned char eoc[6];
	unsigned char md[EVP_MAX_MD_SIZE], sig[64], *tbs, *der = NULL;
	const unsigned char *pre, *post;
	size_t siglen = sizeof(sig), tbslen, prelen, postlen;
	unsigned mdlen;
	ASN1_TIME *now = X509_gmtime_adj(NULL, 0);
	EVP_MD_CTX *sctx = EVP_MD_CTX_new();
	BIO *b64;
	int len;

	/* What CMS_SignerInfo_sign adds: signingTime, contentType, and the
	 * messageDigest (RFC 5652 5.3, 11). */
	if (!EVP_DigestFinal_ex(s->md, md, &mdlen) || now == NULL ||
	    sctx == NULL ||
	    CMS_signed_add1_attr_by_NID(s->si, NID_pkcs9_signingTime,
	    now->type, now, -1) <= 0 ||
	    CMS_signed_add1_attr_by_NID(s->si, NID_pkcs9_contentType,
	    V_ASN1_OBJECT, CMS_get0_eContentType(s->cms), -1) <= 0 ||
	    CMS_signed_add1_attr_by_NID(s->si, NID_pkcs9_messageDigest,
	    V_ASN1_OCTET_STRING, md, (int)mdlen) <= 0)
		xdie_ssl(ERR_SOFTWARE, "cannot sign");
	if ((tbs = attrs_der(s->si, 1, &tbslen)) == NULL)
		xdie(ERR_SOFTWARE, "cannot encode the signed attributes");
	/* PureEdDSA: no digest in the signing context (RFC 8032 5.1). */
	if (EVP_DigestSignInit_ex(sctx, NULL, NULL, NULL, NULL, s->edkey,
	    NULL) <= 0 || EVP_DigestSign(sctx, sig, &siglen, tbs, tbslen) <= 0
	    || !ASN1_STRING_set(CMS_SignerInfo_get0_signature(s->si), sig,
	    (int)siglen))
		xdie_ssl(ERR_SOFTWARE, "cannot sign");
	free(tbs);
	EVP_MD_CTX_free(sctx);
	ASN1_TIME_free(now);
	EVP_MD_CTX_free(s->md);
	EVP_PKEY_free(s->edkey);
	if (!s->opaque) {
		b64 = cms_b64bio_new(s->w, s->eol);
		if (i2d_CMS_bio(b64, s->cms) <= 0)
			xdie_ssl(ERR_SOFTWARE, "cannot encode the signature");
		cms_b64bio_end(b64);
		return;
	}
	if ((len = i2d_CMS_ContentInfo(s->cms, &der)) <= 0)
		xdie_ssl(ERR_SOFTWARE, "cannot encode the signature");
	signed_parts(der, len, &pre, &prelen, &post, &postlen);
	/* The end of the OCTET STRING, its [0] and the encapContentInfo;
	 * after the rest of the SignedData, its own, the [0] and the
	 * ContentInfo's. */
	bio_put(s->b64, eoc, 6);
	bio_put(s->b64, post, postlen);
	bio_put(s->b64, eoc, 6);
	OPENSSL_free(der);
	cms_b64bio_end(s->b64);
}

struct cms_sign *
cms_sign_begin(const struct identity *id, STACK_OF(X509) *chain,
    const char *digest, int pss, int opaque, struct io_wr *w,
    const char *eol)
{
	struct cms_sign *s = xcalloc(1, sizeof(*s));
	unsigned flags = CMS_PARTIAL | CMS_STREAM | CMS_BINARY |
	    CMS_NOSMIMECAP;
	int ed = EVP_PKEY_get_base_id(id->key) == EVP_PKEY_ED25519;
	const EVP_MD *md = EVP_get_digestbyname(cms_sign_digest(id->key,
	    digest));
	CMS_SignerInfo *si;
	EVP_PKEY_CTX *pctx;
	X509_ALGOR *sigalg;
	int i;

	/* Before CMS_add1_signer, which an Ed25519 key with CMS_KEY_PARAM
	 * fails ("invalid digest"). */
	if (pss && EVP_PKEY_get_base_id(id->key) != EVP_PKEY_RSA)
		xdie(ERR_USAGE, "--pss needs an RSA key");
	s->opaque = opaque;
	s->w = w;
	s->eol = eol;
	/* Ed25519: the opaque structure is ours, around a detached one. */
	if (!opaque || ed)
		flags |= CMS_DETACHED;
	s->cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
	if (s->cms == NULL || md == NULL)
		xdie_ssl(ERR_SOFTWARE, "cannot start a signature");
	si = CMS_add1_signer(s->cms, id->cert, id->key, md,
	    flags | (pss ? CMS_KEY_PARAM : 0));
	if (si == NULL)
		xdie_ssl(ERR_CONFIG, "cannot sign with this key");
	if (pss) {
		/* RFC 8702 / 4056: salt as long as the digest. */
		pctx = CMS_SignerInfo_get0_pkey_ctx(si);
		if (EVP_PKEY_get_base_id(id->key) != EVP_PKEY_RSA ||
		    pctx == NULL ||
		    EVP_PKEY_CTX_set_rsa_padding(pctx,
		    RSA_PKCS1_PSS_PADDING) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
		    RSA_PSS_SALTLEN_DIGEST) <= 0)
			xdie_ssl(ERR_USAGE, "--pss needs an RSA key");
		/*
		 * CMS_KEY_PARAM leaves the signature algorithm unset until
		 * signing; a streamed (opaque) structure is encoded once
		 * before that, to place the content, and fails on it.  A
		 * placeholder does: OpenSSL sets the real RSASSA-PSS
		 * parameters when it signs, before the SignerInfos are
		 * written after the content.
		 */
		CMS_SignerInfo_get0_algs(si, NULL, NULL, NULL, &sigalg);
		if (!X509_ALGOR_set0(sigalg, OBJ_nid2obj(NID_rsassaPss),
		    V_ASN1_UNDEF, NULL))
			xdie_ssl(ERR_SOFTWARE, "cannot set RSA-PSS");
	}
	if (ed) {
		/* RFC 8419 3.2: id-Ed25519, parameters absent. */
		CMS_SignerInfo_get0_algs(si, NULL, NULL, NULL, &sigalg);
		if (!X509_ALGOR_set0(sigalg, OBJ_nid2obj(NID_ED25519),
		    V_ASN1_UNDEF, NULL) || !EVP_PKEY_up_ref(id->key))
			xdie_ssl(ERR_SOFTWARE, "cannot set Ed25519");
		s->si = si;
		s->edkey = id->key;
	}
	add_capabilities(si);
	add_keypref(si, id->cert);
	for (i = 0; i < sk_X509_num(id->chain); i++)
		CMS_add1_cert(s->cms, sk_X509_value(id->chain, i));
	for (i = 0; i < sk_X509_num(chain); i++)
		CMS_add1_cert(s->cms, sk_X509_value(chain, i));
	if (ed) {
		ed_sign_begin(s);
		return s;
	}
	if (opaque) {
		s->b64 = cms_b64bio_new(w, eol);
		s->in = BIO_new_CMS(s->b64, s->cms);
	} else
		s->in = CMS_dataInit(s->cms, NULL);
	if (s->in == NULL)
		xdie_ssl(ERR_SOFTWARE, "cannot start a signature");
	return s;
}

void
cms_sign_write(struct cms_sign *s, const void *p, size_t n)
{
	if (s->edkey != NULL) {
		while (n > 0) {
			size_t k = n > 1 << 30 ? 1 << 30 : n;

			ed_sign_write(s, p, k);
			p = (const char *)p + k;
			n -= k;
		}
		return;
	}
	while (n > 0) {
		int k = n > 1 << 30 ? 1 << 30 : (int)n;

		if (BIO_write(s->in, p, k) != k)
			xdie_ssl(ERR_SOFTWARE, "cannot digest the content");
		p = (const char *)p + k;
		n -= (size_t)k;
	}
}

void
cms_sign_end(struct cms_sign *s)
{
	BIO *next, *b64;

	if (s->edkey != NULL)
		ed_sign_end(s);
	else if (s->opaque) {
		/* The NDEF BIO signs and writes the trailer on flush. */
		if (BIO_flush(s->in) <= 0)
			xdie_ssl(ERR_SOFTWARE, "cannot sign");
		while (s->in != s->b64) {
			next = BIO_pop(s->in);
			BIO_free(s->in);
			s->in = next;
		}
		cms_b64bio_end(s->b64);
	} else {
		if (BIO_flush(s->in) <= 0 || !CMS_dataFinal(s->cms, s->in))
			xdie_ssl(ERR_SOFTWARE, "cannot sign");
		BIO_free_all(s->in);
		b64 = cms_b64bio_new(s->w, s->eol);
		if (i2d_CMS_bio(b64, s->cms) <= 0)
			xdie_ssl(ERR_SOFTWARE, "cannot encode the signature");
		cms_b64bio_end(b64);
	}
	CMS_ContentInfo_free(s->cms);
	free(s);
}

X509_STORE *
cms_anchors(const char **ca)
{
	X509_STORE *st = X509_STORE_new();
	struct stat sb;

	if (st == NULL)
		xdie(ERR_TEMP, "out of memory");
	for (; ca != NULL && *ca != NULL; ca++) {
		if (stat(*ca, &sb) == -1)
			xdie(ERR_NOINPUT, "--ca: cannot read '%s'", *ca);
		if (S_ISDIR(sb.st_mode) ? !X509_STORE_load_path(st, *ca) :
		    !X509_STORE_load_file(st, *ca))
			xdie_ssl(ERR_CONFIG, "--ca: cannot load '%s'", *ca);
	}
	ERR_clear_error();
	return st;
}

static enum chain_status
chain_status_of(int err)
{
	switch (err) {
	case X509_V_OK:
		return CHAIN_OK;
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return CHAIN_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return CHAIN_NOT_YET_VALID;
	case X509_V_ERR_CERT_REVOKED:
		return CHAIN_REVOKED;
	case X509_V_ERR_INVALID_PURPOSE:
		return CHAIN_USAGE;
	case X509_V_ERR_UNABLE_TO_GET_CRL:
		return CHAIN_NO_CRL;
	case X509_V_ERR_CRL_HAS_EXPIRED:
	case X509_V_ERR_CRL_NOT_YET_VALID:
		return CHAIN_STALE_CRL;
	case X509_V_ERR_EE_KEY_TOO_SMALL:
	case X509_V_ERR_CA_KEY_TOO_SMALL:
	case X509_V_ERR_CA_MD_TOO_WEAK:
		return CHAIN_WEAK;
	case X509_V_ERR_CERT_CHAIN_TOO_LONG:
		return CHAIN_TOO_LONG;
	default:
		/* Self-signed, unknown issuer, bad chain signature ... */
		return CHAIN_UNTRUSTED;
	}
}

static enum chain_status
check_chain(X509 *cert, STACK_OF(X509) *untrusted, X509_STORE *anchors,
    int crl_check, unsigned chain_max)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int err;

	if (ctx == NULL || !X509_STORE_CTX_init(ctx, anchors, cert,
	    untrusted))
		xdie_ssl(ERR_TEMP, "cannot check a chain");
	/* The message's certificates are only ever intermediates: they are
	 * `untrusted`, and partial chains are not accepted. */
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SMIME_SIGN);
	X509_VERIFY_PARAM_set_depth(X509_STORE_CTX_get0_param(ctx),
	    (int)chain_max);
	if (crl_check)
		X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_CRL_CHECK |
		    X509_V_FLAG_CRL_CHECK_ALL);
	err = X509_verify_cert(ctx) > 0 ? X509_V_OK :
	    X509_STORE_CTX_get_error(ctx);
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return chain_status_of(err);
}

static int
weak_nid(int nid)
{
	return nid == NID_sha1 || nid == NID_md5 || nid == NID_md2 ||
	    nid == NID_sha1WithRSAEncryption || nid == NID_md5WithRSAEncryption
	    || nid == NID_ecdsa_with_SHA1 || nid == NID_dsaWithSHA1;
}

/* The ciphers of the signer's SMIMECapabilities, by OpenSSL's long
 * names ("aes-256-gcm", and "chacha20-poly1305" for RFC 8103's), in the
 * sender's order; unknown ones skipped. */
static void
read_caps(CMS_SignerInfo *si, char *out, size_t outsz)
{
	int i = CMS_signed_get_attr_by_NID(si, NID_SMIMECapabilities, -1);
	STACK_OF(X509_ALGOR) *algs = NULL;
	const unsigned char *p;
	ASN1_TYPE *t;
	size_t n = 0;
	int k, nid;

	*out = '\0';
	if (i < 0)
		return;
	t = X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, i), 0);
	if (t == NULL || t->type != V_ASN1_SEQUENCE)
		return;
	p = t->value.sequence->data;
	algs = d2i_X509_ALGORS(NULL, &p, t->value.sequence->length);
	for (k = 0; k < sk_X509_ALGOR_num(algs); k++) {
		nid = cms_cipher_nid(sk_X509_ALGOR_value(algs, k)->algorithm);
		if (EVP_get_cipherbynid(nid) == NULL ||
		    n + strlen(OBJ_nid2ln(nid)) + 2 > outsz)
			continue;
		n += (size_t)snprintf(out + n, outsz - n, "%s%s",
		    n > 0 ? " " : "", OBJ_nid2ln(nid));
	}
	sk_X509_ALGOR_pop_free(algs, X509_ALGOR_free);
	ERR_clear_error();
}

/*
 * The certificate an SMIMEEncryptionKeyPreference names (RFC 8551
 * 2.5.3), among those the message carries.  Only its
 * issuerAndSerialNumber choice ([0]) is looked for; the others name keys
 * by identifiers we would have to search the store for.
 */
static X509 *
read_keypref(CMS_SignerInfo *si, STACK_OF(X509) *certs)
{
	ASN1_OBJECT *oid = OBJ_txt2obj(OID_ENCRYPKEYPREF, 1);
	const unsigned char *p, *end;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *serial = NULL;
	X509 *found = NULL, *x;
	ASN1_TYPE *t;
	long len;
	int i, tag, class;

	i = CMS_signed_get_attr_by_OBJ(si, oid, -1);
	ASN1_OBJECT_free(oid);
	t = i < 0 ? NULL :
	    X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, i), 0);
	/* An ANY tagged [0] is parsed as V_ASN1_OTHER; both keep the whole
	 * encoding: [0] { Name, INTEGER } */
	if (t == NULL || (t->type != V_ASN1_SEQUENCE && t->type != V_ASN1_OTHER))
		goto out;
	p = t->value.sequence->data;
	end = p + t->value.sequence->length;
	if ((ASN1_get_object(&p, &len, &tag, &class, end - p) & 0x80) ||
	    tag != 0 || class != V_ASN1_CONTEXT_SPECIFIC)
		goto out;
	if ((issuer = d2i_X509_NAME(NULL, &p, end - p)) == NULL ||
	    (serial = d2i_ASN1_INTEGER(NULL, &p, end - p)) == NULL)
		goto out;
	for (i = 0; i < sk_X509_num(certs) && found == NULL; i++) {
		x = sk_X509_value(certs, i);
		if (X509_NAME_cmp(X509_get_issuer_name(x), issuer) == 0 &&
		    ASN1_INTEGER_cmp(X509_get0_serialNumber(x), serial) == 0)
			found = x;
	}
	if (found != NULL)
		X509_up_ref(found);
out:
	X509_NAME_free(issuer);
	ASN1_INTEGER_free(serial);
	ERR_clear_error();
	return found;
}

/* The signingTime attribute: UTCTime or GeneralizedTime, as the RFC
 * has it; anything else is as good as none. */
static int
read_signing_time(CMS_SignerInfo *si, struct tm *tm)
{
	int i = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
	ASN1_TYPE *t = i < 0 ? NULL :
	    X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, i), 0);
	int ok = t != NULL && (t->type == V_ASN1_UTCTIME ||
	    t->type == V_ASN1_GENERALIZEDTIME) &&
	    ASN1_TIME_to_tm(t->value.asn1_string, tm);

	ERR_clear_error();
	return ok;
}

static void
verdict(struct cms_verified *v, int status, const char *why)
{
	v->status = status;
	snprintf(v->why, sizeof(v->why), "%s", why);
}

/*
 * Why CMS_verify failed: a content or signature mismatch is `fail`;
 * anything that kept the check from being made (an algorithm OpenSSL
 * 3.0 lacks, such as Ed25519, a missing certificate, a malformed
 * structure) is `permerror`.  CMS_verify reports a key type it cannot
 * use as a content verification error too, so the whole queue is read.
 */
static void
classify_failure(struct cms_verified *v)
{
	unsigned long e, last = 0;
	int mismatch = 0, unsupported = 0, nocert = 0;

	while ((e = ERR_get_error()) != 0) {
		last = e;
		if (ERR_GET_LIB(e) == ERR_LIB_CMS)
			switch (ERR_GET_REASON(e)) {
			case CMS_R_VERIFICATION_FAILURE:
			case CMS_R_CONTENT_VERIFY_ERROR:
			case CMS_R_MESSAGEDIGEST_WRONG_LENGTH:
				mismatch = 1;
				break;
			case CMS_R_SIGNER_CERTIFICATE_NOT_FOUND:
				nocert = 1;
				break;
			case CMS_R_UNKNOWN_DIGEST_ALGORITHM:
			case CMS_R_UNSUPPORTED_CONTENT_TYPE:
				unsupported = 1;
				break;
			}
		else if (ERR_GET_LIB(e) == ERR_LIB_EVP ||
		    ERR_GET_LIB(e) == ERR_LIB_ASN1)
			unsupported = 1;
	}
	if (nocert)
		verdict(v, CMSV_PERMERROR, "signer certificate not found");
	else if (unsupported)
		verdict(v, CMSV_PERMERROR, "unsupported algorithm");
	else if (mismatch)
		verdict(v, CMSV_FAIL, "signature does not match");
	else
		verdict(v, CMSV_PERMERROR, ERR_reason_error_string(last) !=
		    NULL ? ERR_reason_error_string(last) :
		    "cannot verify the signature");
}

/*
 * EdDSA (RFC 8419), which OpenSSL 3.0's CMS_verify cannot check: it
 * verifies the signed attributes through a digest context, which
 * PureEdDSA has not, and digests SHAKE256 to 32 bytes where RFC 8419
 * takes 64.  A SignedData with an EdDSA signer is checked here signer by
 * signer: the EdDSA ones by us, the others by the two calls CMS_verify
 * makes for each (CMS_SignerInfo_verify, CMS_SignerInfo_verify_content)
 * over the one reading of the content that digests it for all of them.
 */

/* NID_ED25519 or NID_ED448 if the signature algorithm or the signer's
 * key says EdDSA, else 0. */
static int
ed_nid(CMS_SignerInfo *si)
{
	EVP_PKEY *pk;
	X509_ALGOR *sig;
	int nid;

	CMS_SignerInfo_get0_algs(si, &pk, NULL, NULL, &sig);
	nid = OBJ_obj2nid(sig->algorithm);
	if (nid == NID_ED25519 || nid == NID_ED448)
		return nid;
	if (pk != NULL && EVP_PKEY_get_base_id(pk) == EVP_PKEY_ED25519)
		return NID_ED25519;
	if (pk != NULL && EVP_PKEY_get_base_id(pk) == EVP_PKEY_ED448)
		return NID_ED448;
	return 0;
}

/*
 * id-shake256-len (RFC 8702 2) with a length of exactly 512 bits: the
 * same digest as RFC 8419's id-shake256, with its length spelt out, as
 * Bouncy Castle writes it for Ed448.  Any other length is another digest.
 */
static int
shake256_512(const ASN1_OBJECT *o, int ptype, const void *pv)
{
	ASN1_OBJECT *len = OBJ_txt2obj("2.16.840.1.101.3.4.2.18", 1);
	int same = len != NULL && OBJ_cmp(o, len) == 0;

	ASN1_OBJECT_free(len);
	return same && ptype == V_ASN1_INTEGER &&
	    ASN1_INTEGER_get(pv) == 512;
}

/*
 * RFC 8419 3: the signer's key of the algorithm's kind, the signature
 * algorithm without parameters, and the one digest each allows: SHA-512
 * for Ed25519 (parameters absent or NULL, RFC 5754 2), SHAKE256 to 512
 * bits for Ed448 (id-shake256, absent; or id-shake256-len, 512).  Anything else is permerror, not fail: the signature
 * is not one RFC 8419 defines, so nothing says what it would mean.
 */
static const char *
ed_algs_wrong(CMS_SignerInfo *si, int nid)
{
	const ASN1_OBJECT *o;
	const void *pv;
	EVP_PKEY *pk;
	X509_ALGOR *dig, *sig;
	int ptype;

	CMS_SignerInfo_get0_algs(si, &pk, NULL, &dig, &sig);
	X509_ALGOR_get0(&o, &ptype, &pv, sig);
	if (pk == NULL || OBJ_obj2nid(o) != nid ||
	    EVP_PKEY_get_base_id(pk) != (nid == NID_ED25519 ?
	    EVP_PKEY_ED25519 : EVP_PKEY_ED448))
		return "signature algorithm does not match the signer's key";
	if (ptype != V_ASN1_UNDEF)
		return "EdDSA signature algorithm with parameters";
	X509_ALGOR_get0(&o, &ptype, &pv, dig);
	if (nid == NID_ED25519 ? OBJ_obj2nid(o) != NID_sha512 ||
	    (ptype != V_ASN1_UNDEF && ptype != V_ASN1_NULL) :
	    !(OBJ_obj2nid(o) == NID_shake256 && ptype == V_ASN1_UNDEF) &&
	    !shake256_512(o, ptype, pv))
		return "EdDSA with a digest RFC 8419 does not allow";
	return NULL;
}

/* The content as the EdDSA signers need it: its SHA-512, its SHAKE256
 * to 64 bytes, and itself (up to ED_PURE_MAX) for a signer without
 * signed attributes. */
struct ed_content {
	EVP_MD_CTX *sha512, *shake256;
	unsigned char d512[64], dshake[64];
	int keep, too_large;
	unsigned char *held;
	size_t nheld;
};

static int
ed_content_read(struct ed_content *ec, BIO *b)
{
	unsigned char buf[16384];
	int k;

	while ((k = BIO_read(b, buf, sizeof(buf))) > 0) {
		if ((ec->sha512 != NULL &&
		    !EVP_DigestUpdate(ec->sha512, buf, (size_t)k)) ||
		    (ec->shake256 != NULL &&
		    !EVP_DigestUpdate(ec->shake256, buf, (size_t)k)))
			return 0;
		if (ec->keep && !ec->too_large) {
			if (ec->nheld + (size_t)k > ED_PURE_MAX) {
				ec->too_large = 1;
				continue;
			}
			ec->held = xrealloc(ec->held, ec->nheld + (size_t)k);
			memcpy(ec->held + ec->nheld, buf, (size_t)k);
			ec->nheld += (size_t)k;
		}
	}
	/* A memory BIO may say -1 at its end, as CMS_verify allows. */
	return (k == 0 || BIO_eof(b)) && (ec->sha512 == NULL ||
	    EVP_DigestFinal_ex(ec->sha512, ec->d512, NULL)) &&
	    (ec->shake256 == NULL ||
	    EVP_DigestFinalXOF(ec->shake256, ec->dshake, 64));
}

/* The one value of the signed attribute nid, of ASN.1 type `type`;
 * NULL if it is missing, given twice, or has another shape. */
static ASN1_TYPE *
attr_one(CMS_SignerInfo *si, int nid, int type)
{
	int i = CMS_signed_get_attr_by_NID(si, nid, -1);
	X509_ATTRIBUTE *a;
	ASN1_TYPE *t;

	if (i < 0 || CMS_signed_get_attr_by_NID(si, nid, i) >= 0)
		return NULL;
	a = CMS_signed_get_attr(si, i);
	if (X509_ATTRIBUTE_count(a) != 1 ||
	    (t = X509_ATTRIBUTE_get0_type(a, 0)) == NULL || t->type != type)
		return NULL;
	return t;
}

/* One EdDSA SignerInfo (RFC 8419 3, RFC 5652 5.4, 5.6). */
static int
ed_verify(CMS_ContentInfo *cms, CMS_SignerInfo *si, int nid,
    const struct ed_content *ec, struct cms_verified *v)
{
	static const unsigned char none[1];
	const unsigned char *d = nid == NID_ED25519 ? ec->d512 : ec->dshake;
	const unsigned char *m = ec->held != NULL ? ec->held : none;
	ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(si);
	ASN1_TYPE *md, *ct;
	unsigned char *tbs = NULL;
	size_t mlen = ec->nheld;
	EVP_MD_CTX *mctx = NULL;
	EVP_PKEY *pk;
	int ok = 0;

	if (CMS_signed_get_attr_count(si) >= 0) {
		md = attr_one(si, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING);
		ct = attr_one(si, NID_pkcs9_contentType, V_ASN1_OBJECT);
		if (md == NULL || ct == NULL ||
		    (tbs = attrs_der(si, 0, &mlen)) == NULL) {
			verdict(v, CMSV_PERMERROR,
			    "malformed signed attributes");
			goto out;
		}
		if (ASN1_STRING_length(md->value.octet_string) != 64 ||
		    memcmp(ASN1_STRING_get0_data(md->value.octet_string), d,
		    64) != 0 || OBJ_cmp(ct->value.object,
		    CMS_get0_eContentType(cms)) != 0) {
			verdict(v, CMSV_FAIL, "signature does not match");
			goto out;
		}
		m = tbs;
	} else if (ec->too_large) {
		verdict(v, CMSV_PERMERROR, "EdDSA over the content itself: "
		    "content too large");
		goto out;
	}
	CMS_SignerInfo_get0_algs(si, &pk, NULL, NULL, NULL);
	if ((mctx = EVP_MD_CTX_new()) == NULL)
		xdie(ERR_TEMP, "out of memory");
	/* A signature of the wrong length, or with S >= L (RFC 8032
	 * 5.1.7, 5.2.7: libcrypto refuses it), does not match. */
	if (EVP_DigestVerifyInit_ex(mctx, NULL, NULL, NULL, NULL, pk,
	    NULL) <= 0)
		verdict(v, CMSV_PERMERROR, "unsupported algorithm");
	else if (ASN1_STRING_length(sig) != (nid == NID_ED25519 ? 64 : 114)
	    || EVP_DigestVerify(mctx, ASN1_STRING_get0_data(sig),
	    (size_t)ASN1_STRING_length(sig), m, mlen) != 1)
		verdict(v, CMSV_FAIL, "signature does not match");
	else
		ok = 1;
out:
	EVP_MD_CTX_free(mctx);
	free(tbs);
	ERR_clear_error();
	return ok;
}

/* Every SignerInfo of a SignedData with an EdDSA signer; 1 if all are
 * good, else 0 with v's verdict. */
static int
verify_each(CMS_ContentInfo *cms, BIO *content, struct cms_verified *v)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	ASN1_OCTET_STRING **pos = CMS_get0_content(cms);
	struct ed_content ec;
	CMS_SignerInfo *si;
	const char *why;
	BIO *cmsbio = NULL, *next;
	X509 *x;
	int i, nid, others = 0, ok = 0;

	memset(&ec, 0, sizeof(ec));
	ERR_clear_error();
	if (content == NULL && (pos == NULL || *pos == NULL)) {
		verdict(v, CMSV_PERMERROR, "no signed content");
		return 0;
	}
	for (i = 0; i < sk_CMS_SignerInfo_num(sis); i++) {
		si = sk_CMS_SignerInfo_value(sis, i);
		CMS_SignerInfo_get0_algs(si, NULL, &x, NULL, NULL);
		if (x == NULL) {
			verdict(v, CMSV_PERMERROR,
			    "signer certificate not found");
			goto out;
		}
		if ((nid = ed_nid(si)) == 0) {
			others++;
			continue;
		}
		if ((why = ed_algs_wrong(si, nid)) != NULL) {
			verdict(v, CMSV_PERMERROR, why);
			goto out;
		}
		if ((nid == NID_ED25519 && ec.sha512 == NULL &&
		    ((ec.sha512 = EVP_MD_CTX_new()) == NULL ||
		    !EVP_DigestInit_ex(ec.sha512, EVP_sha512(), NULL))) ||
		    (nid == NID_ED448 && ec.shake256 == NULL &&
		    ((ec.shake256 = EVP_MD_CTX_new()) == NULL ||
		    !EVP_DigestInit_ex(ec.shake256, EVP_shake256(), NULL))))
			xdie_ssl(ERR_TEMP, "cannot digest the content");
		if (CMS_signed_get_attr_count(si) < 0)
			ec.keep = 1;
	}
	/* EdDSA signers alone need none of CMS_dataInit's digest BIOs, one
	 * per digestAlgorithms entry, and OpenSSL 3.0 fails on an entry it
	 * cannot make (id-shake256-len): then the content is read as is. */
	if (others == 0)
		cmsbio = content != NULL ? content :
		    BIO_new_mem_buf(ASN1_STRING_get0_data(*pos),
		    ASN1_STRING_length(*pos));
	else
		cmsbio = CMS_dataInit(cms, content);
	if (cmsbio == NULL) {
		classify_failure(v);
		goto out;
	}
	if (!ed_content_read(&ec, cmsbio)) {
		verdict(v, CMSV_PERMERROR, "cannot read the content");
		goto out;
	}
	for (i = 0; i < sk_CMS_SignerInfo_num(sis); i++) {
		si = sk_CMS_SignerInfo_value(sis, i);
		if ((nid = ed_nid(si)) != 0) {
			if (!ed_verify(cms, si, nid, &ec, v))
				goto out;
		} else if ((CMS_signed_get_attr_count(si) >= 0 &&
		    CMS_SignerInfo_verify(si) <= 0) ||
		    CMS_SignerInfo_verify_content(si, cmsbio) <= 0) {
			classify_failure(v);
			goto out;
		}
	}
	ok = 1;
out:
	while (cmsbio != NULL && cmsbio != content) {
		next = BIO_pop(cmsbio);
		BIO_free(cmsbio);
		cmsbio = next;
	}
	EVP_MD_CTX_free(ec.sha512);
	EVP_MD_CTX_free(ec.shake256);
	free(ec.held);
	ERR_clear_error();
	return ok;
}

/* Does a signer sign with EdDSA?  The signers' certificates are looked
 * up first (extra's, then the message's: CMS_set1_signers_certs' order),
 * as CMS_verify would. */
static int
has_eddsa(CMS_ContentInfo *cms, STACK_OF(X509) *extra)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	int i, found = 0;

	CMS_set1_signers_certs(cms, extra, 0);
	ERR_clear_error();
	for (i = 0; i < sk_CMS_SignerInfo_num(sis); i++)
		if (ed_nid(sk_CMS_SignerInfo_value(sis, i)) != 0)
			found = 1;
	return found;
}

void
cms_verify(const unsigned char *der, size_t len, BIO *content,
    int detached, X509_STORE *anchors, int crl_check,
    const struct limits *lim, STACK_OF(X509) *extra, struct cms_verified *v)
{
	STACK_OF(CMS_SignerInfo) *sis;
	STACK_OF(X509) *certs = NULL, *signers = NULL;
	CMS_SignerInfo *si;
	CMS_ContentInfo *cms;
	X509_ALGOR *dig, *sig;
	EVP_PKEY *pk;
	BIO *mem, *filter = NULL;
	ASN1_OCTET_STRING **pos;
	int i, n, ok;

	memset(v, 0, sizeof(*v));
	mem = BIO_new_mem_buf(der, (int)len);
	cms = mem != NULL ? d2i_CMS_bio(mem, NULL) : NULL;
	BIO_free(mem);
	if (cms == NULL ||
	    OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		ERR_clear_error();
		verdict(v, CMSV_PERMERROR, "not a CMS SignedData");
		goto out;
	}
	pos = CMS_get0_content(cms);
	if (detached && pos != NULL && *pos != NULL) {
		/* A multipart/signed whose signature brings content of its
		 * own: the signed content is not what is shown. */
		verdict(v, CMSV_FAIL, "signature carries other content");
		goto out;
	}
	sis = CMS_get0_SignerInfos(cms);
	n = sk_CMS_SignerInfo_num(sis);
	certs = CMS_get1_certs(cms);
	if (n <= 0 || n > (int)lim->signers ||
	    sk_X509_num(certs) > (int)lim->certs) {
		verdict(v, CMSV_PERMERROR, n <= 0 ? "no signers" :
		    "too many signers or certificates");
		goto out;
	}
	/* OpenSSL 3.0's CMS_verify copies a memory BIO's content into a
	 * new memory BIO, which it leaks when CMS_dataInit then fails (the
	 * certstore fuzz target found it): a pass-through filter on top
	 * makes it take the content as it is. */
	if (content != NULL && BIO_method_type(content) == BIO_TYPE_MEM) {
		if ((filter = BIO_new(BIO_f_null())) == NULL)
			xdie_ssl(ERR_TEMP, "out of memory");
		content = BIO_push(filter, content);
	}
	if (has_eddsa(cms, extra))
		ok = verify_each(cms, content, v);
	else if (!(ok = CMS_verify(cms, extra, NULL, content, NULL,
	    CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) > 0))
		classify_failure(v);
	if (filter != NULL) {
		BIO_pop(filter);
		BIO_free(filter);
	}
	if (!ok)
		goto out;
	if (certs == NULL && (certs = sk_X509_new_null()) == NULL)
		xdie(ERR_TEMP, "out of memory");
	for (i = 0; i < sk_X509_num(extra); i++)
		if (!X509_up_ref(sk_X509_value(extra, i)) ||
		    !sk_X509_push(certs, sk_X509_value(extra, i)))
			xdie(ERR_TEMP, "out of memory");
	signers = CMS_get0_signers(cms);
	for (i = 0; i < n && i < sk_X509_num(signers); i++) {
		struct cms_signer *s = &v->signers[v->nsigners++];

		si = sk_CMS_SignerInfo_value(sis, i);
		s->cert = sk_X509_value(signers, i);
		X509_up_ref(s->cert);
		CMS_SignerInfo_get0_algs(si, &pk, NULL, &dig, &sig);
		s->weak_digest = weak_nid(OBJ_obj2nid(dig->algorithm)) ||
		    weak_nid(OBJ_obj2nid(sig->algorithm)) ||
		    weak_nid(X509_get_signature_nid(s->cert));
		s->rsa_bits = EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA ?
		    EVP_PKEY_get_bits(pk) : 0;
		s->chain = anchors != NULL ? check_chain(s->cert, certs,
		    anchors, crl_check, lim->chain) : CHAIN_OK;
		read_caps(si, s->caps, sizeof(s->caps));
		s->preferred = read_keypref(si, certs);
		s->has_signing_time = read_signing_time(si, &s->signing_time);
		if (s->chain == CHAIN_TOO_LONG) {
			/* smimetools(7) LIMITS: a longer chain is permerror. */
			verdict(v, CMSV_PERMERROR,
			    "certificate chain too long");
			goto out;
		}
	}
	v->status = CMSV_VALID;
	v->certs = certs;
	certs = NULL;
out:
	sk_X509_free(signers);
	sk_X509_pop_free(certs, X509_free);
	CMS_ContentInfo_free(cms);
}

void
cms_verified_release(struct cms_verified *v)
{
	int i;

	for (i = 0; i < v->nsigners; i++) {
		X509_free(v->signers[i].cert);
		X509_free(v->signers[i].preferred);
	}
	v->nsigners = 0;
	sk_X509_pop_free(v->certs, X509_free);
	v->certs = NULL;
}

void
cms_cert_ids(X509 *x, char *issuer, size_t isz, char *serial, size_t ssz)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = bn != NULL ? BN_bn2hex(bn) : NULL;
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	snprintf(serial, ssz, "%s", hex != NULL ? hex : "");
	OPENSSL_free(hex);
	BN_free(bn);
	*issuer = '\0';
	if (b != NULL && X509_NAME_print_ex(b, X509_get_issuer_name(x), 0,
	    XN_FLAG_RFC2253) >= 0) {
		n = BIO_get_mem_data(b, &p);
		snprintf(issuer, isz, "%.*s", (int)n, p);
	}
	BIO_free(b);
	ERR_clear_error();
}
