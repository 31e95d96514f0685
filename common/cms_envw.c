/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * cms_envw: see cms_envw.h.
 *
 * OpenSSL 3.0's CMS_encrypt cannot add an X25519 or X448 recipient (its
 * key agreement is EC only) nor encrypt with ChaCha20-Poly1305 (it knows
 * no identifier for it), so a message that needs either is written here
 * (RFC 5652 6, RFC 5083), every recipient included; any other message
 * still goes through CMS_encrypt (cms_env.c).
 *
 * The BER streams: the RecipientInfos (definite lengths) first, then the
 * encryptedContent [0] IMPLICIT as a constructed OCTET STRING of
 * indefinite length, one primitive segment per slice of ciphertext, the
 * end-of-contents octets, and for AuthEnvelopedData the 16-byte mac (no
 * authAttrs: RFC 8103 3 and RFC 5083 leave them optional, and nothing
 * needs them).  Memory holds one slice.
 *
 * Recipients, each named by issuerAndSerialNumber (what CMS_encrypt
 * writes by default, and so for every other message we send):
 *  - RSA: KeyTransRecipientInfo, RSAES-PKCS1-v1_5, or with oaep
 *    RSAES-OAEP with SHA-256 and MGF1-SHA-256 (RFC 4055 4.1, RFC 8551
 *    2.3), as cms_env.c sets CMS_encrypt up;
 *  - EC: KeyAgreeRecipientInfo, dhSinglePass-stdDH-sha256kdf-scheme (RFC
 *    5753 7.1.4) and id-aes256-wrap, as cms_env.c sets CMS_encrypt up;
 *  - X25519, X448: KeyAgreeRecipientInfo, originatorKey {id-X25519 or
 *    id-X448, no parameters, the raw public key}, id-alg-hkdf-with-sha256
 *    (RFC 8418 2.2) with id-aes256-wrap (absent parameters).
 * The key agreement recipients of one key type (one curve) share one
 * ephemeral key, made for this message, in one KeyAgreeRecipientInfo with
 * a RecipientEncryptedKey each (RFC 5652 6.2.2 allows many).  No ukm: the
 * ephemeral key is fresh for every message, which is all the ukm would
 * add (RFC 8418 2: optional; RFC 5753 7.1.1 has it for static-static),
 * and OpenSSL's own EC writer sends none either.  The ECDH, the KDF and
 * the key wrap are kari.c's; only the structure is written here, with
 * libcrypto's encoders for its pieces (names, serials, algorithm
 * identifiers, OAEP parameters) and ASN1_put_object() for the headers.
 */
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "buf.h"
#include "cms.h"
#include "cms_envw.h"
#include "err.h"
#include "kari.h"

/* Ciphertext per primitive segment of the encryptedContent. */
#define ENVW_SLICE		16384

struct envw {
	EVP_CIPHER_CTX *ctx;
	int auth;		/* AuthEnvelopedData: a mac at the end */
	BIO *out;
};

/* A TLV (one identifier octet: every tag here is below 31) onto b. */
static void
tlv(struct buf *b, int constructed, int tag, int xclass, const void *p,
    size_t n)
{
	unsigned char hdr[8], *h = hdr;

	if (n > 0x7fffffff)
		xdie(ERR_SOFTWARE, "a CMS element too large to encode");
	ASN1_put_object(&h, constructed, (int)n, tag, xclass);
	buf_add(b, hdr, (size_t)(h - hdr));
	buf_add(b, p, n);
}

/* The DER that an i2d_TYPE(..., derp) call made onto b, freed; derp,
 * not its value: the arguments are evaluated in any order. */
static void
add_der(struct buf *b, int len, unsigned char **derp)
{
	if (len <= 0 || *derp == NULL)
		xdie_ssl(ERR_SOFTWARE, "cannot encode the CMS structure");
	buf_add(b, *derp, (size_t)len);
	OPENSSL_free(*derp);
	*derp = NULL;
}

static void
add_algor(struct buf *b, const X509_ALGOR *alg)
{
	unsigned char *der = NULL;

	add_der(b, i2d_X509_ALGOR(alg, &der), &der);
}

