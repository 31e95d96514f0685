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
 *
 * Where OpenSSL 3.0 cannot decrypt (X25519 and X448 recipients, EC with
 * an HKDF identifier, ChaCha20-Poly1305 content), our own path below
 * finds the content key (kari.h) and decrypts over EVP_CIPHER, with the
 * same checks first and the same rule at the end.
 */
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "cms.h"
#include "cms_envw.h"
#include "kari.h"

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
			ok = cms_oaep_sha256(pctx);
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
	/* What check_alg read: the cipher (NID_chacha20_poly1305 for the
	 * RFC 8103 identifier, which OpenSSL 3.0 has no NID for) and its
	 * IV or nonce. */
	int cnid;
	unsigned char iv[16];
	int ivlen;
	/* Our own path (cms_own_*, below): the structure, to read the
	 * encryptedKey OpenSSL has no getter for, and the content cipher. */
	unsigned char *der;
	size_t derlen;
	EVP_CIPHER_CTX *own;
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
		{ NID_chacha20_poly1305, "chacha20-poly1305" },
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
	case NID_chacha20_poly1305:
		return !auth ? " in EnvelopedData (RFC 8103: it goes in "
		    "AuthEnvelopedData)" : " without a 12-byte nonce and a "
		    "16-byte tag (RFC 8103)";
	default:
		return " (only AES-CBC, AES-GCM and ChaCha20-Poly1305 are "
		    "decrypted)";
	}
}

/* The tag, where it must be 16 bytes (RFC 8551 2.7, RFC 8103 2.3). */
static int
mac16(STACK_OF(ASN1_TYPE) *env, unsigned char tag[16])
{
	const ASN1_TYPE *mac = first_of(env, V_ASN1_OCTET_STRING);

	if (mac == NULL || mac->value.octet_string->length != 16)
		return 0;
	memcpy(tag, mac->value.octet_string->data, 16);
	return 1;
}

static const char *
check_alg(const unsigned char *der, size_t len, int auth, int legacy,
    char *cipher, size_t ciphersz, struct cms_decrypt *d)
{
	STACK_OF(ASN1_TYPE) *ci = NULL, *env = NULL, *eci = NULL, *gcm = NULL;
	const unsigned char *p = der;
	const ASN1_TYPE *nonce, *icv, *t;
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
	d->cnid = nid = cms_cipher_nid(alg->algorithm);
	snprintf(cipher, ciphersz, "%s", cipher_label(nid));
	if (ptype == V_ASN1_OCTET_STRING) {
		ivlen = ASN1_STRING_length(pval);
		if (ivlen > 0 && ivlen <= (int)sizeof(d->iv)) {
			memcpy(d->iv, ASN1_STRING_get0_data(pval),
			    (size_t)ivlen);
			d->ivlen = ivlen;
		}
	}
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
		/* icvLen is DEFAULT 12: absent, it says 12, which no
		 * 16-byte mac matches (and OpenSSL's own path refuses). */
		nonce = gcm != NULL && sk_ASN1_TYPE_num(gcm) == 2 ?
		    sk_ASN1_TYPE_value(gcm, 0) : NULL;
		icv = nonce != NULL ? sk_ASN1_TYPE_value(gcm, 1) : NULL;
		if (nonce != NULL && nonce->type == V_ASN1_OCTET_STRING &&
		    nonce->value.octet_string->length == 12 &&
		    icv->type == V_ASN1_INTEGER &&
		    ASN1_INTEGER_get(icv->value.integer) == 16 &&
		    mac16(env, d->mac)) {
			memcpy(d->iv, nonce->value.octet_string->data, 12);
			d->ivlen = 12;
			why = NULL;
		}
		break;
	case NID_chacha20_poly1305:
		/* RFC 8103 3: AEADChaCha20Poly1305Nonce, 12 bytes; the
		 * tag is 16 (2.3). */
		if (auth && ivlen == 12 && mac16(env, d->mac))
			why = NULL;
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
	    cipher, ciphersz, d)) != NULL) {
		snprintf(why, whysz, "%s", bad);
		CMS_ContentInfo_free(cms);
		free(d);
		return NULL;
	}
	d->cms = cms;
	d->auth = nid == NID_id_smime_ct_authEnvelopedData;
	d->der = xmalloc(len);
	memcpy(d->der, der, len);
	d->derlen = len;
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


