/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * encrypt: the smime-encrypt transform (smime-encrypt(1)), as the ops
 * that filter_main() runs.
 *
 * The recipients are the certificates of -r and the store's best
 * (certstore get) for each -t, else for each To, Cc and Bcc address, and
 * with --self or --as our own.  The message's Content-* fields and body
 * (and its Subject with --protect-headers) become an EnvelopedData or,
 * with AES-GCM, an AuthEnvelopedData in an application/pkcs7-mime
 * entity; the rest of the header stays outside.  No result field is
 * written.  Bcc and the control field SMIME-Encrypt never leave;
 * --no-encrypt, or "SMIME-Encrypt: no", passes the message through
 * otherwise unchanged.
 * encrypt.c says when the output is written.
 */
#ifndef SMIMETOOLS_ENCRYPT_H
#define SMIMETOOLS_ENCRYPT_H

#include <stddef.h>

#include <openssl/x509.h>

#include "err.h"
#include "opts.h"
#include "store.h"

/*
 * A run's context: the options, and the certificates the command line
 * names, loaded by encrypt_ctx_load() before the message is read.
 */
struct encrypt_ctx {
	const struct opts *o;
	struct store_trust trust;
	STACK_OF(X509) **files;		/* each -r file's certificates */
	size_t nfiles;
	struct store *st;		/* open for -t and --as, else NULL */
	X509 *self;			/* --as, or --self with -c or -p */
};

/* Loads the context; a missing -r file, a missing store for -t, a wrong
 * passphrase die here (66, 78, 77), before any input is read. */
void encrypt_ctx_load(struct encrypt_ctx *c, const struct opts *o);
/* Encrypts the message on c->o->in; returns the exit class. */
enum err_class encrypt_run(const struct encrypt_ctx *c);
void encrypt_ctx_free(struct encrypt_ctx *c);

#endif
