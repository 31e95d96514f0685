/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * cms_env: EnvelopedData and AuthEnvelopedData, over streams (see cms.h).
 * With cms.c, the only file that includes <openssl/cms.h>.
 *
 * Encrypting: a message that needs what CMS_encrypt cannot write (an
 * X25519 or X448 recipient, ChaCha20-Poly1305) goes to our own writer,
 * cms_envw.c, whole.  Any other: CMS_encrypt(CMS_PARTIAL | CMS_STREAM)
 * picks AuthEnvelopedData for an AEAD cipher; each recipient is added with
 * CMS_KEY_PARAM so that its key-transport or key-agreement context can be
 * set (RSA-OAEP with SHA-256; ECDH's KDF, whose OpenSSL default is
 * SHA-1), and BIO_new_CMS() writes the BER, indefinite lengths, as the
 * content goes in.
 *
 * Decrypting, from the skeleton and the ciphertext spooled apart (ber.h):
 * the RecipientInfo is matched to the certificate by us first, then
 * CMS_decrypt_set1_pkey_and_peer() is given key and certificate (OpenSSL
 * then tries that RecipientInfo only: the Bleichenbacher/MMA defence is
 * that it gets the certificate), and CMS_dataInit() builds a cipher BIO
 * over the ciphertext.  Before a byte is read we check what OpenSSL 3.0
 * does not: the cipher it set up (AES-CBC for EnvelopedData, AES-GCM for
 * AuthEnvelopedData: it decrypts an AuthEnvelopedData whose algorithm
 * was swapped for AES-OFB), a 12-byte nonce and a 16-byte tag (it takes
 * a 1-byte one).  The plaintext goes to the caller's sink (a private
 * spool) and counts only if the cipher BIO's status is good at the end:
 * CBC padding, GCM tag.  CMS_dataFinal() says nothing about the tag.
 */
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "cms.h"
#include "cms_envw.h"

struct cms_encrypt {
	CMS_ContentInfo *cms;
	struct envw *own;	/* instead of cms: cms_envw.c writes */
	BIO *b64, *in;
	struct io_wr *w;	/* where the base64 goes */
};

/* A write the cipher chain could not pass on: the writer's error (a full
 * disk, a file-size limit) is the reason, not OpenSSL's. */
static void
encrypt_failed(struct cms_encrypt *e, const char *what)
{
	if (e->w->err != 0)
		xdie(io_errclass(e->w->err), "cannot write the encrypted "
		    "message: %s", strerror(e->w->err));
	xdie_ssl(ERR_SOFTWARE, "%s", what);
}

const char *
cms_smime_type(const char *cipher)
{
	return strstr(cipher, "gcm") != NULL ||
	    strcmp(cipher, "chacha20-poly1305") == 0 ? "authEnveloped-data" :
	    "enveloped-data";
}

struct cms_encrypt *
cms_encrypt_begin(STACK_OF(X509) *recips, const char *cipher, int oaep,
    struct io_wr *w, const char *eol)
{
	struct cms_encrypt *e = xcalloc(1, sizeof(*e));
	unsigned flags = CMS_PARTIAL | CMS_STREAM | CMS_BINARY;
	const EVP_CIPHER *c = EVP_get_cipherbyname(cipher);
	CMS_RecipientInfo *ri;
	EVP_PKEY_CTX *pctx;
	EVP_PKEY *pk;
	X509 *x;
	int i, ok;