/*
 * Our own path, where OpenSSL 3.0's CMS cannot go: an X25519 or X448
 * recipient (it parses the KeyAgreeRecipientInfo but derives only for
 * EC with the X9.63 KDF), and ChaCha20-Poly1305 content (RFC 8103: no
 * cipher for the identifier), whatever the recipient.  The CEK is ours
 * to find (kari.h; EVP_PKEY_decrypt for key transport), and since
 * OpenSSL has no setter for a CEK found outside it, the content is
 * decrypted here too, over EVP_CIPHER, as it arrives.  The plaintext
 * goes to the same private sink and counts only if EVP_DecryptFinal
 * says so (CBC padding, the AEAD tag), as on OpenSSL's path.
 *
 * OpenSSL's parse does the matching (cert_cmp, as cms_decrypt_names);
 * the encryptedKey, which it has no getter for, is read from the DER at
 * the same position.  RFC 5083 authAttrs (the AAD) never reach here:
 * OpenSSL 3.0 does not parse an AuthEnvelopedData that has them
 * (cms_decrypt_open: unreadable), so the AAD is always empty.
 */

/* The elements inside t (a SEQUENCE, a SET or a constructed [n]: the
 * value is the whole encoding), definite or indefinite length. */
static STACK_OF(ASN1_TYPE) *
inner_of(const ASN1_TYPE *t)
{
	STACK_OF(ASN1_TYPE) *sk;
	const unsigned char *p, *end;
	ASN1_TYPE *e;
	long len;
	int tag, cls, r;

	if (t == NULL || (t->type != V_ASN1_SEQUENCE &&
	    t->type != V_ASN1_SET && t->type != V_ASN1_OTHER))
		return NULL;
	p = t->value.asn1_string->data;
	end = p + t->value.asn1_string->length;
	r = ASN1_get_object(&p, &len, &tag, &cls, end - p);
	if ((r & 0x80) || !(r & V_ASN1_CONSTRUCTED))
		return NULL;
	if (!(r & 1))
		end = p + len;
	if ((sk = sk_ASN1_TYPE_new_null()) == NULL)
		return NULL;
	while (p < end) {
		if (end - p >= 2 && p[0] == 0 && p[1] == 0 && (r & 1))
			break;
		if ((e = d2i_ASN1_TYPE(NULL, &p, end - p)) == NULL ||
		    !sk_ASN1_TYPE_push(sk, e)) {
			ASN1_TYPE_free(e);
			sk_ASN1_TYPE_pop_free(sk, ASN1_TYPE_free);
			return NULL;
		}
	}
	return sk;
}

static const ASN1_TYPE *
last_of(STACK_OF(ASN1_TYPE) *sk)
{
	return sk_ASN1_TYPE_value(sk, sk_ASN1_TYPE_num(sk) - 1);
}

/*
 * The encryptedKey of RecipientInfo i (key transport: its last field),
 * or of its RecipientEncryptedKey k (key agreement: k >= 0), copied to
 * out; its length, or 0.
 */
static size_t
enc_key(const struct cms_decrypt *d, int i, int k, unsigned char *out,
    size_t outsz)
{
	STACK_OF(ASN1_TYPE) *ci = NULL, *env = NULL, *ris = NULL, *ri = NULL;
	STACK_OF(ASN1_TYPE) *reks = NULL, *rek = NULL;
	const unsigned char *p = d->der;
	const ASN1_TYPE *ek = NULL;
	size_t n = 0;

	if ((ci = d2i_ASN1_SEQUENCE_ANY(NULL, &p, (long)d->derlen)) == NULL ||
	    sk_ASN1_TYPE_num(ci) < 2 ||
	    (env = seq_of(sk_ASN1_TYPE_value(ci, 1), 1)) == NULL ||
	    (ris = inner_of(first_of(env, V_ASN1_SET))) == NULL ||
	    sk_ASN1_TYPE_num(ris) !=
	    sk_CMS_RecipientInfo_num(CMS_get0_RecipientInfos(d->cms)) ||
	    i >= sk_ASN1_TYPE_num(ris) ||
	    (ri = inner_of(sk_ASN1_TYPE_value(ris, i))) == NULL)
		goto out;
	if (k < 0)
		ek = last_of(ri);
	else if ((reks = inner_of(last_of(ri))) != NULL &&
	    k < sk_ASN1_TYPE_num(reks) &&
	    (rek = inner_of(sk_ASN1_TYPE_value(reks, k))) != NULL)
		ek = last_of(rek);
	if (ek != NULL && ek->type == V_ASN1_OCTET_STRING &&
	    ek->value.octet_string->length > 0 &&
	    (size_t)ek->value.octet_string->length <= outsz) {
		n = (size_t)ek->value.octet_string->length;
		memcpy(out, ek->value.octet_string->data, n);
	}
out:
	sk_ASN1_TYPE_pop_free(rek, ASN1_TYPE_free);
	sk_ASN1_TYPE_pop_free(reks, ASN1_TYPE_free);
	sk_ASN1_TYPE_pop_free(ri, ASN1_TYPE_free);
	sk_ASN1_TYPE_pop_free(ris, ASN1_TYPE_free);
	sk_ASN1_TYPE_pop_free(env, ASN1_TYPE_free);
	sk_ASN1_TYPE_pop_free(ci, ASN1_TYPE_free);
	return n;
}

