/*
 * cms: see cms.h.
 */
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/rsa.h>

#include "cms.h"
#include "err.h"
#include "mime_cte.h"

/* id-aa-encrypKeyPref, RFC 8551 2.5.3 */
#define OID_ENCRYPKEYPREF	"1.2.840.113549.1.9.16.2.11"

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

static BIO *
b64bio_new(struct io_wr *w, const char *eol)
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
static void
b64bio_end(BIO *b)
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

/*
 * What we can decrypt, best first (RFC 8551 2.5.2): AES-GCM, then
 * AES-CBC.  OpenSSL's own list starts with AES-256-CBC and goes down to
 * RC2-40 and DES: never advertise those.
 */
static void
add_capabilities(CMS_SignerInfo *si)
{
	static const int nids[] = {
		NID_aes_256_gcm, NID_aes_128_gcm, NID_aes_256_cbc,
		NID_aes_128_cbc
	};
	STACK_OF(X509_ALGOR) *caps = sk_X509_ALGOR_new_null();
	size_t i;

	for (i = 0; caps != NULL && i < sizeof(nids) / sizeof(nids[0]); i++)
		if (!PKCS7_simple_smimecap(caps, nids[i], 0))
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
	}
	add_capabilities(si);
	add_keypref(si, id->cert);
	for (i = 0; i < sk_X509_num(id->chain); i++)
		CMS_add1_cert(s->cms, sk_X509_value(id->chain, i));
	for (i = 0; i < sk_X509_num(chain); i++)
		CMS_add1_cert(s->cms, sk_X509_value(chain, i));
	if (opaque) {
		s->b64 = b64bio_new(w, eol);
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
		b64bio_end(s->b64);
	} else {
		if (BIO_flush(s->in) <= 0 || !CMS_dataFinal(s->cms, s->in))
			xdie_ssl(ERR_SOFTWARE, "cannot sign");
		BIO_free_all(s->in);
		b64 = b64bio_new(s->w, s->eol);
		if (i2d_CMS_bio(b64, s->cms) <= 0)
			xdie_ssl(ERR_SOFTWARE, "cannot encode the signature");
		b64bio_end(b64);
	}
	CMS_ContentInfo_free(s->cms);
	free(s);
}
