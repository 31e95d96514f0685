/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * magic_type: what a file is, by libmagic (the file(1) database), as a MIME
 * type with its charset: "application/pdf", "text/plain;
 * charset=us-ascii".  Used by smime-sign --wrap and certstore add.
 */
#ifndef SMIMETOOLS_MAGIC_TYPE_H
#define SMIMETOOLS_MAGIC_TYPE_H

#include <stddef.h>

/* The type of the data in buf (its first bytes are enough); falls back
 * to application/octet-stream. */
void magic_mime(const void *buf, size_t len, char *out, size_t outsz);

#endif