/* The OAEP parameters of RFC 8017 A.2.1 (absent ones: SHA-1, MGF1 with
 * SHA-1, an empty label) onto pctx. */
static int
set_oaep(EVP_PKEY_CTX *pctx, const X509_ALGOR *alg)
{
	RSA_OAEP_PARAMS *op = NULL;
	X509_ALGOR *mgfmd = NULL;
	const EVP_MD *md = EVP_sha1(), *mgf = EVP_sha1();
	const unsigned char *p;
	const ASN1_TYPE *pt = alg->parameter;
	unsigned char *label = NULL;
	int ok = 0, llen = 0;

	if (pt != NULL && pt->type == V_ASN1_SEQUENCE) {
		p = pt->value.sequence->data;
		if ((op = d2i_RSA_OAEP_PARAMS(NULL, &p,
		    pt->value.sequence->length)) == NULL)
			goto out;
	} else if (pt != NULL && pt->type != V_ASN1_NULL)
		goto out;
	if (op != NULL && op->hashFunc != NULL &&
	    (md = EVP_get_digestbyobj(op->hashFunc->algorithm)) == NULL)
		goto out;
	if (op != NULL && op->maskGenFunc != NULL) {
		pt = op->maskGenFunc->parameter;
		if (OBJ_obj2nid(op->maskGenFunc->algorithm) != NID_mgf1 ||
		    pt == NULL || pt->type != V_ASN1_SEQUENCE)
			goto out;
		p = pt->value.sequence->data;
		if ((mgfmd = d2i_X509_ALGOR(NULL, &p,
		    pt->value.sequence->length)) == NULL ||
		    (mgf = EVP_get_digestbyobj(mgfmd->algorithm)) == NULL)
			goto out;
	}
	if (op != NULL && op->pSourceFunc != NULL) {
		pt = op->pSourceFunc->parameter;
		if (OBJ_obj2nid(op->pSourceFunc->algorithm) != NID_pSpecified ||
		    pt == NULL || pt->type != V_ASN1_OCTET_STRING)
			goto out;
		llen = pt->value.octet_string->length;
		if (llen > 0 && (label = OPENSSL_memdup(
		    pt->value.octet_string->data, (size_t)llen)) == NULL)
			goto out;
	}
	ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_OAEP_PADDING) > 0 &&
	    EVP_PKEY_CTX_set_rsa_oaep_md(pctx, md) > 0 &&
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, mgf) > 0;
	if (ok && label != NULL) {
		ok = EVP_PKEY_CTX_set0_rsa_oaep_label(pctx, label, llen) > 0;
		if (ok)
			label = NULL;
	}
out:
	OPENSSL_free(label);
	X509_ALGOR_free(mgfmd);
	RSA_OAEP_PARAMS_free(op);
	return ok;
}

/*
 * Key transport (RSA, PKCS #1 v1.5 or OAEP) into cek, klen bytes.  The
 * Bleichenbacher defence: cek is random first and is replaced only by a
 * key that decrypted to the right length, so every failure goes on to
 * the content and ends as a bad tag does, with no earlier exit.
 */