/* An algorithm identifier: oid, with param (a DER encoding) or none. */
static void
add_alg(struct buf *b, const ASN1_OBJECT *oid, const struct buf *param)
{
	unsigned char *der = NULL;
	struct buf a = { 0 };

	add_der(&a, i2d_ASN1_OBJECT(oid, &der), &der);
	if (param != NULL)
		buf_add(&a, param->p, param->n);
	tlv(b, 1, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, a.p, a.n);
	buf_free(&a);
}

/* IssuerAndSerialNumber (RFC 5652 10.2.4) of x. */
static void
add_ias(struct buf *b, X509 *x)
{
	unsigned char *der = NULL;
	struct buf s = { 0 };

	add_der(&s, i2d_X509_NAME(X509_get_issuer_name(x), &der), &der);
	add_der(&s, i2d_ASN1_INTEGER(X509_get_serialNumber(x), &der), &der);
	tlv(b, 1, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, s.p, s.n);
	buf_free(&s);
}

static void
add_version(struct buf *b, int v)
{
	unsigned char n = (unsigned char)v;

	tlv(b, 0, V_ASN1_INTEGER, V_ASN1_UNIVERSAL, &n, 1);
}

/* RSAES-OAEP-params with SHA-256 and MGF1-SHA-256 (RFC 4055 4.1). */
static X509_ALGOR *
oaep_alg(void)
{
	RSA_OAEP_PARAMS *op = RSA_OAEP_PARAMS_new();
	X509_ALGOR *sha = X509_ALGOR_new(), *alg = X509_ALGOR_new();
	ASN1_STRING *mgfp = ASN1_STRING_new(), *opp = ASN1_STRING_new();
	unsigned char *der = NULL;
	int n;

	if (op == NULL || sha == NULL || alg == NULL || mgfp == NULL ||
	    opp == NULL || (op->hashFunc = X509_ALGOR_new()) == NULL ||
	    (op->maskGenFunc = X509_ALGOR_new()) == NULL)
		xdie(ERR_TEMP, "out of memory");
	X509_ALGOR_set_md(op->hashFunc, EVP_sha256());
	X509_ALGOR_set_md(sha, EVP_sha256());
	if ((n = i2d_X509_ALGOR(sha, &der)) <= 0 ||
	    !ASN1_STRING_set(mgfp, der, n) ||
	    !X509_ALGOR_set0(op->maskGenFunc, OBJ_nid2obj(NID_mgf1),
	    V_ASN1_SEQUENCE, mgfp))
		xdie_ssl(ERR_SOFTWARE, "cannot encode RSA-OAEP parameters");
	OPENSSL_free(der);
	der = NULL;
	if ((n = i2d_RSA_OAEP_PARAMS(op, &der)) <= 0 ||
	    !ASN1_STRING_set(opp, der, n) ||
	    !X509_ALGOR_set0(alg, OBJ_nid2obj(NID_rsaesOaep),
	    V_ASN1_SEQUENCE, opp))
		xdie_ssl(ERR_SOFTWARE, "cannot encode RSA-OAEP parameters");
	OPENSSL_free(der);
	X509_ALGOR_free(sha);
	RSA_OAEP_PARAMS_free(op);
	return alg;
}

