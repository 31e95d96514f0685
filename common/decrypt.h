/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * decrypt: the smime-decrypt transform (smime-decrypt(1)), as the ops
 * that filter_main() runs.
 *
 * Every SMIME-Decrypt field that came with the message, and the control
 * field SMIME-Encrypt, is removed.  A message encrypted as a whole (an
 * EnvelopedData or AuthEnvelopedData in a top-level
 * application/pkcs7-mime entity, or a bare CMS object) is decrypted with
 * a key of ours (-k and -c, -p, --as, or the store's identities); the
 * plaintext replaces the Content-* fields and body only if the cipher
 * status is good at the end.  One SMIME-Decrypt field goes at the top.
 * A message that is not encrypted, or whose only encrypted entity is
 * nested inside another (Efail's direct exfiltration), gets result=none.
 * decrypt.c says how the ciphertext is streamed.
 */
#ifndef SMIMETOOLS_DECRYPT_H
#define SMIMETOOLS_DECRYPT_H

#include "err.h"
#include "keys.h"
#include "opts.h"
#include "store.h"

/*
 * A run's context: the options, and the key the command line names,
 * loaded by decrypt_ctx_load() before the message is read.
 */
struct decrypt_ctx {
	const struct opts *o;
	const char *id;			/* the authserv-id */
	struct store_trust trust;	/* for an identity's chain */
	struct identity given;		/* -k/-c, -p or --as */
	int have_given;
};

/* Loads the context; an unreadable key, a wrong passphrase, a missing
 * --as identity die here (66, 77, 78), before any input is read. */
void decrypt_ctx_load(struct decrypt_ctx *c, const struct opts *o);
/* Decrypts the message on c->o->in; returns the exit class. */
enum err_class decrypt_run(const struct decrypt_ctx *c);
void decrypt_ctx_free(struct decrypt_ctx *c);

#endif