static void
own_ktri(struct cms_decrypt *d, int i, CMS_RecipientInfo *ri, EVP_PKEY *key,
    unsigned char *cek, size_t klen)
{
	unsigned char ek[1024], out[1024];
	EVP_PKEY_CTX *pctx = NULL;
	X509_ALGOR *alg = NULL;
	size_t eklen, outlen = sizeof(out);
	int ok;

	if (RAND_bytes(cek, (int)klen) != 1)
		xdie(ERR_TEMP, "cannot get random bytes");
	eklen = enc_key(d, i, -1, ek, sizeof(ek));
	CMS_RecipientInfo_ktri_get0_algs(ri, NULL, NULL, &alg);
	ok = eklen > 0 && alg != NULL &&
	    EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA &&
	    (pctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) != NULL &&
	    EVP_PKEY_decrypt_init(pctx) > 0;
	if (ok && OBJ_obj2nid(alg->algorithm) == NID_rsaesOaep)
		ok = set_oaep(pctx, alg);
	else if (ok && OBJ_obj2nid(alg->algorithm) == NID_rsaEncryption)
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx,
		    RSA_PKCS1_PADDING) > 0;
	else
		ok = 0;
	ok = ok && EVP_PKEY_decrypt(pctx, out, &outlen, ek, eklen) > 0 &&
	    outlen == klen;
	if (ok)
		memcpy(cek, out, klen);
	OPENSSL_cleanse(out, sizeof(out));
	EVP_PKEY_CTX_free(pctx);
}

/*
 * The originator's ephemeral key, of our key's type: id-X25519 or
 * id-X448 with absent parameters and a key of exactly 32 or 56 bytes
 * (RFC 8418 2), or id-ecPublicKey on our curve (RFC 5753 7.1.1: the
 * parameters absent, NULL or our named curve).
 */
static EVP_PKEY *
originator(CMS_RecipientInfo *ri, EVP_PKEY *key)
{
	X509_ALGOR *alg = NULL;
	ASN1_BIT_STRING *pub = NULL;
	EVP_PKEY *peer = NULL;
	const void *pval;
	int ptype, type = EVP_PKEY_get_base_id(key), nid;
	size_t want;
	char curve[64];

	if (CMS_RecipientInfo_kari_get0_orig_id(ri, &alg, &pub, NULL, NULL,
	    NULL) <= 0 || alg == NULL || pub == NULL ||
	    (pub->flags & 0x07) != 0)
		return NULL;
	X509_ALGOR_get0(NULL, &ptype, &pval, alg);
	nid = OBJ_obj2nid(alg->algorithm);
	if (type == EVP_PKEY_X25519 || type == EVP_PKEY_X448) {
		want = type == EVP_PKEY_X25519 ? 32 : 56;
		if (nid != type || ptype != V_ASN1_UNDEF ||
		    (size_t)pub->length != want)
			return NULL;
		return EVP_PKEY_new_raw_public_key(type, NULL, pub->data, want);
	}
	if (type != EVP_PKEY_EC || nid != NID_X9_62_id_ecPublicKey)
		return NULL;
	if (ptype == V_ASN1_OBJECT && (!EVP_PKEY_get_utf8_string_param(key,
	    "group", curve, sizeof(curve), NULL) ||
	    OBJ_txt2nid(curve) != OBJ_obj2nid(pval)))
		return NULL;
	if (ptype != V_ASN1_UNDEF && ptype != V_ASN1_NULL &&
	    ptype != V_ASN1_OBJECT)
		return NULL;
	if ((peer = EVP_PKEY_new()) == NULL ||
	    !EVP_PKEY_copy_parameters(peer, key) ||
	    !EVP_PKEY_set1_encoded_public_key(peer, pub->data,
	    (size_t)pub->length)) {
		EVP_PKEY_free(peer);
		return NULL;
	}
	return peer;
}

/*
 * Key agreement: the originator's key and ours give Z, the KDF the
 * keyEncryptionAlgorithm names gives the KEK (kari.h), which unwraps
 * RecipientEncryptedKey k into cek, klen bytes.  1 on success.
 */
