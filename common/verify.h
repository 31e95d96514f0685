/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * verify: the smime-verify transform (smime-verify(1)), as the ops that
 * filter_main() runs.
 *
 * Forged Authentication-Results of our authserv-id and the control field
 * SMIME-Encrypt are removed; the signature of a message signed as a whole
 * (multipart/signed or application/pkcs7-mime at the top, or a bare CMS
 * object), every layer of it, is checked under --policy, and one
 * Authentication-Results field (RFC 8601, RFC 7281) goes at the top.  An
 * opaque message whose signature matches is unwrapped, a multipart/signed
 * one too with --unwrap; --import stores a passing signer's certificates.
 * verify.c says how the event stream is sorted.
 */
#ifndef SMIMETOOLS_VERIFY_H
#define SMIMETOOLS_VERIFY_H

#include <openssl/x509.h>

#include "err.h"
#include "opts.h"
#include "store.h"

/*
 * A run's context: the options, and what it trusts, loaded by
 * verify_ctx_load() before the message is read.
 */
struct verify_ctx {
	const struct opts *o;
	const char *id;			/* the authserv-id */
	const char *store;		/* the store folder; need not exist */
	struct store_trust trust;	/* what --import judges by */
	X509_STORE *anchors;		/* --ca and the store's, or NULL */
	int system;			/* the system's bundle is in anchors */
	STACK_OF(X509) *certfile;	/* --certfile's, or NULL */
	int have_store;			/* store_probe said so */
};

/* Loads the context; a bad --ca, store or --authserv-id dies here
 * (66, 78, 64), before any input is read. */
void verify_ctx_load(struct verify_ctx *c, const struct opts *o);
/* Verifies the message on c->o->in; returns the exit class. */
enum err_class verify_run(struct verify_ctx *c);
void verify_ctx_free(struct verify_ctx *c);

#endif
