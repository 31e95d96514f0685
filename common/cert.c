/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * cert: pure facts about certificates (cert.h): their fingerprints,
 * the addresses they carry, what they are fit for, their PEM form.
 * Nothing here knows of a store: the store, smime-verify and the tests
 * ask the same questions and get the same answers.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "buf.h"
#include "cert.h"
#include "err.h"

static void
hex(const unsigned char *md, unsigned n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	unsigned i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[2 * n] = '\0';
}

/* The SHA-256 of the DER: the only source of file names in the store. */
void
cert_fp(X509 *x, char out[FPLEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n;

	if (!X509_digest(x, EVP_sha256(), md, &n) || n != 32)
		xdie_ssl(ERR_SOFTWARE, "cannot hash a certificate");
	hex(md, n, out);
}

void
crl_fp(X509_CRL *c, char out[FPLEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n;

	if (!X509_CRL_digest(c, EVP_sha256(), md, &n) || n != 32)
		xdie_ssl(ERR_SOFTWARE, "cannot hash a CRL");
	hex(md, n, out);
}

void
fps_push(struct fps *f, const char *fp)
{
	/* Doubling at each power of two: a walk of 100,000 certificates
	 * reallocates 17 times, not 100,000. */
	if ((f->n & (f->n + 1)) == 0 || f->n == 0)
		f->v = xrealloc(f->v, (2 * f->n + 2) * sizeof(*f->v));
	memcpy(f->v[f->n++], fp, FPLEN + 1);
}

int
fp_valid(const char *s, size_t n)
{
	size_t i;

	if (n != FPLEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) && (s[i] < 'a' || s[i] > 'f'))
			return 0;
	return 1;
}

/* "<fp>.pem" (or .meta): the fingerprint, else NULL. */
int
fp_name(const char *name, const char *suffix, char fp[FPLEN + 1])
{
	size_t n = strlen(name), k = strlen(suffix);

	if (n != FPLEN + k || strcmp(name + FPLEN, suffix) != 0 ||
	    !fp_valid(name, FPLEN))
		return 0;
	memcpy(fp, name, FPLEN);
	fp[FPLEN] = '\0';
	return 1;
}

/* A user's fingerprint: case, colons and "sha256:" do not matter. */
int
fp_parse(const char *arg, char fp[FPLEN + 1])
{
	size_t n = 0;

	if (strncasecmp(arg, "sha256:", 7) == 0)
		arg += 7;
	for (; *arg != '\0'; arg++) {
		if (*arg == ':')
			continue;
		if (n == FPLEN || !isxdigit((unsigned char)*arg))
			return 0;
		fp[n++] = (char)tolower((unsigned char)*arg);
	}
	fp[n] = '\0';
	return n == FPLEN;
}

/*
 * addr_norm's bytes: atext (RFC 5322 3.2.3) and '.', on both sides of
 * the '@'.  What is left out is what a reader could take for something
 * else: white space, controls, NUL, 8-bit bytes, and the specials of a
 * display name, an angle-addr, a quoted local part or a domain literal.
 */
static int
addr_byte(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("\"(),:;<>[\\]@", c) == NULL;
}

int
addr_norm(const unsigned char *p, size_t n, char *out)
{
	const unsigned char *at;
	size_t i;

	if (n == 0 || n > ADDR_MAX || (at = memchr(p, '@', n)) == NULL ||
	    at == p || at == p + n - 1)
		return 0;
	for (i = 0; i < n; i++) {
		if (p + i != at && !addr_byte(p[i]))
			return 0;
		out[i] = (char)tolower(p[i]);
	}
	out[n] = '\0';
	return 1;
}

int
addr_key(const char *addr, char *key)
{
	return addr != NULL && addr_norm((const unsigned char *)addr,
	    strlen(addr), key);
}

static void
addrs_push(struct addrs *a, const ASN1_STRING *s)
{
	const unsigned char *p = ASN1_STRING_get0_data(s);
	size_t n = (size_t)ASN1_STRING_length(s), i;
	char key[ADDR_MAX + 1];

	if (a->n == sizeof(a->v) / sizeof(a->v[0]) || p == NULL ||
	    !addr_norm(p, n, key))
		return;
	/* One address once, whatever its case: one index line per key. */
	for (i = 0; i < a->n; i++)
		if (a->v[i].n == n && strncasecmp((const char *)a->v[i].p,
		    key, n) == 0)
			return;
	a->v[a->n].p = xmalloc(n);
	memcpy(a->v[a->n].p, p, n);
	a->v[a->n++].n = n;
}

/*
 * The rule of cert.h.  An rfc822Name that addr_norm refuses still
 * counts as one, as in X509_check_email: a subjectAltName of
 * "Victim <victim@example.com>" must not let the subject's
 * emailAddress speak instead.
 */
void
cert_addrs(X509 *x, struct addrs *a)
{
	GENERAL_NAMES *gens;
	X509_NAME *subj = X509_get_subject_name(x);
	X509_NAME_ENTRY *e;
	int i, san = 0;

	a->n = 0;
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		if (g->type == GEN_EMAIL) {
			san = 1;
			addrs_push(a, g->d.rfc822Name);
		}
	}
	GENERAL_NAMES_free(gens);
	for (i = -1; !san && (i = X509_NAME_get_index_by_NID(subj,
	    NID_pkcs9_emailAddress, i)) >= 0;) {
		e = X509_NAME_get_entry(subj, i);
		addrs_push(a, X509_NAME_ENTRY_get_data(e));
	}
	ERR_clear_error();
}