/* A KeyTransRecipientInfo for the RSA key of x (recipient number i). */
static void
add_ktri(struct buf *ris, X509 *x, int i, const unsigned char *cek,
    size_t ceklen, int oaep)
{
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(X509_get0_pubkey(x), NULL);
	unsigned char *ek = NULL;
	struct buf ri = { 0 };
	X509_ALGOR *alg;
	size_t eklen = 0;

	if (pctx == NULL || EVP_PKEY_encrypt_init(pctx) <= 0 ||
	    (oaep && !cms_oaep_sha256(pctx)) ||
	    (!oaep && EVP_PKEY_CTX_set_rsa_padding(pctx,
	    RSA_PKCS1_PADDING) <= 0) ||
	    EVP_PKEY_encrypt(pctx, NULL, &eklen, cek, ceklen) <= 0 ||
	    (ek = OPENSSL_malloc(eklen)) == NULL ||
	    EVP_PKEY_encrypt(pctx, ek, &eklen, cek, ceklen) <= 0)
		xdie_ssl(ERR_NOUSER, "cannot encrypt to the key of recipient "
		    "%d", i + 1);
	add_version(&ri, 0);
	add_ias(&ri, x);
	if (oaep)
		alg = oaep_alg();
	else if ((alg = X509_ALGOR_new()) == NULL ||
	    !X509_ALGOR_set0(alg, OBJ_nid2obj(NID_rsaEncryption),
	    V_ASN1_NULL, NULL))
		xdie(ERR_TEMP, "out of memory");
	add_algor(&ri, alg);
	tlv(&ri, 0, V_ASN1_OCTET_STRING, V_ASN1_UNIVERSAL, ek, eklen);
	tlv(ris, 1, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, ri.p, ri.n);
	X509_ALGOR_free(alg);
	OPENSSL_free(ek);
	EVP_PKEY_CTX_free(pctx);
	buf_free(&ri);
}

static int
is_xdh(int id)
{
	return id == EVP_PKEY_X25519 || id == EVP_PKEY_X448;
}

/* The key type of x's public key; 0 if it has none we can read. */
static int
key_id(X509 *x)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);

	ERR_clear_error();
	return pk != NULL ? EVP_PKEY_get_base_id(pk) : 0;
}

/* Do a and b go in one KeyAgreeRecipientInfo (one ephemeral key)? */
static int
same_group(EVP_PKEY *a, EVP_PKEY *b)
{
	int id = EVP_PKEY_get_base_id(a);

	if (id != EVP_PKEY_get_base_id(b))
		return 0;
	return is_xdh(id) || (id == EVP_PKEY_EC &&
	    EVP_PKEY_parameters_eq(a, b) == 1);
}

/* originator [0] { originatorKey [1] { algorithm, publicKey } }. */
static void
add_originator(struct buf *b, EVP_PKEY *eph)
{
	int id = EVP_PKEY_get_base_id(eph);
	unsigned char *pub = NULL, unused = 0;
	struct buf k = { 0 }, o = { 0 };
	size_t n;

	/* RFC 8418 2: id-X25519 / id-X448, parameters absent; RFC 5753
	 * 7.1.1: id-ecPublicKey, parameters absent (or NULL). */
	add_alg(&k, OBJ_nid2obj(id == EVP_PKEY_EC ? NID_X9_62_id_ecPublicKey :
	    id), NULL);
	n = EVP_PKEY_get1_encoded_public_key(eph, &pub);
	if (n == 0 || pub == NULL)
		xdie_ssl(ERR_SOFTWARE, "cannot encode the ephemeral key");
	/* A BIT STRING: its first octet, 0 unused bits, then the key. */
	buf_add(&o, &unused, 1);
	buf_add(&o, pub, n);
	tlv(&k, 0, V_ASN1_BIT_STRING, V_ASN1_UNIVERSAL, o.p, o.n);
	o.n = 0;
	tlv(&o, 1, 1, V_ASN1_CONTEXT_SPECIFIC, k.p, k.n);
	tlv(b, 1, 0, V_ASN1_CONTEXT_SPECIFIC, o.p, o.n);
	OPENSSL_free(pub);
	buf_free(&k);
	buf_free(&o);
}

/* One RecipientEncryptedKey: the CEK wrapped for peer (of x). */
static void
add_rek(struct buf *reks, X509 *x, int i, EVP_PKEY *eph,
    const struct kari_alg *a, const X509_ALGOR *wrap,
    const unsigned char *cek, size_t ceklen)
{
	unsigned char *z = NULL, kek[32], wrapped[KARI_CEK_MAX + 8];
	struct buf r = { 0 };
	size_t zlen = 0, wlen = 0;

	if (!kari_derive(eph, X509_get0_pubkey(x), &z, &zlen) ||
	    !kari_kek(a, z, zlen, wrap, NULL, 0, kek, sizeof(kek)) ||
	    !kari_wrap(NID_id_aes256_wrap, kek, cek, ceklen, wrapped, &wlen))
		xdie_ssl(ERR_NOUSER, "cannot encrypt to the key of recipient "
		    "%d", i + 1);
	OPENSSL_clear_free(z, zlen);
	OPENSSL_cleanse(kek, sizeof(kek));
	add_ias(&r, x);
	tlv(&r, 0, V_ASN1_OCTET_STRING, V_ASN1_UNIVERSAL, wrapped, wlen);
	tlv(reks, 1, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, r.p, r.n);
	buf_free(&r);
}

