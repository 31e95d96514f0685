/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * cms_envw: our own streaming writer of EnvelopedData and
 * AuthEnvelopedData, for what OpenSSL 3.0's CMS_encrypt cannot write
 * (X25519/X448 recipients, ChaCha20-Poly1305).  Used by cms_env.c only;
 * see cms_envw.c for what it writes.
 */
#ifndef SMIMETOOLS_CMS_ENVW_H
#define SMIMETOOLS_CMS_ENVW_H

#include <stddef.h>

#include <openssl/bio.h>
#include <openssl/x509.h>

struct envw;

/* Does a message to recips with cipher need this writer (some recipient
 * has an X25519 or X448 key, or the cipher is ChaCha20-Poly1305)? */
int envw_needed(STACK_OF(X509) *recips, const char *cipher);
/*
 * Writes the structure up to the content onto out (the base64 BIO) and
 * returns the writer; cipher is one of aes-{128,192,256}-{cbc,gcm} or
 * chacha20-poly1305.  A key we cannot encrypt to dies 67, an unknown
 * cipher 64.  NULL if out failed to take the bytes (its writer knows why).
 */
struct envw *envw_begin(STACK_OF(X509) *recips, const char *cipher,
    int oaep, BIO *out);
/* Encrypts n bytes of content into it; 0 if out failed. */
int envw_write(struct envw *e, const void *p, size_t n);
/* Ends the content and the structure (the tag of an AEAD cipher) and
 * frees e; 0 if out failed. */
int envw_end(struct envw *e);

#endif
