/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * store_be: the table a store backend fills, between the policy every
 * backend shares (store.c, store_judge.c, store_identity.c: what "best"
 * means, what import and add take, expire, which identity) and where
 * the certificates are kept.  Learnt from git's struct ref_storage_be
 * and OpenSMTPD's table backends: a backend is one file that exports
 * one const struct store_ops; its state begins with a struct store, to
 * which the generic layer holds a pointer.
 *
 * The operations come in two groups.  Every backend implements the
 * first, over correspondents' certificates (certs/ of certstore(5)) and
 * what is recorded of them: the look-ups by address and by
 * fingerprint, the walk, and the changes, staged by put and drop
 * between begin and commit.  begin hands out a version token and
 * commit applies the change only if the store is still at that version
 * (compare and swap): a backend shared by several writers without a
 * lock (a directory server) makes that check, the directory backend,
 * whose writers hold flock(2) from begin to commit, always passes it.
 * The second group (identities, anchors, CRLs, fsck, and before a store
 * is open, the probe of a location and the creation of a store) may be
 * NULL: the store's local directory then answers for it (store_local;
 * the directory of certstore(5) at the location for probe and create).
 *
 * Who uses which: the filters and the policy use the first group and
 * identities, anchors and CRLs through store_local; certstore's verbs
 * (store_verbs.c) do the same for correspondents' certificates (add,
 * get, list, export, remove, expire) and work on the local directory
 * itself, as certstore(5) lays it out, for identity, trust and crl.
 *
 * The backend of a store is chosen by its location (store_backend): a
 * plain path is the directory backend, unless the folder holds the
 * file `ldap`, which names a directory server that keeps the
 * correspondents' certificates (store_ldap.c) while the folder keeps
 * the rest.
 */
#ifndef SMIMETOOLS_STORE_BE_H
#define SMIMETOOLS_STORE_BE_H

#include <stddef.h>

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "cert.h"
#include "store.h"

/* What every backend's state begins with. */
struct store {
	const struct store_ops *ops;
	/* Where identities, anchors and CRLs are, for a backend that
	 * keeps only correspondents' certificates; NULL: itself. */
	struct store *local;
	/* The location, for messages. */
	char *where;
	/* What import and add judge by (store_set_trust); NULL: the
	 * defaults. */
	const struct store_trust *trust;
	/* The stores open now (store_be.c), so that one held when a
	 * failure exits stays reachable to leak checkers. */
	struct store *next_open;
};

/*
 * What is recorded of a certificate besides itself (certstore(5)
 * ".meta"): "name: value" lines.  Names this version does not know are
 * kept, in their order, so that a newer version's additions survive an
 * older writer.
 */
struct meta {
	char **line;
	size_t n;
};

/* Parses text (changed in place); returns the number of lines that
 * are not "name: value", which are left out. */
int meta_parse(struct meta *m, char *text);
const char *meta_get(const struct meta *m, const char *name);
/* Returns 1 if the value changed. */
int meta_set(struct meta *m, const char *name, const char *value);
void meta_free(struct meta *m);

/* What a look-up finds: the certificates (by fingerprint) with their
 * flags as certstore(5) "index" spells them. */
struct hit {
	char fp[FPLEN + 1];
	char flags[64];
};

struct hits {
	struct hit *v;
	size_t n;
};

/* The sets of certificates a walk visits. */
enum store_set {
	STORE_PEERS,		/* correspondents' and CA certificates */
	STORE_IDENTITIES	/* the certificates of our keys */
};

/* A version of the store, from begin to commit: opaque to the policy. */
struct store_version {
	char v[96];
};

/* What put records of a certificate. */
#define STORE_PUT_CERT	0x1	/* the certificate is new */
#define STORE_PUT_META	0x2	/* what is recorded of it changed */

struct store_ops {
	const char *name;
	/* What the backend returns was written by others (a directory
	 * server that other hosts, or an attacker with write access, may
	 * write to): the policy judges each certificate it returns as add
	 * would before using it (store.c).  0: judged when it was stored. */
	int shared;

	/* Opens the store at where (store.h's flags); dies as store_open
	 * says.  close releases it, a lock included. */
	struct store *(*open)(const char *where, int flags);
	void (*close)(struct store *s);

	/*
	 * Look-ups, without a lock.  lookup: the certificates indexed
	 * under key, an address (addr_norm) or "ca:<subject hash>"; a hit
	 * may be stale, the certificate decides.  load: the certificate
	 * of a fingerprint, NULL if there is none.  facts: what is
	 * recorded of it into m (empty if nothing), and which of the
	 * certificate (STORE_PUT_CERT) and its record (STORE_PUT_META)
	 * are there.  walk: fn for each certificate of a set, in no
	 * order.
	 */
	void (*lookup)(struct store *s, const char *key, struct hits *h);
	X509 *(*load)(struct store *s, const char *fp);
	int (*facts)(struct store *s, const char *fp, struct meta *m);
	void (*walk)(struct store *s, enum store_set set,
	    void (*fn)(struct store *, const char *fp, void *), void *arg);

	/*
	 * Changes.  begin: the store's version now (and, for the
	 * directory, its lock).  put: stage x, new or not, and what is
	 * recorded of it (what: STORE_PUT_*); drop: stage the removal of
	 * a certificate and its record.  commit: apply what was staged
	 * if the store is still at version v, and return 1; else drop it
	 * and return 0, for the policy to read again and retry.  A
	 * failure to write dies with its class (certstore(5)).
	 */
	void (*begin)(struct store *s, struct store_version *v);
	void (*put)(struct store *s, X509 *x, const struct meta *m, int what);
	void (*drop)(struct store *s, const char *fp);
	int (*commit)(struct store *s, const struct store_version *v);

	/*
	 * Local: NULL in a backend that keeps correspondents'
	 * certificates only.  identity: the key and certificate files of
	 * our identity whose certificate has fingerprint fp (keys_load_
	 * identity reads them; a key path ending in .p11 is the record of
	 * a key on a token, p11uri.h), 0 if there is none.  anchors: the trust
	 * anchors and CRLs, added to st (found lazily, by subject).
	 * crls: the CRLs whose issuer is name.
	 */
	int (*identity)(struct store *s, const char *fp, char *key,
	    char *cert, size_t size);
	void (*anchors)(struct store *s, X509_STORE *st);
	STACK_OF(X509_CRL) *(*crls)(struct store *s, const X509_NAME *name);
	/* fsck: the problems left after repairing what repair may, and
	 * those repaired into *fixed. */
	int (*fsck)(struct store *s, int repair, int *fixed);
	/*
	 * Before a store is open: probe says whether where holds one and
	 * dies 78 if others may write it (store_probe); create makes one
	 * at where if there is none and leaves one that is there as it is
	 * (store_open with STORE_CREATE: certstore init).  NULL: the
	 * directory of certstore(5) at where answers.
	 */
	int (*probe)(const char *where);
	void (*create)(const char *where);
};

/* The directory of certstore(5). */
extern const struct store_ops store_dir_ops;
/* An LDAP directory for correspondents' certificates (store_ldap.h). */
extern const struct store_ops store_ldap_ops;

/* The backend for a location: a folder, with the file `ldap` the
 * directory server's. */
const struct store_ops *store_backend(const char *where);
/* The store that keeps identities, anchors and CRLs for s.  Closing
 * it (store_close) closes the store it belongs to. */
struct store *store_local(struct store *s);

#endif