/*
 * One KeyAgreeRecipientInfo (RFC 5652 6.2.2) for recipient i and every
 * later one of its group, marked in done.
 */
static void
add_kari(struct buf *ris, STACK_OF(X509) *recips, int i, char *done,
    const unsigned char *cek, size_t ceklen)
{
	EVP_PKEY *peer = X509_get0_pubkey(sk_X509_value(recips, i));
	EVP_PKEY_CTX *kctx = EVP_PKEY_CTX_new(peer, NULL);
	struct kari_alg a = { 0 };
	struct buf ri = { 0 }, reks = { 0 }, wp = { 0 };
	X509_ALGOR *wrap = X509_ALGOR_new();
	ASN1_OBJECT *kea;
	EVP_PKEY *eph = NULL;
	int j;

	a.kdf = is_xdh(EVP_PKEY_get_base_id(peer)) ? KARI_HKDF : KARI_X963;
	a.md = EVP_sha256();
	if (kctx == NULL || EVP_PKEY_keygen_init(kctx) <= 0 ||
	    EVP_PKEY_keygen(kctx, &eph) <= 0)
		xdie_ssl(ERR_NOUSER, "cannot encrypt to the key of recipient "
		    "%d", i + 1);
	if (wrap == NULL || !X509_ALGOR_set0(wrap,
	    OBJ_nid2obj(NID_id_aes256_wrap), V_ASN1_UNDEF, NULL) ||
	    (kea = kari_alg_obj(a.kdf, a.md)) == NULL)
		xdie_ssl(ERR_SOFTWARE, "cannot encode the key agreement");
	for (j = i; j < sk_X509_num(recips); j++) {
		if (done[j] || key_id(sk_X509_value(recips, j)) == 0 ||
		    !same_group(peer, X509_get0_pubkey(sk_X509_value(recips,
		    j))))
			continue;
		add_rek(&reks, sk_X509_value(recips, j), j, eph, &a, wrap,
		    cek, ceklen);
		done[j] = 1;
	}
	add_version(&ri, 3);
	add_originator(&ri, eph);
	add_algor(&wp, wrap);
	add_alg(&ri, kea, &wp);
	tlv(&ri, 1, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, reks.p, reks.n);
	/* kari [1] IMPLICIT KeyAgreeRecipientInfo */
	tlv(ris, 1, 1, V_ASN1_CONTEXT_SPECIFIC, ri.p, ri.n);
	ASN1_OBJECT_free(kea);
	X509_ALGOR_free(wrap);
	EVP_PKEY_free(eph);
	EVP_PKEY_CTX_free(kctx);
	buf_free(&ri);
	buf_free(&reks);
	buf_free(&wp);
}

/* The RecipientInfos SET; *kari says whether one is a kari. */
static void
add_recipients(struct buf *b, STACK_OF(X509) *recips,
    const unsigned char *cek, size_t ceklen, int oaep, int *kari)
{
	int i, n = sk_X509_num(recips), id;
	char *done = xcalloc((size_t)n + 1, 1);
	struct buf ris = { 0 };

	*kari = 0;
	for (i = 0; i < n; i++) {
		if (done[i])
			continue;
		id = key_id(sk_X509_value(recips, i));
		if (id == EVP_PKEY_RSA) {
			add_ktri(&ris, sk_X509_value(recips, i), i, cek, ceklen,
			    oaep);
			done[i] = 1;
		} else if (id == EVP_PKEY_EC || is_xdh(id)) {
			add_kari(&ris, recips, i, done, cek, ceklen);
			*kari = 1;
		} else
			xdie(ERR_NOUSER, "cannot encrypt to the key of "
			    "recipient %d", i + 1);
	}
	tlv(b, 1, V_ASN1_SET, V_ASN1_UNIVERSAL, ris.p, ris.n);
	free(done);
	buf_free(&ris);
}

