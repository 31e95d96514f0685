/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * kari: key agreement for KeyAgreeRecipientInfo (see kari.h).
 *
 * OpenSSL 3.0 has every primitive (X25519/X448 and ECDH through
 * EVP_PKEY_derive, the "X963KDF" and "HKDF" EVP_KDFs, the aes-*-wrap
 * ciphers); what its CMS lacks is the glue for X25519/X448 and the
 * HKDF identifiers of RFC 8418, so the glue is all that is here: the
 * identifiers, the DER of ECC-CMS-SharedInfo (RFC 5753 7.2), and the
 * checks RFC 7748 6 and RFC 3565 ask for.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/objects.h>

#include "ber.h"
#include "kari.h"

/* RFC 8418 2.2: dhSinglePass-stdDH-hkdf-sha{256,384,512}-scheme, which
 * OpenSSL 3.0 has no NID for. */
static const struct {
	const char *oid;
	const char *md;
} hkdf_oids[] = {
	{ "1.2.840.113549.1.9.16.3.19", "SHA256" },
	{ "1.2.840.113549.1.9.16.3.20", "SHA384" },
	{ "1.2.840.113549.1.9.16.3.21", "SHA512" },
};

static const struct {
	int nid;
	int md;
} x963_nids[] = {
	{ NID_dhSinglePass_stdDH_sha1kdf_scheme, NID_sha1 },
	{ NID_dhSinglePass_stdDH_sha224kdf_scheme, NID_sha224 },
	{ NID_dhSinglePass_stdDH_sha256kdf_scheme, NID_sha256 },
	{ NID_dhSinglePass_stdDH_sha384kdf_scheme, NID_sha384 },
	{ NID_dhSinglePass_stdDH_sha512kdf_scheme, NID_sha512 },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

int
kari_alg_of(const ASN1_OBJECT *kea, struct kari_alg *a)
{
	ASN1_OBJECT *o;
	size_t i;
	int nid, same;

	memset(a, 0, sizeof(*a));
	if (kea == NULL)
		return 0;
	nid = OBJ_obj2nid(kea);
	for (i = 0; i < NELEM(x963_nids); i++)
		if (nid != NID_undef && x963_nids[i].nid == nid) {
			a->kdf = KARI_X963;
			a->md = EVP_get_digestbynid(x963_nids[i].md);
			a->nid_or_0 = nid;
			return a->md != NULL;
		}
	for (i = 0; i < NELEM(hkdf_oids); i++) {
		if ((o = OBJ_txt2obj(hkdf_oids[i].oid, 1)) == NULL)
			return 0;
		same = OBJ_cmp(o, kea) == 0;
		ASN1_OBJECT_free(o);
		if (same) {
			a->kdf = KARI_HKDF;
			a->md = EVP_get_digestbyname(hkdf_oids[i].md);
			return a->md != NULL;
		}
	}
	return 0;
}

ASN1_OBJECT *
kari_alg_obj(enum kari_kdf kdf, const EVP_MD *md)
{
	size_t i;
	int mdnid;

	if (md == NULL)
		return NULL;
	mdnid = EVP_MD_get_type(md);
	if (kdf == KARI_X963) {
		for (i = 0; i < NELEM(x963_nids); i++)
			if (x963_nids[i].md == mdnid)
				return OBJ_dup(OBJ_nid2obj(x963_nids[i].nid));
	} else if (kdf == KARI_HKDF) {
		for (i = 0; i < NELEM(hkdf_oids); i++)
			if (EVP_MD_is_a(md, hkdf_oids[i].md))
				return OBJ_txt2obj(hkdf_oids[i].oid, 1);
	}
	return NULL;
}

int
kari_derive(EVP_PKEY *priv, EVP_PKEY *peer, unsigned char **z,
    size_t *zlen)
{
	EVP_PKEY_CTX *ctx = NULL;
	unsigned char *s = NULL, acc = 0;
	size_t n = 0, i;
	int ok = 0;

	*z = NULL;
	*zlen = 0;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL)) == NULL ||
	    EVP_PKEY_derive_init(ctx) <= 0 ||
	    EVP_PKEY_derive_set_peer(ctx, peer) <= 0 ||
	    EVP_PKEY_derive(ctx, NULL, &n) <= 0 || n == 0 || n > 1024 ||
	    (s = OPENSSL_malloc(n)) == NULL ||
	    EVP_PKEY_derive(ctx, s, &n) <= 0)
		goto out;
	/* RFC 7748 6: a peer key of small order gives all zeros, which
	 * anyone can compute; checked without an early exit. */
	for (i = 0; i < n; i++)
		acc |= s[i];
	if (acc == 0)
		goto out;
	*z = s;
	*zlen = n;
	s = NULL;
	ok = 1;
out:
	OPENSSL_clear_free(s, n);
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

/*
 * ECC-CMS-SharedInfo ::= SEQUENCE {
 *     keyInfo         AlgorithmIdentifier,
 *     entityUInfo [0] EXPLICIT OCTET STRING OPTIONAL,
 *     suppPubInfo [2] EXPLICIT OCTET STRING }
 * into out (at least 64 + KARI_UKM_MAX bytes); its length, 0 on error.
 */
