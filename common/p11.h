/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * p11: identities whose private key stays on a PKCS#11 token (see p11.c
 * for how, and the exit classes of its faults).
 */
#ifndef SMIMETOOLS_P11_H
#define SMIMETOOLS_P11_H

#include "keys.h"

/*
 * The key uri (RFC 7512) names, through module (NULL: the URI's
 * module-path), logged in with the PIN from passin (NULL: the URI's
 * pin-source); id->cert is the token's certificate of the same id, or
 * NULL (the caller gives one).  A second identity in one run must come
 * from the same module; its token is logged in to once.  Dies on any
 * fault.  admin: certstore identity add, whose URI is its input (no such
 * key is 65, else 78), and who may log in after a failed login.
 * identity_release() releases the module after the last key.
 */
void	p11_load_identity(struct identity *id, const char *uri,
	    const char *module, const char *passin, int admin);
void	p11_unref(void);
/*
 * Is the token's key x's?  X509_check_private_key compares only the
 * public half libp11 read from the token (its public-key object or
 * certificate of the same id, which anyone with the PIN may write);
 * this also makes the key itself work once: a signature x's key
 * checks, or for a key that may not sign, a decryption (RSA) or an
 * agreement (EC) with it.
 */
int	p11_key_is(EVP_PKEY *key, X509 *x);

#endif
