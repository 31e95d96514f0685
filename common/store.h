/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * store: the certificate store as the filters and certstore see it
 * (certstore(1), certstore(5)), whatever backend keeps it (store_be.h;
 * the directory of certstore(5) so far).
 *
 * In the directory, file names come from fingerprints only, never from
 * certificate contents; every write is a temporary file in the same
 * folder, fsync, rename, fsync of the folder; writers hold flock(2) on
 * `lock` (bounded wait, else ERR_TEMP), readers take no lock.
 *
 * Failures die with the class certstore(1) "EXIT STATUS" gives (78
 * store missing or invalid, 75 lock not obtained / disk full, 73
 * cannot write, 65 bad input, 67 no certificate for an address).
 */
#ifndef SMIMETOOLS_STORE_H
#define SMIMETOOLS_STORE_H

#include <time.h>

#include <openssl/x509.h>

#include "err.h"
#include "keys.h"
#include "opts.h"

struct store;

#define STORE_CREATE	0x1	/* make it if missing (certstore init) */
#define STORE_WRITE	0x2	/* take the lock for a change */
#define STORE_FSCK	0x4	/* open one whose modes are wrong */
#define STORE_PEEK	0x8	/* only to read: the umask stays the caller's */

/* Opens the store in dir; without STORE_CREATE a missing store dies 78,
 * with it one is made first (certstore init), and one that is there is
 * opened as it is, its modes unchecked.  With STORE_WRITE the lock is
 * held until store_close(). */
struct store *store_open(const char *dir, int flags);
void store_close(struct store *s);

/*
 * What a certificate is judged by when it is stored (import, add) and
 * how far an identity's chain is followed: the command's --policy, --ca,
 * --no-system-ca and --limit chain.
 */
struct store_trust {
	enum opt_policy policy;
	const char **ca;	/* NULL-terminated, may be NULL */
	int no_system;
	unsigned chain_max;
};
/* The store keeps t (the caller's, for as long as the store is open);
 * without it, the defaults of smime-verify(1) and certstore(1). */
void store_set_trust(struct store *s, const struct store_trust *t);
/* t from the options. */
void store_trust_of(struct store_trust *t, const struct opts *o);
/*
 * True if where holds a store, as its backend (store_backend) sees it;
 * then dies 78 if others may write it, as store_open would (certstore(5)
 * "Modes"): smime-verify reads the anchors and CRLs of a store if there
 * is one, and refuses one with bad modes even when it opens nothing
 * else.  False if there is none (where NULL included).
 */
int store_probe(const char *where);

/*
 * The trust anchors: every --ca file or folder, the anchors and CRLs of
 * the store at dir if there is one (certstore(5) ca/ and crl/, found
 * lazily by subject), the system's bundle unless no_system, in that
 * order.  Never anything from a message.
 */
X509_STORE *store_anchors(const char *dir, const char **ca, int no_system);

/*
 * smime-verify --import, on pass only: stores the signer's certificate and
 * the certificates the message brought (as correspondents' and
 * intermediate certificates that chain to a configured anchor, never as
 * anchors), and records in the
 * signer's .meta: last-seen now (first-seen if new), the capabilities
 * (space-separated names, e.g. "aes-256-gcm aes-128-gcm aes-256-cbc"),
 * key-preference for `preferred` (the certificate the
 * SMIMEEncryptionKeyPreference named, may be NULL or another of `certs`:
 * ignored unless every address it names is the signer's), the
 * signature's signing time (NULL: it had none), the Message-ID and
 * source.  Never replaces or demotes what is there; the index is updated
 * last.  A signature whose signing time is older than the sender's
 * latest, or more than a day ahead of our clock while the sender has
 * one, records nothing of the sender (no rollback by replay): its
 * certificates are stored as any others, without last-seen,
 * capabilities or preference; -v says why.
 */
void store_import(struct store *s, X509 *signer, STACK_OF(X509) *certs,
    const char *capabilities, X509 *preferred, const struct tm *signing_time,
    const char *message_id);

/* Our identity for addr (smime-sign --as, the From default;
 * smime-decrypt): key and certificate; dies 78 if there is none. */
void store_identity(struct store *s, const char *addr, const char *passin,
    struct identity *id);

/* Every identity's certificate: smime-decrypt matches them against the
 * RecipientInfos before it loads a key. */
STACK_OF(X509) *store_identity_certs(struct store *s);
/* The identity whose certificate is x, one of store_identity_certs'. */
void store_identity_of(struct store *s, X509 *x, const char *passin,
    struct identity *id);
/* The certificate of our identity for addr (NULL: the only one), without
 * its key (smime-encrypt --as); dies 78 if there is none. */
X509 *store_identity_cert(struct store *s, const char *addr);

/* The best certificate to encrypt to addr, as certstore get chooses it
 * (certstore(1) "get"), with its capabilities; NULL if none. */
X509 *store_best(struct store *s, const char *addr, char *caps,
    size_t capssz);

/* What certstore add makes of a file's bytes (sniffed: PEM, DER,
 * PKCS#7, a signed message): the number of certificates, or -1 with
 * why, under the default limits.  For the fuzz target; nothing is
 * stored. */
int store_parse(const char *buf, size_t n, char *why, size_t whysz);

#endif
