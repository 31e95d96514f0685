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

#include "err.h"

enum err_class verify_main(void);

#endif
