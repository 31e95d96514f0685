/*
 * cms: the only module that includes <openssl/cms.h>.  Signing and
 * verifying over streams; it never parses RFC 5322.
 *
 * Routes to bounded memory (DESIGN-NOTES.md, checked against OpenSSL
 * 3.0.19's cms_lib.c, cms_smime.c and bio_ndef.c):
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
 *  - decrypting (not written yet; measured on 256 MiB): CMS_decrypt with
 *    dcont streams CBC in 6.4 MiB, but for AuthEnvelopedData it keeps the
 *    whole plaintext in a memory BIO until the tag is checked (529 MB),
 *    contrary to DESIGN-NOTES.md.  What streams GCM in 5.6 MiB:
 *    CMS_decrypt_set1_pkey_and_peer(cms, pkey, cert, NULL), then
 *    CMS_dataInit(cms, dcont), read to EOF into a spool, then
 *    BIO_get_cipher_status() on the cipher BIO: CMS_dataFinal() returns
 *    1 even when the tag is wrong, so the status is the only check.
 */
#ifndef SMIMETOOLS_CMS_H
#define SMIMETOOLS_CMS_H

#include <openssl/bio.h>
#include <openssl/x509.h>

#include "io.h"
#include "keys.h"
#include "policy.h"

#define CMS_SIGNERS_MAX	8	/* more is an attack, not a message */
#define CMS_CERTS_MAX	64
#define CMS_CHAIN_MAX	8	/* intermediates between signer and anchor */

struct cms_sign;

/* Starts a signature by `id` (digest "sha256", "sha384" or "sha512";
 * pss for RSASSA-PSS).  Opaque: the base64 of the BER goes to w in lines
 * ended by eol as the content is written. */
struct cms_sign *cms_sign_begin(const struct identity *id,
    STACK_OF(X509) *chain, const char *digest, int pss, int opaque,
    struct io_wr *w, const char *eol);
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
};

struct cms_verified {
	enum { CMSV_VALID, CMSV_FAIL, CMSV_PERMERROR } status;
	char why[160];		/* for fail and permerror */
	int nsigners;
	struct cms_signer signers[CMS_SIGNERS_MAX];
	STACK_OF(X509) *certs;	/* the certificates the message carries */
};

/*
 * The trust anchors: every --ca file or folder, the store's ca/ (and its
 * crl/ for revocation), the system's bundle unless no_system.  Never
 * anything from a message.
 */
X509_STORE *cms_anchors(const char **ca, int no_system, const char *store);

/*
 * Verifies the SignedData in der (a detached signature, or the skeleton
 * of an opaque one) over the content read from `content` (canonical
 * already).  With anchors, each signer's chain is checked (purpose S/MIME
 * signing, now; with crl_check, revocation too) and the outcome recorded
 * per signer; detached says the content must not also be inside.
 */
void cms_verify(const unsigned char *der, size_t len, BIO *content,
    int detached, X509_STORE *anchors, int crl_check,
    struct cms_verified *v);
void cms_verified_release(struct cms_verified *v);

/*
 * Does the certificate name `addr` (subjectAltName rfc822Name, or the
 * subject's emailAddress; compared without regard to case)?  Its first
 * address goes to first.  Returns 1 yes, 0 no, -1 it names none.
 */
int cms_cert_address(X509 *x, const char *addr, char *first,
    size_t firstsz);
/* The issuer as an RFC 4514 string (non-ASCII escaped) and the serial
 * in hex, for RFC 7281's smime-issuer and smime-serial. */
void cms_cert_ids(X509 *x, char *issuer, size_t isz, char *serial,
    size_t ssz);

#endif
