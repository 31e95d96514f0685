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

#include "cms.h"
#include "opts.h"
#include "err.h"
#include "mime_cte.h"

/* id-aa-encrypKeyPref, RFC 8551 2.5.3 */
#define OID_ENCRYPKEYPREF	"1.2.840.113549.1.9.16.2.11"
/* id-alg-AEADChaCha20Poly1305, RFC 8103 4 (no NID in OpenSSL 3.0) */
#define OID_CHACHA20POLY1305	"1.2.840.113549.1.9.16.3.18"

struct cms_sign {
	CMS_ContentInfo *cms;
	BIO *in;		/* where content goes */
	BIO *b64;		/* opaque: our base64 BIO on w */
	int opaque;
	struct io_wr *w;
	const char *eol;
};

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
	if (!X509_ALGOR_set0(alg, OBJ_txt2obj(OID_CHACHA20POLY1305, 1),
	    V_ASN1_UNDEF, NULL) || !sk_X509_ALGOR_push(caps, alg)) {
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

static size_t
der_len(unsigned char *p, size_t n)
{
	if (n < 0x80) {
		p[0] = (unsigned char)n;
		return 1;
	}
	if (n < 0x100) {
		p[0] = 0x81;
		p[1] = (unsigned char)n;
		return 2;
	}
	p[0] = 0x82;
	p[1] = (unsigned char)(n >> 8);
	p[2] = (unsigned char)n;
	return 3;
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
	hl = 1 + der_len(der + 1, (size_t)nl + (size_t)sl);
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

struct cms_sign *
cms_sign_begin(const struct identity *id, STACK_OF(X509) *chain,
    const char *digest, int pss, int opaque, struct io_wr *w,
    const char *eol)
{
	struct cms_sign *s = xcalloc(1, sizeof(*s));
	unsigned flags = CMS_PARTIAL | CMS_STREAM | CMS_BINARY |
	    CMS_NOSMIMECAP;
	const EVP_MD *md = EVP_get_digestbyname(digest ? digest : "sha256");
	CMS_SignerInfo *si;
	EVP_PKEY_CTX *pctx;
	X509_ALGOR *sigalg;
	int i;

	s->opaque = opaque;
	s->w = w;
	s->eol = eol;
	if (!opaque)
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
	add_capabilities(si);
	add_keypref(si, id->cert);
	for (i = 0; i < sk_X509_num(id->chain); i++)
		CMS_add1_cert(s->cms, sk_X509_value(id->chain, i));
	for (i = 0; i < sk_X509_num(chain); i++)
		CMS_add1_cert(s->cms, sk_X509_value(chain, i));
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

	if (s->opaque) {
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
	ASN1_OBJECT *chacha;
	const ASN1_OBJECT *oid;
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
	chacha = OBJ_txt2obj(OID_CHACHA20POLY1305, 1);
	for (k = 0; k < sk_X509_ALGOR_num(algs); k++) {
		oid = sk_X509_ALGOR_value(algs, k)->algorithm;
		nid = chacha != NULL && OBJ_cmp(oid, chacha) == 0 ?
		    NID_chacha20_poly1305 : OBJ_obj2nid(oid);
		if (EVP_get_cipherbynid(nid) == NULL ||
		    n + strlen(OBJ_nid2ln(nid)) + 2 > outsz)
			continue;
		n += (size_t)snprintf(out + n, outsz - n, "%s%s",
		    n > 0 ? " " : "", OBJ_nid2ln(nid));
	}
	sk_X509_ALGOR_pop_free(algs, X509_ALGOR_free);
	ASN1_OBJECT_free(chacha);
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
	ok = CMS_verify(cms, extra, NULL, content, NULL,
	    CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) > 0;
	if (filter != NULL) {
		BIO_pop(filter);
		BIO_free(filter);
	}
	if (!ok) {
		classify_failure(v);
		goto out;
	}
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