#define SHARED_MAX (64 + KARI_UKM_MAX + 16)
static size_t
shared_info(const X509_ALGOR *wrap, const unsigned char *ukm, size_t ukmlen,
    size_t keklen, unsigned char *out)
{
	unsigned char body[SHARED_MAX], *p = body;
	size_t n = 0, h;
	int k;

	if (ukmlen > KARI_UKM_MAX ||
	    (k = i2d_X509_ALGOR(wrap, NULL)) <= 0 || k > 48)
		return 0;
	k = i2d_X509_ALGOR(wrap, &p);
	n = (size_t)k;
	if (ukm != NULL) {
		body[n++] = 0xa0;
		h = ukmlen < 0x80 ? 1 : ukmlen < 0x100 ? 2 : 3;
		n += ber_der_len(body + n, ukmlen + 1 + h);
		body[n++] = 0x04;
		n += ber_der_len(body + n, ukmlen);
		memcpy(body + n, ukm, ukmlen);
		n += ukmlen;
	}
	body[n++] = 0xa2;
	body[n++] = 6;
	body[n++] = 0x04;
	body[n++] = 4;
	body[n++] = (unsigned char)(keklen * 8 >> 24);
	body[n++] = (unsigned char)(keklen * 8 >> 16);
	body[n++] = (unsigned char)(keklen * 8 >> 8);
	body[n++] = (unsigned char)(keklen * 8);
	out[0] = 0x30;
	h = 1 + ber_der_len(out + 1, n);
	memcpy(out + h, body, n);
	return h + n;
}

int
kari_kek(const struct kari_alg *a, const unsigned char *z, size_t zlen,
    const X509_ALGOR *wrap, const unsigned char *ukm, size_t ukmlen,
    unsigned char *kek, size_t keklen)
{
	unsigned char info[SHARED_MAX + 8];
	OSSL_PARAM params[4];
	EVP_KDF_CTX *kctx = NULL;
	EVP_KDF *kdf = NULL;
	size_t infolen;
	int ok = 0;

	if (a == NULL || a->md == NULL ||
	    (keklen != 16 && keklen != 24 && keklen != 32) ||
	    (infolen = shared_info(wrap, ukm, ukmlen, keklen, info)) == 0)
		return 0;
	kdf = EVP_KDF_fetch(NULL, a->kdf == KARI_HKDF ? "HKDF" : "X963KDF",
	    NULL);
	if (kdf == NULL || (kctx = EVP_KDF_CTX_new(kdf)) == NULL)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)EVP_MD_get0_name(a->md), 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)z, zlen);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    info, infolen);
	params[3] = OSSL_PARAM_construct_end();
	ok = EVP_KDF_derive(kctx, kek, keklen, params) > 0;
out:
	OPENSSL_cleanse(info, sizeof(info));
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	ERR_clear_error();
	return ok;
}

int
kari_wrap_alg(const X509_ALGOR *wrap, int *nid, size_t *keklen)
{
	int ptype;

	if (wrap == NULL)
		return 0;
	X509_ALGOR_get0(NULL, &ptype, NULL, wrap);
	*nid = OBJ_obj2nid(wrap->algorithm);
	switch (*nid) {
	case NID_id_aes128_wrap:
		*keklen = 16;
		break;
	case NID_id_aes192_wrap:
		*keklen = 24;
		break;
	case NID_id_aes256_wrap:
		*keklen = 32;
		break;
	default:
		return 0;
	}
	/* RFC 3565 2.3.2: the parameters are absent. */
	return ptype == V_ASN1_UNDEF;
}

/* The wrap cipher's context for kek, or NULL. */
static EVP_CIPHER_CTX *
wrap_ctx(int wrap_nid, const unsigned char *kek, int enc)
{
	const EVP_CIPHER *c = NULL;
	EVP_CIPHER_CTX *ctx;

	if (wrap_nid == NID_id_aes128_wrap || wrap_nid == NID_id_aes192_wrap ||
	    wrap_nid == NID_id_aes256_wrap)
		c = EVP_get_cipherbynid(wrap_nid);
	if (c == NULL || (ctx = EVP_CIPHER_CTX_new()) == NULL)
		return NULL;
	EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	if (!EVP_CipherInit_ex(ctx, c, NULL, kek, NULL, enc)) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int
kari_wrap(int wrap_nid, const unsigned char *kek, const unsigned char *cek,
    size_t ceklen, unsigned char *out, size_t *outlen)
{
	EVP_CIPHER_CTX *ctx;
	int n = 0, m = 0, ok = 0;

	*outlen = 0;
	if (ceklen < 16 || ceklen > KARI_CEK_MAX || ceklen % 8 != 0 ||
	    (ctx = wrap_ctx(wrap_nid, kek, 1)) == NULL)
		goto out;
	if (EVP_CipherUpdate(ctx, out, &n, cek, (int)ceklen) &&
	    EVP_CipherFinal_ex(ctx, out + n, &m) &&
	    (size_t)(n + m) == ceklen + 8) {
		*outlen = ceklen + 8;
		ok = 1;
	}
	EVP_CIPHER_CTX_free(ctx);
out:
	ERR_clear_error();
	return ok;
}

int
kari_unwrap(int wrap_nid, const unsigned char *kek, const unsigned char *in,
    size_t inlen, unsigned char *cek, size_t *ceklen)
{
	unsigned char buf[KARI_CEK_MAX + 16];
	EVP_CIPHER_CTX *ctx;
	int n = 0, m = 0, ok = 0;

	*ceklen = 0;
	if (inlen < 24 || inlen > KARI_CEK_MAX + 8 || inlen % 8 != 0 ||
	    (ctx = wrap_ctx(wrap_nid, kek, 0)) == NULL)
		goto out;
	if (EVP_CipherUpdate(ctx, buf, &n, in, (int)inlen) &&
	    EVP_CipherFinal_ex(ctx, buf + n, &m) &&
	    (size_t)(n + m) == inlen - 8) {
		memcpy(cek, buf, inlen - 8);
		*ceklen = inlen - 8;
		ok = 1;
	}
	EVP_CIPHER_CTX_free(ctx);
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	ERR_clear_error();
	return ok;
}
