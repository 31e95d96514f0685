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

#include "err.h"

enum err_class sign_main(void);

#endif