void
addrs_free(struct addrs *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i].p);
	a->n = 0;
}

/* Does x name key (addr_norm's)? */
int
cert_names(X509 *x, const char *key)
{
	struct addrs a;
	char k[ADDR_MAX + 1];
	size_t i;
	int found = 0;

	cert_addrs(x, &a);
	for (i = 0; i < a.n && !found; i++)
		found = addr_norm(a.v[i].p, a.v[i].n, k) && strcmp(k, key) == 0;
	addrs_free(&a);
	return found;
}

int
cert_address(X509 *x, const char *addr, char *first, size_t firstsz)
{
	struct addrs a;
	char key[ADDR_MAX + 1], k[ADDR_MAX + 1];
	size_t i;
	int found = 0, want = addr_key(addr, key);

	if (firstsz > 0)
		*first = '\0';
	cert_addrs(x, &a);
	for (i = 0; i < a.n && !found; i++) {
		found = want && addr_norm(a.v[i].p, a.v[i].n, k) &&
		    strcmp(k, key) == 0;
		if (i == 0 || found)
			snprintf(first, firstsz, "%.*s", (int)a.v[i].n,
			    (const char *)a.v[i].p);
	}
	found = a.n == 0 ? -1 : found;
	addrs_free(&a);
	return found;
}

int
cert_same(X509 *a, X509 *b)
{
	return a != NULL && b != NULL && X509_cmp(a, b) == 0;
}

/*
 * Is a certificate of the person b is: does b name every address a
 * names (one at least)?  Sharing one address is not enough: a would be
 * indexed under its others too, and could become the best certificate
 * of somebody b's signature does not speak for.
 */
int
cert_names_within(X509 *a, X509 *b)
{
	struct addrs x;
	char key[ADDR_MAX + 1];
	size_t i, n = 0;
	int within = 1;

	cert_addrs(a, &x);
	for (i = 0; i < x.n && within; i++)
		if (addr_norm(x.v[i].p, x.v[i].n, key)) {
			within = cert_names(b, key);
			n++;
		}
	addrs_free(&x);
	return within && n > 0;
}

int
cert_is_ca(X509 *x)
{
	return X509_check_ca(x) > 0;
}

int
cert_valid_now(X509 *x)
{
	return X509_cmp_current_time(X509_get0_notBefore(x)) < 0 &&
	    X509_cmp_current_time(X509_get0_notAfter(x)) > 0;
}

int
cert_expired(X509 *x)
{
	return X509_cmp_current_time(X509_get0_notAfter(x)) <= 0;
}

/* EKU emailProtection (or anyExtendedKeyUsage), or no EKU at all. */
static int
eku_email(X509 *x)
{
	uint32_t xku = X509_get_extended_key_usage(x);

	return xku == UINT32_MAX || (xku & (XKU_SMIME | XKU_ANYEKU)) != 0;
}

/*
 * Can mail be encrypted to x (smime-encrypt(1): key usage keyEncipherment or
 * keyAgreement, EKU emailProtection or none)?  By hand: OpenSSL's
 * smimeencrypt purpose wants keyEncipherment and so refuses the
 * keyAgreement-only certificates of EC keys.
 */
int
cert_can_encrypt(X509 *x)
{
	uint32_t ku = X509_get_key_usage(x);

	if (cert_is_ca(x) || !eku_email(x))
		return 0;
	return ku == UINT32_MAX ||
	    (ku & (KU_KEY_ENCIPHERMENT | KU_KEY_AGREEMENT)) != 0;
}

/* Fit for mail at all: to sign or to be encrypted to. */
int
cert_fit_for_mail(X509 *x)
{
	uint32_t ku = X509_get_key_usage(x);

	if (!eku_email(x))
		return 0;
	return ku == UINT32_MAX || (ku & (KU_DIGITAL_SIGNATURE |
	    KU_NON_REPUDIATION | KU_KEY_ENCIPHERMENT | KU_KEY_AGREEMENT)) != 0;
}

X509 *
cert_from_pem(const char *p, size_t n)
{
	BIO *b = BIO_new_mem_buf(p, (int)n);
	X509 *x = b != NULL ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	ERR_clear_error();
	return x;
}

X509_CRL *
crl_from_pem(const char *p, size_t n)
{
	BIO *b = BIO_new_mem_buf(p, (int)n);
	X509_CRL *c = b != NULL ? PEM_read_bio_X509_CRL(b, NULL, NULL, NULL) :
	    NULL;

	BIO_free(b);
	ERR_clear_error();
	return c;
}

int
fp_cmp(const void *a, const void *b)
{
	return memcmp(a, b, FPLEN);
}

/* "alice@example.com (sha256:3f0c5e7a...)" for messages, escaped. */
const char *
cert_label(X509 *x, struct buf *b)
{
	char fp[FPLEN + 1], cn[128];
	struct addrs a;

	cert_fp(x, fp);
	b->n = 0;
	buf_add(b, "", 0);
	cert_addrs(x, &a);
	if (a.n > 0)
		buf_escape(b, a.v[0].p, a.v[0].n);
	else if (X509_NAME_get_text_by_NID(X509_get_subject_name(x),
	    NID_commonName, cn, sizeof(cn)) > 0)
		buf_escape(b, (unsigned char *)cn, strlen(cn));
	else
		buf_puts(b, "a certificate without a name");
	addrs_free(&a);
	ERR_clear_error();
	buf_printf(b, " (sha256:%.16s...)", fp);
	return b->p;
}
