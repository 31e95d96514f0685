/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * store_int: the policy's internals, shared by its files and the
 * certstore verbs, and by nothing else: a filter has no business
 * judging a chain or staging a certificate (store.h is its interface).
 *
 *	store.c		what import and add record (store_put, the
 *			replay rule), the best certificate for an address,
 *			revocation, expire
 *	store_judge.c	the policy of add: chains, fitness, algorithms;
 *			the trust anchors
 *	store_be.c	the generic layer of the backend table
 *	store_identity.c which identity: smime-sign, smime-decrypt,
 *			smime-encrypt --as (the only store file that loads
 *			keys)
 *	store_input.c	what add, trust and crl read: sniffing, parsing
 *	store_verbs.c	the certstore verbs and their output
 *
 * Each of them reaches the certificates through the backend table
 * (store_be.h).
 */
#ifndef SMIMETOOLS_STORE_INT_H
#define SMIMETOOLS_STORE_INT_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

#include "buf.h"
#include "cert.h"
#include "cms.h"
#include "store_be.h"

#define CHAIN_CANDS	64		/* issuer candidates for one chain */

/* An input of add or trust (store_input.c): its certificates and, for
 * a signed message, its signers, whose facts add records. */
struct input {
	STACK_OF(X509) *certs;
	int verified;			/* a signed message, signature valid */
	struct cms_verified v;		/* its signers */
};

/* A certificate of the inputs, by fingerprint (gather). */
struct cert_ref {
	char fp[FPLEN + 1];
	X509 *x;
};

/* The policy of `add` (store_judge.c); on the caller's stack. */
struct ca_ref {
	unsigned long hash;	/* subject name hash */
	X509 *x;
};

struct judge {
	struct store *s;
	X509_STORE *anchors;	/* loaded by the first chain checked */
	int system;		/* the system's anchors loaded, or unwanted */
	struct ca_ref *cas;	/* the inputs' CA certificates, by hash */
	size_t ncas;
	struct {
		unsigned long hash;
		STACK_OF(X509) *sk;
	} cache[64];		/* CA certificates of the store, by hash */
	size_t ncache;
};

/* What store_put records of a certificate: import, add and identity
 * add fill it. */
struct put {
	const char *source;
	const char *caps;	/* the signature's SMIMECapabilities */
	const char *msgid;
	int seen;		/* in a valid signature, now */
	int keypref;		/* named by SMIMEEncryptionKeyPreference */
	const struct tm *signed_at;	/* that signature's signingTime */
};

/*
 * store.c
 */
/* Stages a certificate and what is recorded of it, between the
 * backend's begin and commit: import, add, identity add.  Returns 1 if
 * it is new. */
int store_put(struct store *s, X509 *x, const struct put *w);
/* Must what a signature of signer signed at t (NULL: it says not) says
 * of the sender be left out?  Older than the sender's latest signing
 * time, or ahead of our clock while the sender has one: 1, with why.
 * import and add ask. */
int store_replayed(struct store *s, X509 *signer, const struct tm *t,
    char *why, size_t whysz);
/* Removes the certificates (not our identities') whose notAfter is
 * before limit; returns how many. */
size_t store_expire(struct store *s, time_t limit);
/* Revoked by a CRL of the store (their signatures were checked by
 * `crl add`): get and list ask, and the choice of the best. */
int store_revoked(struct store *s, X509 *x);

/*
 * store_judge.c
 */
/* Does a certificate meet the policy?  import and add ask. */
void judge_init(struct judge *j, struct store *s, STACK_OF(X509) *certs);
void judge_release(struct judge *j);
const char *judge(struct judge *j, X509 *x);
/* Does a certificate chain to the anchors, whatever the policy?  import
 * asks of a message's CA certificates, crl add of an issuer, crl urls
 * of a certificate. */
const char *judge_chain(struct judge *j, X509 *x);
/* Does a certificate read from a shared backend meet the policy, a
 * chain to the anchors included whatever the policy?  store_best and
 * the replay rule ask. */
const char *judge_read(struct judge *j, X509 *x);
/* The intermediates above a certificate: an identity's chain too. */
void issuers(struct judge *j, X509 *x, STACK_OF(X509) *out, int depth);
/* store_anchors for an open store (its local part's anchors): every
 * chain judge checks ends there. */
X509_STORE *store_anchors_of(struct store *s, const char **ca,
    int no_system);

/*
 * store_input.c
 */
/* The inputs of add and trust, read, parsed, one of each certificate:
 * files, or the one input in (-i: NULL or "-" is stdin); a signed
 * message within lim. */
struct cert_ref *gather(const char **files, const char *in,
    const struct limits *lim, struct input *ins, size_t nin, size_t *count,
    int *bad);
void input_release(struct input *in);
/* The input of crl add: a file (or stdin) and its CRL. */
char *read_input(const char *path, size_t *n);
X509_CRL *parse_crl(const char *buf, size_t n);

#endif
