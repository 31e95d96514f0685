/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * sign: the smime-sign transform (smime-sign(1)).  It does not run
 * through filter_main(): it parses the message twice (sign.c says why)
 * and adds no result field, so it opens input and output itself (io).
 *
 * The message's Content-* fields and body become the signed entity, as
 * multipart/signed (--detached, the default) or application/pkcs7-mime
 * (--opaque), the other top-level fields staying outside; --wrap signs a
 * file as a new message.  The identity is -k and -c, -p, --as, else the
 * store's for the single From address.  A message whose MIME structure
 * is ambiguous is refused (65), as smime-verify would call it permerror.
 */
#ifndef SMIMETOOLS_SIGN_H
#define SMIMETOOLS_SIGN_H

#include <openssl/x509.h>

#include "err.h"
#include "keys.h"
#include "opts.h"
#include "store.h"

/*
 * A run's context: the options, and the identity and chain the command
 * line names, loaded by sign_ctx_load() before the input is read.
 */
struct sign_ctx {
	const struct opts *o;
	struct store_trust trust;	/* for an identity's chain */
	struct identity id;		/* -k/-c, -p, --as; else none yet */
	STACK_OF(X509) *chain;		/* --chain, or NULL */
};

/* Loads the context; an unreadable key, a wrong passphrase, a missing
 * --as identity or --chain file die here (66, 77, 78), before any input
 * is read. */
void sign_ctx_load(struct sign_ctx *c, const struct opts *o);
/* Signs the message (or with --wrap the file) on c->o->in; returns the
 * exit class. */
enum err_class sign_run(const struct sign_ctx *c);
void sign_ctx_free(struct sign_ctx *c);

#endif