	if (c == NULL)
		xdie(ERR_USAGE, "unknown cipher '%s'", cipher);
	e->w = w;
	if (envw_needed(recips, cipher)) {
		e->b64 = cms_b64bio_new(w, eol);
		if ((e->own = envw_begin(recips, cipher, oaep, e->b64)) == NULL)
			encrypt_failed(e, "cannot encrypt");
		return e;
	}
	e->cms = CMS_encrypt(NULL, NULL, c, flags);
	if (e->cms == NULL)
		xdie_ssl(ERR_SOFTWARE, "cannot start encrypting");
	for (i = 0; i < sk_X509_num(recips); i++) {
		x = sk_X509_value(recips, i);
		pk = X509_get0_pubkey(x);
		ri = CMS_add1_recipient_cert(e->cms, x, flags | CMS_KEY_PARAM);
		pctx = ri != NULL ? CMS_RecipientInfo_get0_pkey_ctx(ri) : NULL;
		if (pctx == NULL)
			xdie_ssl(ERR_NOUSER, "cannot encrypt to the key of "
			    "recipient %d", i + 1);
		ok = 1;
		if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA && oaep)
			/* RFC 8551 2.3: OAEP with SHA-256 (RFC 4055 3.1). */
			ok = EVP_PKEY_CTX_set_rsa_padding(pctx,
			    RSA_PKCS1_OAEP_PADDING) > 0 &&
			    EVP_PKEY_CTX_set_rsa_oaep_md(pctx,
			    EVP_sha256()) > 0 &&
			    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx,
			    EVP_sha256()) > 0;
		else if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC)
			/* RFC 5753 / 8418: dhSinglePass-stdDH-sha256kdf. */
			ok = EVP_PKEY_CTX_set_ecdh_kdf_md(pctx,
			    EVP_sha256()) > 0;
		else if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA)
			ok = 0;
		if (!ok)
			xdie_ssl(ERR_NOUSER, "cannot encrypt to the key of "
			    "recipient %d", i + 1);
	}
	e->b64 = cms_b64bio_new(w, eol);
	e->in = BIO_new_CMS(e->b64, e->cms);
	if (e->in == NULL)
		xdie_ssl(ERR_SOFTWARE, "cannot start encrypting");
	return e;
}

void
cms_encrypt_write(struct cms_encrypt *e, const void *p, size_t n)
{
	if (e->own != NULL) {
		if (!envw_write(e->own, p, n))
			encrypt_failed(e, "cannot encrypt the content");
		return;
	}
	while (n > 0) {
		int k = n > 1 << 30 ? 1 << 30 : (int)n;

		if (BIO_write(e->in, p, k) != k)
			encrypt_failed(e, "cannot encrypt the content");
		p = (const char *)p + k;
		n -= (size_t)k;
	}
}

void
cms_encrypt_end(struct cms_encrypt *e)
{
	BIO *next;

	if (e->own != NULL) {
		if (!envw_end(e->own))
			encrypt_failed(e, "cannot encrypt");
		cms_b64bio_end(e->b64);
		free(e);
		return;
	}
	/* The NDEF BIO finishes the content and writes the rest (the
	 * GCM tag) on flush. */
	if (BIO_flush(e->in) <= 0)
		encrypt_failed(e, "cannot encrypt");
	while (e->in != e->b64) {
		next = BIO_pop(e->in);
		BIO_free(e->in);
		e->in = next;
	}
	cms_b64bio_end(e->b64);
	CMS_ContentInfo_free(e->cms);
	free(e);
}

/*
 * Decrypting.
 */
struct cms_decrypt {
	CMS_ContentInfo *cms;
	int auth;		/* AuthEnvelopedData */
	unsigned char mac[16];	/* auth: its mac, as check_alg found it */
	/* cms_decrypt_start: the ciphertext goes into mem, the plaintext
	 * comes out of chain (cipher BIO over mem). */
	BIO *mem, *chain, *cb;
	int broken;		/* a failure after the key was used */
};

