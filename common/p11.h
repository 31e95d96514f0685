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
 * fault, with nokey when the token has no such key (or several).
 * identity_release() releases the module after the last key.
 */
void	p11_load_identity(struct identity *id, const char *uri,
	    const char *module, const char *passin, enum err_class nokey);
void	p11_unref(void);

#endif