static int
own_kari(struct cms_decrypt *d, int i, int k, CMS_RecipientInfo *ri,
    EVP_PKEY *key, unsigned char *cek, size_t klen)
{
	unsigned char ek[KARI_CEK_MAX + 8], kek[32], *z = NULL;
	unsigned char got[KARI_CEK_MAX];
	X509_ALGOR *kea = NULL, *wrap = NULL;
	ASN1_OCTET_STRING *ukm = NULL;
	EVP_PKEY *peer = NULL;
	struct kari_alg a;
	size_t zlen = 0, keklen = 0, eklen, glen = 0;
	const unsigned char *p;
	char oid[80];
	int ok = 0, wnid;

	if (!CMS_RecipientInfo_kari_get0_alg(ri, &kea, &ukm) || kea == NULL)
		goto out;
	if (!kari_alg_of(kea->algorithm, &a)) {
		/* Not one of RFC 5753's or RFC 8418's: a sender's choice
		 * we cannot follow, which reads as any other failure. */
		OBJ_obj2txt(oid, sizeof(oid), kea->algorithm, 1);
		verbosex("cannot decrypt: unknown key agreement KDF %s", oid);
		goto out;
	}
	/* RFC 5753 7.1.2: the parameter is the key-wrap algorithm. */
	if (kea->parameter == NULL ||
	    kea->parameter->type != V_ASN1_SEQUENCE)
		goto out;
	p = kea->parameter->value.sequence->data;
	if ((wrap = d2i_X509_ALGOR(NULL, &p,
	    kea->parameter->value.sequence->length)) == NULL ||
	    !kari_wrap_alg(wrap, &wnid, &keklen)) {
		verbosex("cannot decrypt: the key wrap is not AES key wrap "
		    "with absent parameters (RFC 3565)");
		goto out;
	}
	if (ukm != NULL && ukm->length > KARI_UKM_MAX)
		goto out;
	if ((peer = originator(ri, key)) == NULL) {
		verbosex("cannot decrypt: the originator key is not one of "
		    "our key's type");
		goto out;
	}
	eklen = enc_key(d, i, k, ek, sizeof(ek));
	if (eklen == 0 || !kari_derive(key, peer, &z, &zlen)) {
		verbosex("cannot decrypt: no shared secret with the "
		    "originator key (all zero: a point of small order)");
		goto out;
	}
	ok = kari_kek(&a, z, zlen, wrap, ukm != NULL ? ukm->data : NULL,
	    ukm != NULL ? (size_t)ukm->length : 0, kek, keklen) &&
	    kari_unwrap(wnid, kek, ek, eklen, got, &glen) && glen == klen;
	if (ok)
		memcpy(cek, got, klen);
	else
		verbosex("cannot decrypt: the content key does not unwrap, "
		    "or not to the cipher's key length");
out:
	OPENSSL_cleanse(kek, sizeof(kek));
	OPENSSL_cleanse(got, sizeof(got));
	OPENSSL_clear_free(z, zlen);
	EVP_PKEY_free(peer);
	X509_ALGOR_free(wrap);
	return ok;
}

/* Does a key agreement RecipientInfo for cert name an HKDF (RFC 8418
 * 2.2), which OpenSSL 3.0's EC path does not know? */
static int
names_hkdf(const struct cms_decrypt *d, X509 *cert)
{
	STACK_OF(CMS_RecipientInfo) *ris = CMS_get0_RecipientInfos(d->cms);
	STACK_OF(CMS_RecipientEncryptedKey) *reks;
	CMS_RecipientInfo *ri;
	X509_ALGOR *kea;
	ASN1_OCTET_STRING *ukm;
	struct kari_alg a;
	int i, k;

	for (i = 0; i < sk_CMS_RecipientInfo_num(ris); i++) {
		ri = sk_CMS_RecipientInfo_value(ris, i);
		if (CMS_RecipientInfo_type(ri) != CMS_RECIPINFO_AGREE)
			continue;
		reks = CMS_RecipientInfo_kari_get0_reks(ri);
		for (k = 0; k < sk_CMS_RecipientEncryptedKey_num(reks); k++)
			if (CMS_RecipientEncryptedKey_cert_cmp(
			    sk_CMS_RecipientEncryptedKey_value(reks, k),
			    cert) == 0 &&
			    CMS_RecipientInfo_kari_get0_alg(ri, &kea, &ukm) &&
			    kea != NULL && kari_alg_of(kea->algorithm, &a) &&
			    a.kdf == KARI_HKDF)
				return 1;
	}
	return 0;
}

/* Is ours the path for this key and cipher?  OpenSSL's stays for what
 * it does (RSA and EC with the X9.63 KDF, AES). */
static int
own_path(const struct cms_decrypt *d, EVP_PKEY *key, X509 *cert)
{
	int t = EVP_PKEY_get_base_id(key);

	return d->cnid == NID_chacha20_poly1305 || t == EVP_PKEY_X25519 ||
	    t == EVP_PKEY_X448 || (t == EVP_PKEY_EC && names_hkdf(d, cert));
}

/* The CEK for the RecipientInfo that names cert, then the content
 * cipher; d->broken stays set on any failure. */
