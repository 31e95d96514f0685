/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * kari_test: the key agreement of kari.h on known answers: RFC 7748 5.2
 * and 6.2 (X25519, X448), low-order points (RFC 7748 6), P-256 both
 * ways, the wrap algorithm's form (RFC 3565), RFC 3394 4.1 and 4.6
 * (AES key wrap) and a wrap that fails its check, the identifiers both
 * ways, and the two X25519 recipients of the LAMPS examples (RFC 9216's
 * Dana; draft-ireland-examples-cms): HKDF-SHA256 with AES-256 wrap under
 * AES-128-GCM, and stdDH-sha256kdf with AES-128 wrap under AES-128-CBC,
 * each carried through to the 28 bytes of sample content.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/objects.h>

#include "kari.h"
#include "tap.h"

static size_t
unhex(const char *h, unsigned char *out)
{
	size_t n = 0;
	unsigned v;

	while (h[0] != '\0' && h[1] != '\0' && sscanf(h, "%2x", &v) == 1) {
		out[n++] = (unsigned char)v;
		h += 2;
	}
	return n;
}

static EVP_PKEY *
x25519(const char *hex, int priv)
{
	unsigned char k[32];

	if (unhex(hex, k) != 32)
		abort();
	return priv ? EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, k,
	    32) : EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, k, 32);
}

static void
t_derive(void)
{
	EVP_PKEY *a = x25519("77076d0a7318a57d3c16c17251b26645df4c2f87ebc099"
	    "2ab177fba51db92c2a", 1);
	EVP_PKEY *b = x25519("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b7867"
	    "4dadfc7e146f882b4f", 0);
	EVP_PKEY *zero = x25519("00000000000000000000000000000000000000000000"
	    "00000000000000000000", 0);
	EVP_PKEY *one = x25519("0100000000000000000000000000000000000000000000"
	    "000000000000000000", 0);
	unsigned char want[32], *z;
	size_t zlen;

	unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e16"
	    "1742", want);
	tap_ok(kari_derive(a, b, &z, &zlen) && zlen == 32 &&
	    memcmp(z, want, 32) == 0, "X25519: RFC 7748 5.2's shared secret");
	OPENSSL_clear_free(z, zlen);
	tap_ok(!kari_derive(a, zero, &z, &zlen) && z == NULL,
	    "X25519: the zero point is refused (all-zero secret)");
	tap_ok(!kari_derive(a, one, &z, &zlen) && z == NULL,
	    "X25519: u=1 (small order) is refused");
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
	EVP_PKEY_free(zero);
	EVP_PKEY_free(one);
}

static EVP_PKEY *
x448(const char *hex, int priv)
{
	unsigned char k[56];

	if (unhex(hex, k) != 56)
		abort();
	return priv ? EVP_PKEY_new_raw_private_key(EVP_PKEY_X448, NULL, k,
	    56) : EVP_PKEY_new_raw_public_key(EVP_PKEY_X448, NULL, k, 56);
}

static void
t_derive448_ec(void)
{
	EVP_PKEY *a = x448("9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565"
	    "d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b",
	    1);
	EVP_PKEY *b = x448("3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4"
	    "f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609",
	    0);
	EVP_PKEY *zero = x448("0000000000000000000000000000000000000000000000"
	    "0000000000000000000000000000000000000000000000000000000000000000"
	    "00", 0);
	EVP_PKEY *e1 = EVP_EC_gen("P-256"), *e2 = EVP_EC_gen("P-256");
	unsigned char want[56], *z, *z2;
	size_t zlen, z2len;

	unhex("07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c"
	    "0b56fd2464c335543936521c24403085d59a449a5037514a879d", want);
	tap_ok(kari_derive(a, b, &z, &zlen) && zlen == 56 &&
	    memcmp(z, want, 56) == 0, "X448: RFC 7748 6.2's shared secret");
	OPENSSL_clear_free(z, zlen);
	tap_ok(!kari_derive(a, zero, &z, &zlen) && z == NULL,
	    "X448: the zero point is refused");
	tap_ok(e1 != NULL && e2 != NULL && kari_derive(e1, e2, &z, &zlen) &&
	    kari_derive(e2, e1, &z2, &z2len) && zlen == 32 &&
	    z2len == 32 && memcmp(z, z2, 32) == 0,
	    "P-256: both sides derive the same Z");
	OPENSSL_clear_free(z, zlen);
	OPENSSL_clear_free(z2, z2len);
	tap_ok(!kari_derive(a, e1, &z, &zlen) && z == NULL,
	    "keys of two types are refused");
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
	EVP_PKEY_free(zero);
	EVP_PKEY_free(e1);
	EVP_PKEY_free(e2);
}

