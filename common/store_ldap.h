/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * store_ldap: the backend that keeps correspondents' certificates (and
 * the intermediates signatures brought) in an LDAP directory shared by
 * several mail hosts (certstore(5) "THE DIRECTORY").  Identities,
 * anchors and CRLs stay in the local directory store, which also holds
 * the file `ldap` naming the server; a store whose folder has that
 * file is opened with this backend (store_backend).
 *
 * The directory is written by others, so it confers no trust
 * (store_ops.shared): the policy judges what it returns as certstore
 * add would (store.c).  Here: the configuration, the connection (made
 * on the first look-up, so that a command that needs only identities
 * never needs the server), the entries and their attributes, and the
 * compare-and-swap of each entry (the RFC 4528 assertion control).
 *
 * Failures: the server down, slow (the configured timeout), refusing or
 * answering garbage: ERR_TEMP (75), naming the server; a bind refused
 * for its credentials, or a configuration that cannot be read:
 * ERR_CONFIG (78).
 */
#ifndef SMIMETOOLS_STORE_LDAP_H
#define SMIMETOOLS_STORE_LDAP_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "opts.h"
#include "store_be.h"

#define STORE_LDAP_FILE		"ldap"	/* in the local store's folder */
#define STORE_LDAP_TIMEOUT	5	/* seconds, unless timeout: says */
#define STORE_LDAP_TIMEOUT_MAX	600

/* The file `ldap`: "name: value" lines. */
struct store_ldap_conf {
	char *url;		/* one or more, separated by spaces */
	char *bind_dn;		/* NULL: SASL EXTERNAL (ldapi) or anonymous */
	char *bind_passin;	/* file:PATH, env:NAME or fd:N; never pass: */
	char *tls_ca;		/* an absolute path, or NULL */
	int timeout;
};

/* Reads dir's file into c: 0 if there is none, 1 if there is; dies 78
 * with the line it does not understand.  free releases c. */
int store_ldap_conf_read(const char *dir, struct store_ldap_conf *c);
void store_ldap_conf_free(struct store_ldap_conf *c);
/* The file's text for c (what `ldap show` prints). */
void store_ldap_conf_text(const struct store_ldap_conf *c, struct buf *b);
/* NULL if every URL of urls is ldap://, ldaps:// or ldapi:// with a
 * base DN and nothing after it, else why not (into why). */
const char *store_ldap_url_check(const char *urls, char *why, size_t whysz);
/* A passphrase source as ldap set records it, or why not. */
const char *store_ldap_passin_check(const char *src);

/* An assertion value of a search filter, escaped as RFC 4515 section 3
 * says ('*', '(', ')', '\' and NUL as \XX) and, beyond it, every byte
 * that is not printable ASCII: appended to b. */
void store_ldap_escape(struct buf *b, const char *p, size_t n);

/* certstore ldap set|show|unset|schema|push (store_ldap_verbs.c). */
enum err_class store_ldap_main(const struct opts *o,
    const struct store_trust *t, const char **args);

#endif
