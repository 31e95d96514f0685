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
 */
#ifndef SMIMETOOLS_CMS_H
#define SMIMETOOLS_CMS_H

#include <openssl/bio.h>
#include <openssl/x509.h>

#include "io.h"
#include "keys.h"

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

#endif