/* The elements of the SEQUENCE (or [n] EXPLICIT SEQUENCE) in t. */
static STACK_OF(ASN1_TYPE) *
seq_of(const ASN1_TYPE *t, int explicit)
{
	const unsigned char *p, *end;
	long len;
	int tag, cls;

	if (t == NULL || (t->type != V_ASN1_SEQUENCE &&
	    t->type != V_ASN1_OTHER))
		return NULL;
	p = t->value.asn1_string->data;
	end = p + t->value.asn1_string->length;
	if (explicit && (ASN1_get_object(&p, &len, &tag, &cls, end - p) &
	    0x80))
		return NULL;
	return d2i_ASN1_SEQUENCE_ANY(NULL, &p, end - p);
}

static ASN1_TYPE *
first_of(STACK_OF(ASN1_TYPE) *sk, int type)
{
	int i;

	for (i = 0; i < sk_ASN1_TYPE_num(sk); i++)
		if (sk_ASN1_TYPE_value(sk, i)->type == type)
			return sk_ASN1_TYPE_value(sk, i);
	return NULL;
}

/*
 * The content-encryption algorithm and its parameters, read from the
 * structure before any key is used: what OpenSSL 3.0 does not refuse
 * (AES-OFB in an AuthEnvelopedData, a 1-byte tag) is refused here, and
 * refusing it before the key is used keeps the refusal from telling
 * whether the key transport decrypted (Bleichenbacher).  OpenSSL's
 * generic decoders do the parsing; only the path is ours.
 */
/* The names smime-decrypt(1) gives for cipher= ("aes-256-gcm"),
 * OpenSSL's otherwise. */
static const char *
cipher_label(int nid)
{
	static const struct {
		int nid;
		const char *name;
	} names[] = {
		{ NID_aes_128_cbc, "aes-128-cbc" },
		{ NID_aes_192_cbc, "aes-192-cbc" },
		{ NID_aes_256_cbc, "aes-256-cbc" },
		{ NID_aes_128_gcm, "aes-128-gcm" },
		{ NID_aes_192_gcm, "aes-192-gcm" },
		{ NID_aes_256_gcm, "aes-256-gcm" },
		{ NID_des_ede3_cbc, "des-ede3-cbc" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].nid == nid)
			return names[i].name;
	return nid == NID_undef ? "unknown" : OBJ_nid2sn(nid);
}

/* For -v: why check_alg() refused a content-encryption algorithm. */
static const char *
allowed_hint(int nid, int auth, int legacy, int ivlen)
{
	switch (nid) {
	case NID_aes_128_cbc:
	case NID_aes_192_cbc:
	case NID_aes_256_cbc:
		return auth ? " in AuthEnvelopedData (it needs an "
		    "authenticating cipher: GCM)" : ivlen != 16 ?
		    " with an IV other than 16 bytes" : "";
	case NID_des_ede3_cbc:
		return !legacy ? " (3DES: --allow-legacy)" : auth ?
		    " in AuthEnvelopedData" : " with an IV other than 8 bytes";
	case NID_aes_128_gcm:
	case NID_aes_192_gcm:
	case NID_aes_256_gcm:
		return !auth ? " in EnvelopedData (RFC 5083: GCM goes in "
		    "AuthEnvelopedData)" : " without a 12-byte nonce and a "
		    "16-byte tag (RFC 5084, RFC 8551 2.7)";
	default:
		return " (only AES-CBC and AES-GCM are decrypted)";
	}
}