/*
 * The contentEncryptionAlgorithm: AES-CBC with its IV (RFC 3565 4.1),
 * AES-GCM with GCMParameters {nonce, 16} (RFC 5084 3.2: the ICV length
 * written out, its default is 12), ChaCha20-Poly1305 with the nonce as
 * an OCTET STRING (RFC 8103 4).
 */
static void
add_content_alg(struct buf *b, const EVP_CIPHER *c, const unsigned char *iv,
    size_t ivlen)
{
	int nid = EVP_CIPHER_get_nid(c);
	struct buf p = { 0 }, g = { 0 };
	ASN1_OBJECT *oid;
	unsigned char icv = 16;

	tlv(&p, 0, V_ASN1_OCTET_STRING, V_ASN1_UNIVERSAL, iv, ivlen);
	if (EVP_CIPHER_get_mode(c) == EVP_CIPH_GCM_MODE) {
		tlv(&p, 0, V_ASN1_INTEGER, V_ASN1_UNIVERSAL, &icv, 1);
		tlv(&g, 1, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, p.p, p.n);
		p.n = 0;
		buf_add(&p, g.p, g.n);
	}
	if ((oid = cms_cipher_obj(nid)) == NULL)
		xdie_ssl(ERR_SOFTWARE, "cannot encode the cipher");
	add_alg(b, oid, &p);
	ASN1_OBJECT_free(oid);
	buf_free(&p);
	buf_free(&g);
}

static int
put(BIO *out, const void *p, size_t n)
{
	return n == 0 || BIO_write(out, p, (int)n) == (int)n;
}

/* The end-of-contents octets of k indefinite-length elements. */
static int
put_eocs(BIO *out, int k)
{
	static const unsigned char zeros[16];

	return put(out, zeros, (size_t)k * 2);
}