static void
t_wrap_alg(void)
{
	X509_ALGOR *w = X509_ALGOR_new();
	size_t kl = 0;
	int nid = 0, ok;

	X509_ALGOR_set0(w, OBJ_nid2obj(NID_id_aes192_wrap), V_ASN1_UNDEF,
	    NULL);
	ok = kari_wrap_alg(w, &nid, &kl) && nid == NID_id_aes192_wrap &&
	    kl == 24;
	X509_ALGOR_set0(w, OBJ_nid2obj(NID_id_aes192_wrap), V_ASN1_NULL,
	    NULL);
	ok = ok && !kari_wrap_alg(w, &nid, &kl);
	X509_ALGOR_set0(w, OBJ_nid2obj(NID_aes_128_cbc), V_ASN1_UNDEF, NULL);
	tap_ok(ok && !kari_wrap_alg(w, &nid, &kl),
	    "the wrap algorithm: AES wrap with absent parameters only");
	X509_ALGOR_free(w);
}

static void
t_wrap(void)
{
	unsigned char kek[32], cek[64], want[72], out[72], back[64];
	size_t n, m;

	unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d"
	    "1e1f", kek);
	unhex("00112233445566778899aabbccddeeff000102030405060708090a0b0c0d"
	    "0e0f", cek);
	unhex("1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5", want);
	tap_ok(kari_wrap(NID_id_aes128_wrap, kek, cek, 16, out, &n) &&
	    n == 24 && memcmp(out, want, 24) == 0, "RFC 3394 4.1 wrap");
	tap_ok(kari_unwrap(NID_id_aes128_wrap, kek, out, 24, back, &m) &&
	    m == 16 && memcmp(back, cek, 16) == 0, "RFC 3394 4.1 unwrap");
	out[5] ^= 1;
	tap_ok(!kari_unwrap(NID_id_aes128_wrap, kek, out, 24, back, &m) &&
	    m == 0, "a flipped bit fails the integrity check");
	unhex("28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f4"
	    "3bfb988b9b7a02dd21", want);
	tap_ok(kari_wrap(NID_id_aes256_wrap, kek, cek, 32, out, &n) &&
	    n == 40 && memcmp(out, want, 40) == 0, "RFC 3394 4.6 wrap");
	tap_ok(kari_unwrap(NID_id_aes256_wrap, kek, out, 40, back, &m) &&
	    m == 32 && memcmp(back, cek, 32) == 0, "RFC 3394 4.6 unwrap");
	tap_ok(!kari_unwrap(NID_id_aes256_wrap, kek, out, 16, back, &m) &&
	    !kari_unwrap(NID_id_aes256_wrap, kek, out, 36, back, &m) &&
	    !kari_wrap(NID_id_aes256_wrap, kek, cek, 8, out, &n) &&
	    !kari_wrap(NID_aes_256_cbc, kek, cek, 16, out, &n),
	    "lengths and ciphers out of bounds are refused");
}

static void
t_oids(void)
{
	static const char *const oids[] = {
		"1.3.133.16.840.63.0.2", "1.3.132.1.11.0", "1.3.132.1.11.1",
		"1.3.132.1.11.2", "1.3.132.1.11.3",
		"1.2.840.113549.1.9.16.3.19", "1.2.840.113549.1.9.16.3.20",
		"1.2.840.113549.1.9.16.3.21",
	};
	static const char *const mds[] = { "SHA1", "SHA224", "SHA256",
		"SHA384", "SHA512", "SHA256", "SHA384", "SHA512" };
	struct kari_alg a;
	ASN1_OBJECT *o, *back;
	size_t i;
	int good = 1;

	for (i = 0; i < sizeof(oids) / sizeof(oids[0]); i++) {
		o = OBJ_txt2obj(oids[i], 1);
		back = NULL;
		if (!kari_alg_of(o, &a) || a.kdf != (i < 5 ? KARI_X963 :
		    KARI_HKDF) || !EVP_MD_is_a(a.md, mds[i]) ||
		    (back = kari_alg_obj(a.kdf, a.md)) == NULL ||
		    OBJ_cmp(back, o) != 0)
			good = 0;
		ASN1_OBJECT_free(o);
		ASN1_OBJECT_free(back);
	}
	tap_ok(good, "the eight KDF identifiers, both ways");
	o = OBJ_txt2obj("1.3.132.1.14.1", 1);	/* cofactorDH-sha256kdf */
	tap_ok(!kari_alg_of(o, &a) && !kari_alg_of(OBJ_nid2obj(NID_sha256),
	    &a) && kari_alg_obj(KARI_HKDF, EVP_sha1()) == NULL,
	    "others are unknown");
	ASN1_OBJECT_free(o);
}

/* One LAMPS example: Dana's key, the originator key, the KDF, the wrap,
 * the encryptedKey, then the content (GCM: nonce and tag; CBC: IV). */