static const char *
check_alg(const unsigned char *der, size_t len, int auth, int legacy,
    char *cipher, size_t ciphersz, unsigned char tag[16])
{
	STACK_OF(ASN1_TYPE) *ci = NULL, *env = NULL, *eci = NULL, *gcm = NULL;
	const unsigned char *p = der;
	const ASN1_TYPE *mac, *nonce, *icv, *t;
	X509_ALGOR *alg = NULL;
	const char *why = "unreadable CMS structure";
	static int told;
	int nid, ptype, ivlen = -1;
	const void *pval;

	if ((ci = d2i_ASN1_SEQUENCE_ANY(NULL, &p, (long)len)) == NULL ||
	    sk_ASN1_TYPE_num(ci) < 2 ||
	    (env = seq_of(sk_ASN1_TYPE_value(ci, 1), 1)) == NULL ||
	    (eci = seq_of(first_of(env, V_ASN1_SEQUENCE), 0)) == NULL ||
	    sk_ASN1_TYPE_num(eci) < 2 ||
	    (t = sk_ASN1_TYPE_value(eci, 1))->type != V_ASN1_SEQUENCE)
		goto out;
	p = t->value.sequence->data;
	if ((alg = d2i_X509_ALGOR(NULL, &p, t->value.sequence->length)) ==
	    NULL)
		goto out;
	X509_ALGOR_get0(NULL, &ptype, &pval, alg);
	nid = OBJ_obj2nid(alg->algorithm);
	snprintf(cipher, ciphersz, "%s", cipher_label(nid));
	if (ptype == V_ASN1_OCTET_STRING)
		ivlen = ASN1_STRING_length(pval);
	why = "cipher not allowed";
	switch (nid) {
	case NID_aes_128_cbc:
	case NID_aes_192_cbc:
	case NID_aes_256_cbc:
		if (!auth && ivlen == 16)
			why = NULL;
		break;
	case NID_des_ede3_cbc:
		if (!auth && legacy && ivlen == 8)
			why = NULL;
		break;
	case NID_aes_128_gcm:
	case NID_aes_192_gcm:
	case NID_aes_256_gcm:
		/* RFC 5084 3.2 GCMParameters: a 12-byte nonce; RFC 8551
		 * 2.7: a 16-byte tag (icvLen, and the mac itself). */
		if (!auth || ptype != V_ASN1_SEQUENCE)
			break;
		p = ((const ASN1_STRING *)pval)->data;
		gcm = d2i_ASN1_SEQUENCE_ANY(NULL, &p,
		    ((const ASN1_STRING *)pval)->length);
		nonce = gcm != NULL ? sk_ASN1_TYPE_value(gcm, 0) : NULL;
		icv = gcm != NULL && sk_ASN1_TYPE_num(gcm) > 1 ?
		    sk_ASN1_TYPE_value(gcm, 1) : NULL;
		mac = first_of(env, V_ASN1_OCTET_STRING);
		if (nonce != NULL && nonce->type == V_ASN1_OCTET_STRING &&
		    nonce->value.octet_string->length == 12 &&
		    (icv == NULL || (icv->type == V_ASN1_INTEGER &&
		    ASN1_INTEGER_get(icv->value.integer) == 16)) &&
		    mac != NULL && mac->value.octet_string->length == 16) {
			memcpy(tag, mac->value.octet_string->data, 16);
			why = NULL;
		}
		break;
	default:
		break;
	}
	/* Checked on the prefix and again on the whole: said once. */
	if (why != NULL && !told++)
		verbosex("cipher not allowed: %s%s", cipher, allowed_hint(nid,
		    auth, legacy, ivlen));
out:
	X509_ALGOR_free(alg);
	sk_ASN1_TYPE_pop_free(gcm, ASN1_TYPE_free);
	sk_ASN1_TYPE_pop_free(eci, ASN1_TYPE_free);
	sk_ASN1_TYPE_pop_free(env, ASN1_TYPE_free);
	sk_ASN1_TYPE_pop_free(ci, ASN1_TYPE_free);
	ERR_clear_error();
	return why;
}