static const EVP_CIPHER *
cipher_of(const char *name)
{
	static const char *const names[] = {
		"aes-128-cbc", "aes-192-cbc", "aes-256-cbc", "aes-128-gcm",
		"aes-192-gcm", "aes-256-gcm", "chacha20-poly1305"
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return EVP_get_cipherbyname(name);
	return NULL;
}

int
envw_needed(STACK_OF(X509) *recips, const char *cipher)
{
	int i;

	if (strcmp(cipher, "chacha20-poly1305") == 0)
		return 1;
	for (i = 0; i < sk_X509_num(recips); i++)
		if (is_xdh(key_id(sk_X509_value(recips, i))))
			return 1;
	return 0;
}

struct envw *
envw_begin(STACK_OF(X509) *recips, const char *cipher, int oaep, BIO *out)
{
	const EVP_CIPHER *c = cipher_of(cipher);
	unsigned char cek[32], iv[16], *der = NULL;
	struct buf h = { 0 }, eci = { 0 };
	struct envw *e;
	size_t ceklen, ivlen;
	int kari, ok;

	if (c == NULL)
		xdie(ERR_USAGE, "unknown cipher '%s'", cipher);
	e = xcalloc(1, sizeof(*e));
	e->out = out;
	e->auth = (EVP_CIPHER_get_flags(c) & EVP_CIPH_FLAG_AEAD_CIPHER) != 0;
	ceklen = (size_t)EVP_CIPHER_get_key_length(c);
	/* RFC 5084 3.2, RFC 8103 4: a 12-byte nonce; CBC: the block. */
	ivlen = e->auth ? 12 : (size_t)EVP_CIPHER_get_iv_length(c);
	if (ceklen > sizeof(cek) || ivlen > sizeof(iv) ||
	    RAND_priv_bytes(cek, (int)ceklen) <= 0 ||
	    RAND_bytes(iv, (int)ivlen) <= 0)
		xdie_ssl(ERR_TEMP, "cannot make a content-encryption key");
	if ((e->ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    !EVP_EncryptInit_ex(e->ctx, c, NULL, NULL, NULL) ||
	    (e->auth && EVP_CIPHER_CTX_ctrl(e->ctx, EVP_CTRL_AEAD_SET_IVLEN,
	    (int)ivlen, NULL) <= 0) ||
	    !EVP_EncryptInit_ex(e->ctx, NULL, NULL, cek, iv))
		xdie_ssl(ERR_SOFTWARE, "cannot start encrypting");

	/* ContentInfo, [0], (Auth)EnvelopedData: indefinite lengths. */
	buf_add(&h, "\x30\x80", 2);
	add_der(&h, i2d_ASN1_OBJECT(OBJ_nid2obj(e->auth ?
	    NID_id_smime_ct_authEnvelopedData : NID_pkcs7_enveloped), &der),
	    &der);
	buf_add(&h, "\xa0\x80\x30\x80", 4);
	add_recipients(&eci, recips, cek, ceklen, oaep, &kari);
	OPENSSL_cleanse(cek, sizeof(cek));
	/* RFC 5652 6.1: 2 with a kari (a version 3 RecipientInfo), else 0;
	 * RFC 5083 2.1: AuthEnvelopedData is always 0. */
	add_version(&h, !e->auth && kari ? 2 : 0);
	buf_add(&h, eci.p, eci.n);
	/* EncryptedContentInfo: id-data, the algorithm, [0] IMPLICIT. */
	buf_add(&h, "\x30\x80", 2);
	add_der(&h, i2d_ASN1_OBJECT(OBJ_nid2obj(NID_pkcs7_data), &der), &der);
	add_content_alg(&h, c, iv, ivlen);
	buf_add(&h, "\xa0\x80", 2);
	ok = put(out, h.p, h.n);
	buf_free(&h);
	buf_free(&eci);
	if (!ok) {
		EVP_CIPHER_CTX_free(e->ctx);
		free(e);
		return NULL;
	}
	return e;
}

/* One primitive OCTET STRING segment of ciphertext. */
static int
put_segment(BIO *out, const unsigned char *p, size_t n)
{
	unsigned char hdr[8], *h = hdr;

	if (n == 0)
		return 1;
	ASN1_put_object(&h, 0, (int)n, V_ASN1_OCTET_STRING, V_ASN1_UNIVERSAL);
	return put(out, hdr, (size_t)(h - hdr)) && put(out, p, n);
}

int
envw_write(struct envw *e, const void *p, size_t n)
{
	static unsigned char ct[ENVW_SLICE + EVP_MAX_BLOCK_LENGTH];
	const unsigned char *in = p;
	size_t k;
	int len;

	while (n > 0) {
		k = n < ENVW_SLICE ? n : ENVW_SLICE;
		if (!EVP_EncryptUpdate(e->ctx, ct, &len, in, (int)k))
			xdie_ssl(ERR_SOFTWARE, "cannot encrypt the content");
		if (!put_segment(e->out, ct, (size_t)len))
			return 0;
		in += k;
		n -= k;
	}
	return 1;
}

int
envw_end(struct envw *e)
{
	unsigned char ct[EVP_MAX_BLOCK_LENGTH], tag[16], mac[2 + 16];
	int len, ok;

	if (!EVP_EncryptFinal_ex(e->ctx, ct, &len) || (e->auth &&
	    EVP_CIPHER_CTX_ctrl(e->ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag) <= 0))
		xdie_ssl(ERR_SOFTWARE, "cannot encrypt the content");
	/* The last segment, the ends of [0] and EncryptedContentInfo. */
	ok = put_segment(e->out, ct, (size_t)len) && put_eocs(e->out, 2);
	if (ok && e->auth) {
		/* mac MessageAuthenticationCode (OCTET STRING), RFC 5083. */
		mac[0] = V_ASN1_OCTET_STRING;
		mac[1] = 16;
		memcpy(mac + 2, tag, 16);
		ok = put(e->out, mac, sizeof(mac));
	}
	/* (Auth)EnvelopedData, [0], ContentInfo. */
	ok = ok && put_eocs(e->out, 3);
	EVP_CIPHER_CTX_free(e->ctx);
	free(e);
	return ok;
}
