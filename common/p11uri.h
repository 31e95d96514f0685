/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * p11uri: PKCS#11 URIs (RFC 7512), the names of keys on a token.
 *
 * Written by hand: libp11 0.4.12's own API takes slots, tokens and key
 * ids, not URIs (its URI parser is inside its ENGINE, which OpenSSL 3
 * deprecates), and no other Debian 12 library parses them without
 * pulling in a PKCS#11 stack of its own (p11-kit's is tied to its
 * module registry).  Only what a key lookup needs is kept: the token's
 * and the object's attributes of the path, and module-path and
 * pin-source of the query; every other attribute is refused, as RFC
 * 7512 2.3 allows a consumer to refuse what it does not understand,
 * rather than ignored, which would choose another key than the
 * administrator named.  A PIN in the URI (pin-value) is refused: it
 * would sit in the store's files and in ps(1).
 */
#ifndef SMIMETOOLS_P11URI_H
#define SMIMETOOLS_P11URI_H

#include <stddef.h>

#define P11URI_ATTR_MAX	256	/* bytes of one decoded attribute */

/* The attributes present in a URI (struct p11uri's present), in the
 * order of p11uri.c's table. */
#define P11URI_TOKEN	(1u << 0)
#define P11URI_MANUFACTURER (1u << 1)
#define P11URI_SERIAL	(1u << 2)
#define P11URI_MODEL	(1u << 3)
#define P11URI_OBJECT	(1u << 4)
#define P11URI_ID	(1u << 5)

struct p11uri {
	unsigned present;	/* P11URI_*: given, perhaps empty */
	/* Each "" when absent or empty; id has id_len bytes (binary). */
	char token[P11URI_ATTR_MAX + 1];
	char manufacturer[P11URI_ATTR_MAX + 1];
	char serial[P11URI_ATTR_MAX + 1];
	char model[P11URI_ATTR_MAX + 1];
	char object[P11URI_ATTR_MAX + 1];
	unsigned char id[P11URI_ATTR_MAX];
	size_t id_len;
	char type[16];		/* "private", "cert", ... or "" */
	char module_path[P11URI_ATTR_MAX + 1];
	char pin_source[P11URI_ATTR_MAX + 1];
};

/*
 * Parses uri into u.  0 on success; else -1 with a short reason in why
 * ("not a pkcs11: URI", "unknown attribute 'slot-id'", ...).
 */
int	p11uri_parse(const char *uri, struct p11uri *u, const char **why);

/* The absolute path of u's pin-source (file:/PATH or file:///PATH),
 * or NULL if it has none of that form. */
const char *p11uri_pin_file(const struct p11uri *u);

/*
 * The store's record of an identity whose key is on a token,
 * keys/<fp>.p11 (certstore(5)): name=value lines, uri= (the key's URI),
 * module= (an absolute path) and an optional pin-source= (a --passin
 * source, file: or env:); '#' comments.  It holds no secret.
 */
#define P11REC_MAX	1024	/* bytes of one value */
#define P11REC_FILE_MAX	(8 * P11REC_MAX)	/* bytes of a record */

struct p11rec {
	char uri[P11REC_MAX + 1];
	char module[P11REC_MAX + 1];
	char pin_source[P11REC_MAX + 1];
};

/* Parses the record p[0..n) into r: 0, or -1 with why. */
int	p11rec_parse(const char *p, size_t n, struct p11rec *r,
	    const char **why);

#endif
