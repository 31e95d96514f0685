/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * kari: the key agreement of a KeyAgreeRecipientInfo (RFC 5652 6.2.2)
 * that OpenSSL 3.0's CMS does only for EC with the X9.63 KDF: X25519 and
 * X448 (RFC 8418), its HKDF identifiers, the ECC-CMS-SharedInfo of
 * RFC 5753 7.2, and AES key wrap (RFC 3394, RFC 3565).  Both directions:
 * the decrypting side (cms_env.c) and the encrypting one.  Pure over
 * libcrypto: no CMS structure is read or written here beyond the
 * SharedInfo the KDF takes.
 */
#ifndef SMIMETOOLS_KARI_H
#define SMIMETOOLS_KARI_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/*
 * The KDF and hash that a KeyAgreeRecipientInfo's keyEncryptionAlgorithm
 * names: dhSinglePass-stdDH-sha{1,224,256,384,512}kdf-scheme (the X9.63
 * KDF of SEC 1 3.6.1; RFC 5753 7.1.4, and RFC 8418 2.1 for X25519/X448)
 * and dhSinglePass-stdDH-hkdf-sha{256,384,512}-scheme (RFC 8418 2.2).
 * The cofactor variants are not taken: RFC 8418 has none, and for the
 * NIST curves (cofactor 1) no sender we know writes them.
 */
enum kari_kdf { KARI_X963 = 1, KARI_HKDF };
struct kari_alg {
	enum kari_kdf kdf;
	const EVP_MD *md;
	int nid_or_0;	/* OpenSSL's NID; 0 for the HKDF ones it lacks */
};
/* 1 and a filled in if kea is one of those, else 0. */
int kari_alg_of(const ASN1_OBJECT *kea, struct kari_alg *a);
/* The identifier to write for a KDF and hash (sha1..sha512 for X963,
 * sha256/384/512 for HKDF): a new object, the caller frees it with
 * ASN1_OBJECT_free; NULL if there is none. */
ASN1_OBJECT *kari_alg_obj(enum kari_kdf kdf, const EVP_MD *md);

/*
 * ECDH between our key and the peer's (X25519, X448, EC): the shared
 * secret Z, refused (0) if all zero (RFC 7748 6: a low-order point) or
 * on any error.  *z is OPENSSL_malloc'ed: the caller cleanses and frees
 * it (OPENSSL_clear_free).
 */
int kari_derive(EVP_PKEY *priv, EVP_PKEY *peer, unsigned char **z,
    size_t *zlen);

/*
 * The key-encryption key: the KDF over Z with the DER of
 * ECC-CMS-SharedInfo (keyInfo the key-wrap AlgorithmIdentifier,
 * entityUInfo the ukm if there is one (ukm NULL: none), suppPubInfo
 * keklen * 8 as four big-endian bytes); for HKDF (RFC 8418 2.2) with no
 * salt, Z as the input key and that DER as info.  keklen 16, 24 or 32,
 * ukmlen at most KARI_UKM_MAX.  1 on success.
 */
#define KARI_UKM_MAX 1024
int kari_kek(const struct kari_alg *a, const unsigned char *z, size_t zlen,
    const X509_ALGOR *wrap, const unsigned char *ukm, size_t ukmlen,
    unsigned char *kek, size_t keklen);

/*
 * The key-wrap algorithm: NID_id_aes{128,192,256}_wrap with absent
 * parameters (RFC 3565 2.3.2), its KEK length in *keklen; 0 otherwise.
 */
int kari_wrap_alg(const X509_ALGOR *wrap, int *nid, size_t *keklen);

/*
 * AES key wrap (RFC 3394) over libcrypto's aes-*-wrap ciphers.  The CEK
 * is 16..64 bytes, a multiple of 8; out (wrap) holds ceklen + 8, cek
 * (unwrap) holds inlen - 8 (at most 64).  Unwrap fails (0) on a failed
 * integrity check, as on any length out of bounds.
 */
#define KARI_CEK_MAX 64
int kari_wrap(int wrap_nid, const unsigned char *kek,
    const unsigned char *cek, size_t ceklen, unsigned char *out,
    size_t *outlen);
int kari_unwrap(int wrap_nid, const unsigned char *kek,
    const unsigned char *in, size_t inlen, unsigned char *cek,
    size_t *ceklen);

#endif
