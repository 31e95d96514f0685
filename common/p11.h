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
 * module-path), logged in with the PIN from passin; id->cert is the
 * token's certificate of the same id, or NULL (the caller gives one).
 * Once per process; dies on any fault.
 */
void	p11_load_identity(struct identity *id, const char *uri,
	    const char *module, const char *passin);
/* After the identity's key is freed: logs out, unloads the module. */
void	p11_release(void);

#endif
