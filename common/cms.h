/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * cms: the only module (cms.c, and cms_env.c for encryption) that
 * includes <openssl/cms.h>.  Signing, verifying, encrypting and
 * decrypting over streams; it never parses RFC 5322.
 *
 * Routes to bounded memory (checked against OpenSSL 3.0.19's cms_lib.c,
 * cms_smime.c and bio_ndef.c):
 *  - detached signing: CMS_sign(CMS_PARTIAL | CMS_DETACHED | CMS_STREAM),
 *    CMS_add1_signer, our attributes, then CMS_dataInit(cms, NULL) gives a
 *    digest BIO over a null sink; we write the canonical content into it
 *    and CMS_dataFinal signs.  Nothing is held but the digest state.
 *  - opaque signing: BIO_new_CMS(out, cms) is an NDEF streaming BIO: the
 *    content written into it comes out as indefinite-length BER on `out`
 *    at once, and BIO_flush() writes the signerInfos.
 *  - verifying: CMS_verify takes the content as `dcont` and reads it
 *    through a digest BIO; it does not canonicalise it (that is ours to
 *    do) and needs no eContent in the structure, so an opaque signature
 *    is verified from its skeleton plus the content spooled apart.
 *    CMS_BINARY is required with dcont: without it OpenSSL treats the
 *    content as text and turns LF into CRLF before hashing.
 *  - EdDSA (RFC 8419), which OpenSSL 3.0's CMS signs and verifies
 *    through a digest context PureEdDSA has not ("invalid digest"):
 *    signing with Ed25519, the SignerInfo is CMS_add1_signer's, the
 *    content's SHA-512 ours as it streams, the signature over the DER of
 *    the signed attributes made at the end with EVP_DigestSign (no md);
 *    opaque, the BER around the content is written by us, the parts
 *    before and after it taken from OpenSSL's DER of the same
 *    structure.  Verifying a SignedData with an EdDSA signer, every
 *    signer is checked one by one (the others with
 *    CMS_SignerInfo_verify and CMS_SignerInfo_verify_content) over one
 *    reading of the content through CMS_dataInit's digest BIOs and ours
 *    (SHA-512, SHAKE256 to 64 bytes: OpenSSL's gives 32).
 *  - decrypting (cms_env.c; measured on 256 MiB): CMS_decrypt with
 *    dcont streams CBC in 6.4 MiB, but for AuthEnvelopedData it keeps the
 *    whole plaintext in a memory BIO until the tag is checked (529 MB),
 *    so it is not used for GCM.  What streams GCM in 5.6 MiB:
 *    CMS_decrypt_set1_pkey_and_peer(cms, pkey, cert, NULL), then
 *    CMS_dataInit(cms, dcont), read to EOF into a spool, then
 *    BIO_get_cipher_status() on the cipher BIO: CMS_dataFinal() returns
 *    1 even when the tag is wrong, so the status is the only check.
 */
#ifndef SMIMETOOLS_CMS_H
#define SMIMETOOLS_CMS_H

#include <time.h>

#include <openssl/bio.h>
#include <openssl/x509.h>

#include "io.h"
#include "keys.h"
#include "policy.h"

/* The most --limit signers= allows (the default is 8: more is an
 * attack, not a message); cms_verify takes the limits in force. */
#define CMS_SIGNERS_MAX	64

struct cms_sign;

/* Starts a signature by `id` (digest "sha256", "sha384" or "sha512";
 * pss for RSASSA-PSS; an Ed25519 key signs PureEdDSA over SHA-512,
 * RFC 8419).  Opaque: the base64 of the BER goes to w in lines
 * ended by eol as the content is written. */
struct cms_sign *cms_sign_begin(const struct identity *id,
    STACK_OF(X509) *chain, const char *digest, int pss, int opaque,
    struct io_wr *w, const char *eol);
/* The digest a signature by key uses: `digest` (NULL: "sha256"), or
 * "sha512" for Ed25519 (RFC 8419; another --digest dies 64).  Ed448
 * keys cannot sign (78). */
const char *cms_sign_digest(EVP_PKEY *key, const char *digest);
/* Writes canonical content into the signature. */
void cms_sign_write(struct cms_sign *s, const void *p, size_t n);
/* Signs.  Detached: the base64 of the signature goes to w. */
void cms_sign_end(struct cms_sign *s);
/* RFC 8551 3.4.3.2 micalg value of a digest name. */
const char *cms_micalg(const char *digest);

struct cms_signer {
	X509 *cert;		/* a reference: released with the result */
	enum chain_status chain;
	int weak_digest, rsa_bits;
	/* What the signed attributes say, for smime-verify --import: the
	 * SMIMECapabilities' ciphers by name ("aes-256-gcm aes-128-cbc"),
	 * and the certificate the SMIMEEncryptionKeyPreference names, if
	 * the message carries it (a reference, or NULL). */
	char caps[256];
	X509 *preferred;
	/* Its signingTime attribute (RFC 5652 11.3), UTC, if it has one:
	 * what the signer's clock said, recorded, never trusted. */
	int has_signing_time;
	struct tm signing_time;
};

struct cms_verified {
	enum { CMSV_VALID, CMSV_FAIL, CMSV_PERMERROR } status;
	char why[160];		/* for fail and permerror */
	int nsigners;
	struct cms_signer signers[CMS_SIGNERS_MAX];
	STACK_OF(X509) *certs;	/* the certificates the message carries */
};

/*
 * An X509_STORE of the trust anchors every --ca file or folder names
 * (store_anchors adds the store's and the system's).  Never anything
 * from a message.
 */
X509_STORE *cms_anchors(const char **ca);

/*
 * Verifies the SignedData in der (a detached signature, or the skeleton
 * of an opaque one) over the content read from `content` (canonical
 * already).  With anchors, each signer's chain is checked (purpose S/MIME
 * signing, now; with crl_check, revocation too) and the outcome recorded
 * per signer; detached says the content must not also be inside.  lim:
 * the signers, certificates and chain length allowed (smimetools(7)
 * LIMITS).  extra (may be NULL): certificates from our side (--certfile,
 * the store) where a signer's may be found when the message lacks it;
 * they also serve as intermediates, never as anchors.
 */
void cms_verify(const unsigned char *der, size_t len, BIO *content,
    int detached, X509_STORE *anchors, int crl_check,
    const struct limits *lim, STACK_OF(X509) *extra, struct cms_verified *v);
void cms_verified_release(struct cms_verified *v);

/* The issuer as an RFC 4514 string (non-ASCII escaped) and the serial
 * in hex, for RFC 7281's smime-issuer and smime-serial. */
void cms_cert_ids(X509 *x, char *issuer, size_t isz, char *serial,
    size_t ssz);

/*
 * Content ciphers by NID, with RFC 8103's id-alg-AEADChaCha20Poly1305,
 * which OpenSSL 3.0 has no OID for, as NID_chacha20_poly1305: the NID
 * of an algorithm identifier (NID_undef if unknown), and the identifier
 * of a NID (freed with ASN1_OBJECT_free; NULL if none).
 */
int cms_cipher_nid(const ASN1_OBJECT *o);
ASN1_OBJECT *cms_cipher_obj(int nid);
/* RSAES-OAEP with SHA-256 and MGF1-SHA-256 (RFC 8551 2.3, RFC 4055 3.1)
 * onto an encryption context; 1 on success. */
int cms_oaep_sha256(EVP_PKEY_CTX *pctx);

/* A BIO writing the base64 of what goes in onto w, in 76-column lines
 * ended by eol; cms_b64bio_end() ends the last line and frees it. */
BIO *cms_b64bio_new(struct io_wr *w, const char *eol);
void cms_b64bio_end(BIO *b);

/*
 * Encrypting (cms_env.c, and cms_envw.c for what OpenSSL cannot write)
 * to every certificate of recips with cipher ("aes-256-cbc",
 * "aes-128-gcm", "chacha20-poly1305", ...: GCM and ChaCha20-Poly1305
 * make AuthEnvelopedData); RSA keys get PKCS#1 v1.5 or, with oaep,
 * RSA-OAEP SHA-256; EC keys ECDH with the SHA-256 X9.63 KDF; X25519 and
 * X448 keys ECDH with HKDF-SHA256 (RFC 8418); AES-256 key wrap for both.
 * The base64 of the BER goes to w as the content is written.  A key we
 * cannot encrypt to dies 67.
 */
struct cms_encrypt;
struct cms_encrypt *cms_encrypt_begin(STACK_OF(X509) *recips,
    const char *cipher, int oaep, struct io_wr *w, const char *eol);
void cms_encrypt_write(struct cms_encrypt *e, const void *p, size_t n);
void cms_encrypt_end(struct cms_encrypt *e);
/* "enveloped-data" or "authEnveloped-data" (RFC 8551 3.2.2; RFC 8103
 * for ChaCha20-Poly1305). */
const char *cms_smime_type(const char *cipher);

/*
 * Decrypting (cms_env.c): the skeleton of an EnvelopedData or
 * AuthEnvelopedData (ber.h), then the ciphertext in slices.
 */
struct cms_decrypt;
/* NULL, with why, if it is no (auth)enveloped-data, or its cipher is
 * not one we allow (AES-CBC; AES-GCM or ChaCha20-Poly1305 with a 12-byte
 * nonce and 16-byte tag; 3DES with legacy): checked before any key is
 * used.  cipher gets the algorithm's name ("aes-256-gcm") when it could
 * be read. */
struct cms_decrypt *cms_decrypt_open(const unsigned char *der, size_t len,
    int legacy, char *why, size_t whysz, char *cipher, size_t ciphersz);
int cms_decrypt_is_auth(const struct cms_decrypt *d);
/* Does a key-transport or key-agreement RecipientInfo name x? */
int cms_decrypt_names(struct cms_decrypt *d, X509 *x);
/* How many RecipientInfos there are. */
int cms_decrypt_recipients(struct cms_decrypt *d);
/* How many RecipientInfos are of kinds we never use (password, KEK). */
int cms_decrypt_others(struct cms_decrypt *d);
/*
 * Decrypting, as the ciphertext arrives or from a spool: start with the
 * key (a failure shows only at the end), feed the ciphertext (the
 * plaintext goes to sink as it is made: keep it private), and end with
 * the mac of an AuthEnvelopedData (cms_decrypt_mac() of a d opened on
 * the final skeleton: one opened on ber_split_prefix()'s structure holds
 * a stand-in), or NULL.  end returns 1 if the plaintext is good (CBC
 * padding, GCM tag checked), 0 for every failure after the key was used,
 * alike.  An X25519 or X448 key, an EC key whose RecipientInfo names
 * HKDF, or ChaCha20-Poly1305 content takes our own path (cms_env.c),
 * under the same contract.
 */
void cms_decrypt_start(struct cms_decrypt *d, EVP_PKEY *key, X509 *cert,
    int legacy);
void cms_decrypt_update(struct cms_decrypt *d, const unsigned char *p,
    size_t n, int (*sink)(void *arg, const char *p, size_t n), void *arg);
int cms_decrypt_end(struct cms_decrypt *d, const unsigned char *mac,
    int (*sink)(void *arg, const char *p, size_t n), void *arg);
/* An AuthEnvelopedData's 16-byte mac; NULL for an EnvelopedData. */
const unsigned char *cms_decrypt_mac(const struct cms_decrypt *d);
void cms_decrypt_close(struct cms_decrypt *d);

#endif
