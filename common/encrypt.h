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

#include "err.h"

enum err_class encrypt_main(void);

#endif