static void
lamps(const char *name, const char *kea, int wrapnid, const char *orig,
    const char *ek, const EVP_CIPHER *c, const char *iv, const char *ct,
    const char *tag)
{
	EVP_PKEY *dana = x25519("6c59b7c2fb958e3c384ab882cfec990e3078385134"
	    "c9581c6db54ad8af3dfcf7", 1), *peer = x25519(orig, 0);
	unsigned char ekb[64], ivb[16], ctb[64], tagb[16], kek[32], cek[64];
	unsigned char pt[80], *z = NULL;
	size_t zlen = 0, keklen, ceklen = 0, ekn, ctn;
	X509_ALGOR *wrap = X509_ALGOR_new();
	ASN1_OBJECT *o = OBJ_txt2obj(kea, 1);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	struct kari_alg a;
	int wn, n = 0, m = 0, ok;

	ekn = unhex(ek, ekb);
	unhex(iv, ivb);
	ctn = unhex(ct, ctb);
	X509_ALGOR_set0(wrap, OBJ_nid2obj(wrapnid), V_ASN1_UNDEF, NULL);
	ok = kari_alg_of(o, &a) && kari_wrap_alg(wrap, &wn, &keklen) &&
	    kari_derive(dana, peer, &z, &zlen) &&
	    kari_kek(&a, z, zlen, wrap, NULL, 0, kek, keklen);
	tap_ok(ok, "%s: Z and the KEK", name);
	ok = ok && kari_unwrap(wn, kek, ekb, ekn, cek, &ceklen) &&
	    ceklen == 16;
	tap_ok(ok, "%s: the CEK unwraps", name);
	ok = ok && EVP_DecryptInit_ex(ctx, c, NULL, NULL, NULL);
	if (tag != NULL)
		ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12,
		    NULL) && unhex(tag, tagb) == 16;
	ok = ok && EVP_DecryptInit_ex(ctx, NULL, NULL, cek, ivb) &&
	    EVP_DecryptUpdate(ctx, pt, &n, ctb, (int)ctn);
	if (tag != NULL)
		ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16,
		    tagb);
	ok = ok && EVP_DecryptFinal_ex(ctx, pt + n, &m) && n + m == 28 &&
	    memcmp(pt, "This is some sample content.", 28) == 0;
	tap_ok(ok, "%s: the content decrypts to the sample text", name);
	OPENSSL_clear_free(z, zlen);
	EVP_CIPHER_CTX_free(ctx);
	ASN1_OBJECT_free(o);
	X509_ALGOR_free(wrap);
	EVP_PKEY_free(dana);
	EVP_PKEY_free(peer);
}

static void
t_ukm(void)
{
	X509_ALGOR *wrap = X509_ALGOR_new();
	struct kari_alg a = { KARI_X963, EVP_sha256(), 0 };
	unsigned char z[32] = { 1 }, k1[16], k2[16], k3[16], ukm[300] = { 7 };

	X509_ALGOR_set0(wrap, OBJ_nid2obj(NID_id_aes128_wrap), V_ASN1_UNDEF,
	    NULL);
	tap_ok(kari_kek(&a, z, 32, wrap, NULL, 0, k1, 16) &&
	    kari_kek(&a, z, 32, wrap, ukm, 5, k2, 16) &&
	    kari_kek(&a, z, 32, wrap, ukm, 300, k3, 16) &&
	    memcmp(k1, k2, 16) != 0 && memcmp(k2, k3, 16) != 0 &&
	    !kari_kek(&a, z, 32, wrap, ukm, KARI_UKM_MAX + 1, k3, 16) &&
	    !kari_kek(&a, z, 32, wrap, NULL, 0, k3, 20),
	    "the ukm enters the KEK; bounds");
	X509_ALGOR_free(wrap);
}

int
main(void)
{
	t_derive();
	t_derive448_ec();
	t_wrap_alg();
	t_wrap();
	t_oids();
	t_ukm();
	lamps("#65 HKDF-SHA256", "1.2.840.113549.1.9.16.3.19",
	    NID_id_aes256_wrap, "bccd39392841322786ac048ef35c36e0d54030daf8ad"
	    "17aaf45432202beb0448", "27bc5ce0a386ce1383a945b1bd690071838b1e4726"
	    "2ae8b5", EVP_aes_128_gcm(), "9103a09d9492122713b12c35",
	    "30783e5773966eba262c2bb120011e18b3c385b333f76d9746189da1",
	    "14934d82e7912130ee79b989c54cf66b");
	lamps("#66 stdDH-sha256kdf", "1.3.132.1.11.1", NID_id_aes128_wrap,
	    "fc41abfa8c3290f543ddb35607621c51390198fed680ada02e5d1ef54dd4e231",
	    "ce5e1e0f9e65346181c69e0c4e266f55f2958b343cb8e1d1",
	    EVP_aes_128_cbc(), "230eb461c064f9612cd1f6ea194d93c7",
	    "cc0c4c8bd4a0b5be3c20c529fdb738de0ecf16d98d87143333d1f1609314bbf2",
	    NULL);
	return tap_done();
}