struct cms_decrypt *
cms_decrypt_open(const unsigned char *der, size_t len, int legacy,
    char *why, size_t whysz, char *cipher, size_t ciphersz)
{
	struct cms_decrypt *d;
	const unsigned char *p = der;
	CMS_ContentInfo *cms;
	const char *bad;
	int nid;

	*cipher = '\0';
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	if (cms == NULL || p != der + len) {
		/* Well-formed BER (ber.c said so) that OpenSSL's templates
		 * reject: RFC 5083 authAttrs, for one, in 3.0. */
		snprintf(why, whysz, "unreadable CMS structure");
		CMS_ContentInfo_free(cms);
		ERR_clear_error();
		return NULL;
	}
	nid = OBJ_obj2nid(CMS_get0_type(cms));
	if (nid != NID_pkcs7_enveloped &&
	    nid != NID_id_smime_ct_authEnvelopedData) {
		snprintf(why, whysz, "not enveloped-data");
		CMS_ContentInfo_free(cms);
		return NULL;
	}
	d = xcalloc(1, sizeof(*d));
	if ((bad = check_alg(der, len, nid != NID_pkcs7_enveloped, legacy,
	    cipher, ciphersz, d->mac)) != NULL) {
		snprintf(why, whysz, "%s", bad);
		CMS_ContentInfo_free(cms);
		free(d);
		return NULL;
	}
	d->cms = cms;
	d->auth = nid == NID_id_smime_ct_authEnvelopedData;
	return d;
}

int
cms_decrypt_is_auth(const struct cms_decrypt *d)
{
	return d->auth;
}

/*
 * Is there a RecipientInfo for x (issuerAndSerialNumber or
 * subjectKeyIdentifier, key transport or key agreement)?  Password and
 * KEK recipients are never ours.
 */
int
cms_decrypt_names(struct cms_decrypt *d, X509 *x)
{
	STACK_OF(CMS_RecipientInfo) *ris = CMS_get0_RecipientInfos(d->cms);
	STACK_OF(CMS_RecipientEncryptedKey) *reks;
	CMS_RecipientInfo *ri;
	int i, k, hit = 0;

	for (i = 0; i < sk_CMS_RecipientInfo_num(ris) && !hit; i++) {
		ri = sk_CMS_RecipientInfo_value(ris, i);
		switch (CMS_RecipientInfo_type(ri)) {
		case CMS_RECIPINFO_TRANS:
			hit = CMS_RecipientInfo_ktri_cert_cmp(ri, x) == 0;
			break;
		case CMS_RECIPINFO_AGREE:
			reks = CMS_RecipientInfo_kari_get0_reks(ri);
			for (k = 0; k < sk_CMS_RecipientEncryptedKey_num(reks) &&
			    !hit; k++)
				hit = CMS_RecipientEncryptedKey_cert_cmp(
				    sk_CMS_RecipientEncryptedKey_value(reks, k),
				    x) == 0;
			break;
		default:
			break;
		}
	}
	ERR_clear_error();
	return hit;
}

int
cms_decrypt_recipients(struct cms_decrypt *d)
{
	return sk_CMS_RecipientInfo_num(CMS_get0_RecipientInfos(d->cms));
}

/* The number of RecipientInfos of each kind we do not handle. */
int
cms_decrypt_others(struct cms_decrypt *d)
{
	STACK_OF(CMS_RecipientInfo) *ris = CMS_get0_RecipientInfos(d->cms);
	int i, n = 0, t;

	for (i = 0; i < sk_CMS_RecipientInfo_num(ris); i++) {
		t = CMS_RecipientInfo_type(sk_CMS_RecipientInfo_value(ris, i));
		n += t != CMS_RECIPINFO_TRANS && t != CMS_RECIPINFO_AGREE;
	}
	return n;
}

static int
allowed(const EVP_CIPHER_CTX *ctx, int auth, int legacy)
{
	switch (EVP_CIPHER_get_nid(EVP_CIPHER_CTX_get0_cipher(ctx))) {
	case NID_aes_128_cbc:
	case NID_aes_192_cbc:
	case NID_aes_256_cbc:
		return !auth;
	case NID_des_ede3_cbc:
		return !auth && legacy;
	case NID_aes_128_gcm:
	case NID_aes_192_gcm:
	case NID_aes_256_gcm:
		/* RFC 5084 3.2: a 12-byte nonce; RFC 8551 2.7 a 16-byte
		 * tag.  OpenSSL 3.0 takes a 1-byte tag. */
		return auth && EVP_CIPHER_CTX_get_iv_length(ctx) == 12 &&
		    EVP_CIPHER_CTX_get_tag_length(ctx) == 16;
	default:
		return 0;
	}
}

