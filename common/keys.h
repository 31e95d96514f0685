/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * keys: loading private keys, certificates and PKCS#12 files, and the
 * passphrase they need.
 *
 * A private key's file is opened without following symbolic links and
 * refused (ERR_PERM, 77) when group or others can read it.  Passphrases
 * come only from --passin (pass:, env:, file:, fd:, as OpenSSL's apps
 * take them), live in one buffer and are wiped after use.  While a
 * private key is loaded the process cannot dump core.
 *
 * Failures die with the class smimetools(7) EXIT STATUS gives: a file
 * that cannot be read 66, a key that cannot be used (permissions,
 * passphrase) 77.  A key that does not belong to its certificate is the
 * caller's to class: a filter's identity is its configuration (78, which
 * --on-error=tempfail turns into a retry once it is fixed), what
 * certstore identity add is given is its input (65).
 */
#ifndef SMIMETOOLS_KEYS_H
#define SMIMETOOLS_KEYS_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "err.h"

struct identity {
	EVP_PKEY *key;
	X509 *cert;
	STACK_OF(X509) *chain;	/* from the PKCS#12 file or --chain */
	/* Run after the key is freed: a token's module goes (p11.h). */
	void (*release)(void);
};

/* -k KEY -c CERT, or -p FILE.p12; passin may be NULL.  Dies with
 * `mismatch` if the key is not the certificate's. */
void keys_load_identity(struct identity *id, const char *key,
    const char *cert, const char *p12, const char *passin,
    enum err_class mismatch);
void identity_release(struct identity *id);

/* Reads the --passin passphrase (pass:, env:, file:, fd: as OpenSSL's
 * apps take them: a file's first line) into buf; returns its length. */
size_t keys_passphrase(const char *src, char *buf, size_t size);

/* Every certificate in a PEM bundle or a DER file; dies with 66/65. */
STACK_OF(X509) *keys_load_certs(const char *path);
/* The certificates of every file of a NULL-terminated list (--chain,
 * --certfile), in order; NULL for none. */
STACK_OF(X509) *keys_load_certs_all(const char **paths);

#endif
