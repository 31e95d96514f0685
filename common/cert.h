/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * cert: pure facts about certificates, without a store: fingerprints,
 * addresses, fitness for mail, the PEM form.
 *
 * Whose address a certificate carries is one rule,
 * applied by every command: smime-verify's From check, the harvest of
 * smime-verify --import and certstore add, the index and fsck --repair
 * rebuilding it, certstore get and list, and the identity that
 * smime-sign, smime-encrypt --self and smime-decrypt take for an
 * address.
 *
 * The rule (RFC 8550 section 3; OpenSSL's X509_check_email): the
 * rfc822Names of the subjectAltName; an emailAddress attribute of the
 * subject counts only in a certificate that has no rfc822Name at all.
 * A certificate whose subjectAltName names the attacker and whose
 * subject names the victim is the attacker's only.  A value that is no
 * plain addr-spec (addr_norm) counts for nothing, and still keeps the
 * subject's emailAddress from counting.
 *
 * Addresses compare as bytes after ASCII lowercasing, the local part
 * included: what the index has always keyed, and what smime-verify has
 * always compared.
 */
#ifndef SMIMETOOLS_CERT_H
#define SMIMETOOLS_CERT_H

#include <stddef.h>

#include <openssl/x509.h>

#include "buf.h"

#define ADDR_MAX	320		/* longer addresses count for nothing */

/*
 * A certificate's addresses under the rule, as the bytes the
 * certificate holds (case kept, for list and messages), each one an
 * addr-spec.  Not X509_get1_email(): it takes the subject's
 * emailAddress beside the subjectAltName, the very confusion the rule
 * forbids.  At most 32: a 33rd address matches nothing.
 */
struct addrs {
	struct {
		unsigned char *p;
		size_t n;
	} v[32];
	size_t n;
};

/*
 * An address as we compare and index it, into out (ADDR_MAX + 1
 * bytes): 1 to ADDR_MAX bytes of printable ASCII forming
 * local@domain, exactly one '@', neither side empty, no white space,
 * control character, NUL, 8-bit byte, or any of "(),:;<>[\] (so no
 * display name, angle brackets, quoted local part or domain literal),
 * lowercased.  So an index line cannot be split or forged by one, and
 * the index's "ca:" keys are never addresses.  Returns 0 if it is no
 * such address: it then matches nothing and is never indexed.
 */
int addr_norm(const unsigned char *p, size_t n, char *out);
/* The same for a C string (a From address, --as, certstore get's). */
int addr_key(const char *addr, char *key);

/* The addresses of x under the rule; addrs_free releases them. */
void cert_addrs(X509 *x, struct addrs *a);
void addrs_free(struct addrs *a);
/* Does x carry key (as addr_norm made it)? */
int cert_names(X509 *x, const char *key);
/*
 * smime-verify's From check: does x carry addr (any case)?  The
 * certificate's spelling of it, else its first address, goes to first.
 * Returns 1 yes, 0 no, -1 it carries no address at all.
 */
int cert_address(X509 *x, const char *addr, char *first, size_t firstsz);

/*
 * Fingerprints: the SHA-256 of the DER as 64 lowercase hex digits, the
 * only source of file names in a store and the key of every look-up by
 * certificate.
 */
#define FPLEN	64
void cert_fp(X509 *x, char out[FPLEN + 1]);
void crl_fp(X509_CRL *c, char out[FPLEN + 1]);

/* A list of fingerprints, as walks and look-ups collect them. */
struct fps {
	char (*v)[FPLEN + 1];
	size_t n;
};
void fps_push(struct fps *f, const char *fp);
/* Are the n bytes at s a fingerprint? */
int fp_valid(const char *s, size_t n);
/* "<fp><suffix>" (a file name): 1 with the fingerprint, else 0. */
int fp_name(const char *name, const char *suffix, char fp[FPLEN + 1]);
/* A user's fingerprint: case, colons and "sha256:" do not matter. */
int fp_parse(const char *arg, char fp[FPLEN + 1]);
/* For qsort and bsearch over fingerprints. */
int fp_cmp(const void *a, const void *b);

/* Is a the certificate b?  Does b name every address of a (what a
 * signer may bring of its own)? */
int cert_same(X509 *a, X509 *b);
int cert_names_within(X509 *a, X509 *b);

/* What a certificate is fit for: a CA; valid now; past its notAfter;
 * a key to encrypt to (smime-encrypt(1): keyEncipherment or
 * keyAgreement, emailProtection or no EKU, not a CA); mail at all (to
 * sign or to be encrypted to). */
int cert_is_ca(X509 *x);
int cert_valid_now(X509 *x);
int cert_expired(X509 *x);
int cert_can_encrypt(X509 *x);
int cert_fit_for_mail(X509 *x);

/* The first certificate or CRL of a PEM text, or NULL. */
X509 *cert_from_pem(const char *p, size_t n);
X509_CRL *crl_from_pem(const char *p, size_t n);

/* "alice@example.com (sha256:3f0c5e7a...)" for messages, escaped
 * (buf_escape), into b (emptied first); returns b->p. */
const char *cert_label(X509 *x, struct buf *b);

#endif