const unsigned char *
cms_decrypt_mac(const struct cms_decrypt *d)
{
	return d->auth ? d->mac : NULL;
}

void
cms_decrypt_start(struct cms_decrypt *d, EVP_PKEY *key, X509 *cert,
    int legacy)
{
	EVP_CIPHER_CTX *ctx = NULL;

	d->broken = 1;
	if (!CMS_decrypt_set1_pkey_and_peer(d->cms, key, cert, NULL))
		goto out;
	if ((d->mem = BIO_new(BIO_s_mem())) == NULL)
		xdie(ERR_TEMP, "out of memory");
	/* Empty is "more to come", not the end, until cms_decrypt_end. */
	BIO_set_mem_eof_return(d->mem, -1);
	if ((d->chain = CMS_dataInit(d->cms, d->mem)) == NULL)
		goto out;
	d->cb = BIO_find_type(d->chain, BIO_TYPE_CIPHER);
	if (d->cb == NULL || !BIO_get_cipher_ctx(d->cb, &ctx) ||
	    ctx == NULL || !allowed(ctx, d->auth, legacy))
		goto out;
	d->broken = 0;
out:
	ERR_clear_error();
}

/* What the cipher BIO can give of what it has been fed. */
static void
drain(struct cms_decrypt *d, int (*sink)(void *, const char *, size_t),
    void *arg)
{
	static char buf[IO_BUFSIZE];
	int n, err;

	while ((n = BIO_read(d->chain, buf, sizeof(buf))) > 0)
		if ((err = sink(arg, buf, (size_t)n)) != 0)
			xdie(io_errclass(err), "cannot write the spool: %s",
			    strerror(err));
	if (n < 0 && !BIO_should_retry(d->chain))
		d->broken = 1;
}

void
cms_decrypt_update(struct cms_decrypt *d, const unsigned char *p, size_t n,
    int (*sink)(void *, const char *, size_t), void *arg)
{
	size_t k;
	int w;

	/* In slices the mem BIO's int takes, drained as they go so that
	 * memory stays bounded. */
	while (!d->broken && n > 0) {
		k = n < IO_BUFSIZE ? n : IO_BUFSIZE;
		w = BIO_write(d->mem, p, (int)k);
		if (w != (int)k) {
			d->broken = 1;
			break;
		}
		drain(d, sink, arg);
		p += k;
		n -= k;
	}
	ERR_clear_error();
}

int
cms_decrypt_end(struct cms_decrypt *d, const unsigned char *mac,
    int (*sink)(void *, const char *, size_t), void *arg)
{
	EVP_CIPHER_CTX *ctx = NULL;
	int rc = 0;

	if (d->broken)
		goto out;
	/* The stand-in tag of the prefix replaced by the real one, which
	 * EVP_DecryptFinal checks. */
	if (d->auth && (mac == NULL || !BIO_get_cipher_ctx(d->cb, &ctx) ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16,
	    (void *)mac) <= 0))
		goto out;
	BIO_set_mem_eof_return(d->mem, 0);
	drain(d, sink, arg);
	if (!d->broken && BIO_get_cipher_status(d->cb) == 1)
		rc = 1;
out:
	ERR_clear_error();
	return rc;
}

void
cms_decrypt_close(struct cms_decrypt *d)
{
	BIO *next;

	if (d == NULL)
		return;
	while (d->chain != NULL && d->chain != d->mem) {
		next = BIO_pop(d->chain);
		BIO_free(d->chain);
		d->chain = next;
	}
	BIO_free(d->mem);
	CMS_ContentInfo_free(d->cms);
	free(d);
}