static void
own_start(struct cms_decrypt *d, EVP_PKEY *key, X509 *cert)
{
	STACK_OF(CMS_RecipientInfo) *ris = CMS_get0_RecipientInfos(d->cms);
	STACK_OF(CMS_RecipientEncryptedKey) *reks;
	const EVP_CIPHER *c = EVP_get_cipherbynid(d->cnid);
	unsigned char cek[KARI_CEK_MAX];
	CMS_RecipientInfo *ri;
	size_t klen;
	int i, k, got = 0, aead = d->auth;

	if (c == NULL || (klen = (size_t)EVP_CIPHER_get_key_length(c)) == 0 ||
	    klen > sizeof(cek) ||
	    (!aead && EVP_CIPHER_get_iv_length(c) != d->ivlen))
		return;
	for (i = 0; i < sk_CMS_RecipientInfo_num(ris) && !got; i++) {
		ri = sk_CMS_RecipientInfo_value(ris, i);
		if (CMS_RecipientInfo_type(ri) == CMS_RECIPINFO_TRANS &&
		    CMS_RecipientInfo_ktri_cert_cmp(ri, cert) == 0) {
			own_ktri(d, i, ri, key, cek, klen);
			got = 1;
		} else if (CMS_RecipientInfo_type(ri) == CMS_RECIPINFO_AGREE) {
			reks = CMS_RecipientInfo_kari_get0_reks(ri);
			for (k = 0; k < sk_CMS_RecipientEncryptedKey_num(reks) &&
			    !got; k++)
				if (CMS_RecipientEncryptedKey_cert_cmp(
				    sk_CMS_RecipientEncryptedKey_value(reks, k),
				    cert) == 0)
					got = own_kari(d, i, k, ri, key, cek,
					    klen) ? 1 : -1;
		}
	}
	if (got == 1 && (d->own = EVP_CIPHER_CTX_new()) != NULL &&
	    EVP_DecryptInit_ex(d->own, c, NULL, NULL, NULL) &&
	    (!aead || EVP_CIPHER_CTX_ctrl(d->own, EVP_CTRL_AEAD_SET_IVLEN,
	    d->ivlen, NULL) > 0) &&
	    EVP_DecryptInit_ex(d->own, NULL, NULL, cek, d->iv))
		d->broken = 0;
	OPENSSL_cleanse(cek, sizeof(cek));
}

static void
own_update(struct cms_decrypt *d, const unsigned char *p, size_t n,
    int (*sink)(void *, const char *, size_t), void *arg)
{
	static unsigned char buf[IO_BUFSIZE + 64];
	size_t k;
	int out, err;

	while (!d->broken && n > 0) {
		k = n < IO_BUFSIZE ? n : IO_BUFSIZE;
		if (!EVP_DecryptUpdate(d->own, buf, &out, p, (int)k)) {
			d->broken = 1;
			break;
		}
		if (out > 0 && (err = sink(arg, (const char *)buf,
		    (size_t)out)) != 0)
			xdie(io_errclass(err), "cannot write the spool: %s",
			    strerror(err));
		p += k;
		n -= k;
	}
}

static int
own_end(struct cms_decrypt *d, const unsigned char *mac,
    int (*sink)(void *, const char *, size_t), void *arg)
{
	unsigned char buf[64];
	int out = 0, err;

	if (d->broken || (d->auth && (mac == NULL ||
	    EVP_CIPHER_CTX_ctrl(d->own, EVP_CTRL_AEAD_SET_TAG, 16,
	    (void *)mac) <= 0)) ||
	    EVP_DecryptFinal_ex(d->own, buf, &out) <= 0)
		return 0;
	if (out > 0 && (err = sink(arg, (const char *)buf, (size_t)out)) != 0)
		xdie(io_errclass(err), "cannot write the spool: %s",
		    strerror(err));
	return 1;
}

void
cms_decrypt_start(struct cms_decrypt *d, EVP_PKEY *key, X509 *cert,
    int legacy)
{
	EVP_CIPHER_CTX *ctx = NULL;

	d->broken = 1;
	if (own_path(d, key, cert)) {
		own_start(d, key, cert);
		goto out;
	}
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

	if (d->own != NULL) {
		own_update(d, p, n, sink, arg);
		ERR_clear_error();
		return;
	}
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

	if (d->own != NULL) {
		rc = own_end(d, mac, sink, arg);
		goto out;
	}
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
	EVP_CIPHER_CTX_free(d->own);
	free(d->der);
	CMS_ContentInfo_free(d->cms);
	free(d);
}
