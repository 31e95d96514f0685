/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * store_judge: the policy of `add` (certstore(1)), certificate by
 * certificate: a chain to the anchors (unless --policy signature),
 * built from the inputs and the store's intermediates; fitness for
 * mail; an address; under --policy strict, CRLs and no weak algorithm.
 * store_import judges a message's certificates the same way, and an
 * identity's chain is found with the same search (issuers).  And the
 * trust anchors every chain ends at (store_anchors).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "cms.h"
#include "opts.h"
#include "store_int.h"

void
store_trust_of(struct store_trust *t, const struct opts *o)
{
	t->policy = o->policy;
	t->ca = o->ca;
	t->no_system = o->no_system_ca;
	t->chain_max = o->lim.chain;
}

/* The store's trust, or the defaults: no command line at all. */
static const struct store_trust *
trust(const struct store *s)
{
	static struct store_trust dflt;

	if (s != NULL && s->trust != NULL)
		return s->trust;
	if (dflt.chain_max == 0)
		store_trust_of(&dflt, &opts_default);
	return &dflt;
}

X509_STORE *
store_anchors_of(struct store *s, const char **ca, int no_system)
{
	X509_STORE *st = cms_anchors(ca);
	struct store *l;

	if (s != NULL) {
		l = store_local(s);
		l->ops->anchors(l, st);
	}
	if (!no_system)
		X509_STORE_set_default_paths(st);
	ERR_clear_error();
	return st;
}

X509_STORE *
store_anchors(const char *where, const char **ca, int no_system)
{
	struct store *s = NULL;
	X509_STORE *st;

	if (store_probe(where))
		s = store_open(where, STORE_PEEK);
	st = store_anchors_of(s, ca, no_system);
	store_close(s);
	return st;
}

static int
ca_ref_cmp(const void *a, const void *b)
{
	const struct ca_ref *x = a, *y = b;

	return x->hash < y->hash ? -1 : x->hash > y->hash;
}

void
judge_init(struct judge *j, struct store *s, STACK_OF(X509) *certs)
{
	int i;

	memset(j, 0, sizeof(*j));
	j->s = s;
	/* The anchors are loaded when a chain is first checked. */
	j->cas = xcalloc((size_t)sk_X509_num(certs) + 1, sizeof(*j->cas));
	for (i = 0; i < sk_X509_num(certs); i++)
		if (cert_is_ca(sk_X509_value(certs, i))) {
			j->cas[j->ncas].x = sk_X509_value(certs, i);
			j->cas[j->ncas].hash =
			    X509_subject_name_hash(j->cas[j->ncas].x);
			j->ncas++;
		}
	qsort(j->cas, j->ncas, sizeof(*j->cas), ca_ref_cmp);
}

void
judge_release(struct judge *j)
{
	size_t i;

	for (i = 0; i < j->ncache; i++)
		sk_X509_pop_free(j->cache[i].sk, X509_free);
	X509_STORE_free(j->anchors);
	free(j->cas);
}

/* The CA certificates of certs/ whose subject hashes to h. */
static STACK_OF(X509) *
store_cas(struct judge *j, unsigned long h)
{
	STACK_OF(X509) *sk;
	struct hits hits;
	char key[16];
	size_t i;
	X509 *x;

	for (i = 0; i < j->ncache; i++)
		if (j->cache[i].hash == h)
			return j->cache[i].sk;
	if ((sk = sk_X509_new_null()) == NULL)
		xdie(ERR_TEMP, "out of memory");
	snprintf(key, sizeof(key), "ca:%08lx", h);
	j->s->ops->lookup(j->s, key, &hits);
	for (i = 0; i < hits.n && i < CHAIN_CANDS; i++)
		if ((x = j->s->ops->load(j->s, hits.v[i].fp)) != NULL)
			sk_X509_push(sk, x);
	free(hits.v);
	if (j->ncache == sizeof(j->cache) / sizeof(j->cache[0])) {
		sk_X509_pop_free(j->cache[0].sk, X509_free);
		memmove(j->cache, j->cache + 1, --j->ncache *
		    sizeof(j->cache[0]));
	}
	j->cache[j->ncache].hash = h;
	j->cache[j->ncache++].sk = sk;
	return sk;
}

static void
issuer_push(struct judge *j, X509 *c, X509 *x, STACK_OF(X509) *out,
    int depth)
{
	int i;

	/* The one whose key signed x, not any that bears the name: OpenSSL
	 * builds a chain with the first candidate that names and
	 * identifies the issuer, and does not try the next when its
	 * signature fails, so a twin (an intermediate's name and key
	 * identifier, another key) among the candidates would fail every
	 * chain through the real one. */
	if (X509_NAME_cmp(X509_get_subject_name(c),
	    X509_get_issuer_name(x)) != 0 ||
	    X509_verify(x, X509_get0_pubkey(c)) != 1) {
		ERR_clear_error();
		return;
	}
	for (i = 0; i < sk_X509_num(out); i++)
		if (X509_cmp(sk_X509_value(out, i), c) == 0)
			return;
	if (sk_X509_num(out) >= CHAIN_CANDS || !sk_X509_push(out, c))
		return;
	issuers(j, c, out, depth + 1);
}

/*
 * The untrusted certificates that may build x's chain: its issuers
 * among the inputs and the intermediates of certs/, and theirs, found
 * by subject hash.  Handing X509_verify_cert a whole bundle instead
 * would make it search every certificate for every certificate: a
 * 10,000-certificate bundle would take minutes.
 */
void
issuers(struct judge *j, X509 *x, STACK_OF(X509) *out, int depth)
{
	struct ca_ref key, *r;
	STACK_OF(X509) *sk;
	int i;

	if (depth > (int)trust(j->s)->chain_max ||
	    X509_check_issued(x, x) == X509_V_OK)
		return;
	key.hash = X509_issuer_name_hash(x);
	r = j->ncas > 0 ? bsearch(&key, j->cas, j->ncas, sizeof(*j->cas),
	    ca_ref_cmp) : NULL;
	while (r != NULL && r > j->cas && r[-1].hash == key.hash)
		r--;
	for (; r != NULL && r < j->cas + j->ncas && r->hash == key.hash; r++)
		issuer_push(j, r->x, x, out, depth);
	sk = store_cas(j, key.hash);
	for (i = 0; i < sk_X509_num(sk); i++)
		issuer_push(j, sk_X509_value(sk, i), x, out, depth);
}

static int
weak_sig(X509 *x)
{
	int md = NID_undef, pk;

	OBJ_find_sigid_algs(X509_get_signature_nid(x), &md, &pk);
	return md == NID_sha1 || md == NID_md5 || md == NID_md2 ||
	    md == NID_md4;
}

static const char *chain_try(struct judge *, X509 *, int);

/* Why x has no chain to the anchors (with crl_check, or is revoked),
 * or NULL if it has one.  Every certificate in the chain is checked by
 * signature: a certificate of the inputs or of certs/ that merely bears
 * an issuer's name is no issuer. */
static const char *
chain_why(struct judge *j, X509 *x, int crl_check)
{
	const char *why;

	/* The store's and --ca's anchors first, the system's only for a
	 * chain that does not end at one of them: parsing the system's
	 * bundle (some 140 certificates) was 193 M of the 219 M
	 * instructions of a certstore get over a directory server, whose
	 * every certificate is judged on reading.  A chain to one of the
	 * first is one to all of them; any other answer is asked again of
	 * all of them, so the verdict is the one the whole set gives. */
	if (j->anchors == NULL) {
		j->anchors = store_anchors_of(j->s, trust(j->s)->ca, 1);
		j->system = trust(j->s)->no_system;
	}
	if ((why = chain_try(j, x, crl_check)) != NULL && !j->system) {
		X509_STORE_set_default_paths(j->anchors);
		ERR_clear_error();
		j->system = 1;
		why = chain_try(j, x, crl_check);
	}
	return why;
}

static const char *
chain_try(struct judge *j, X509 *x, int crl_check)
{
	STACK_OF(X509) *untrusted;
	X509_STORE_CTX *ctx;
	const char *why = NULL;

	if ((untrusted = sk_X509_new_null()) == NULL ||
	    (ctx = X509_STORE_CTX_new()) == NULL ||
	    !X509_STORE_CTX_init(ctx, j->anchors, x, untrusted))
		xdie_ssl(ERR_TEMP, "cannot check a chain");
	issuers(j, x, untrusted, 0);
	/* Any purpose: fitness for mail is checked by hand (judge),
	 * because smimesign refuses encryption-only certificates and
	 * smimeencrypt keyAgreement-only ones. */
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY);
	X509_VERIFY_PARAM_set_depth(X509_STORE_CTX_get0_param(ctx),
	    (int)trust(j->s)->chain_max);
	if (crl_check)
		X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_CRL_CHECK |
		    X509_V_FLAG_CRL_CHECK_ALL);
	if (X509_verify_cert(ctx) <= 0)
		why = X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(ctx));
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	ERR_clear_error();
	return why;
}

/*
 * A CA certificate that a message brought, the issuer of a CRL, a
 * certificate whose distribution points smime-cron fetches: each counts
 * only with a chain to a configured anchor, whatever the policy.
 * --policy signature relaxes what is asked of a signer, not what may
 * sign for others: a twin of our intermediate (its name, the
 * attacker's key) would otherwise be stored and then sign CRLs.
 */
const char *
judge_chain(struct judge *j, X509 *x)
{
	return chain_why(j, x, 0);
}

/* Why x does not meet the policy, or NULL if it does. */
const char *
judge(struct judge *j, X509 *x)
{
	EVP_PKEY *pk;
	struct addrs a;
	const char *why = NULL;
	enum opt_policy policy = trust(j->s)->policy;

	if (policy == POLICY_SIGNATURE)
		return NULL;
	if ((why = chain_why(j, x, policy == POLICY_STRICT)) != NULL ||
	    cert_is_ca(x))
		return why;
	if (!cert_fit_for_mail(x))
		return "key usage not fit for mail";
	cert_addrs(x, &a);
	if (a.n == 0)
		why = "it names no mail address";
	addrs_free(&a);
	pk = X509_get0_pubkey(x);
	if (why == NULL && policy == POLICY_STRICT && (weak_sig(x) ||
	    (pk != NULL && EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA &&
	    EVP_PKEY_get_bits(pk) < 2048)))
		why = "weak algorithm";
	return why;
}

/* A certificate a backend written by others returned (store_ops.shared):
 * judged as add judges it, and under --policy signature still by its
 * chain: what others wrote is never taken on its signature alone. */
const char *
judge_read(struct judge *j, X509 *x)
{
	return trust(j->s)->policy == POLICY_SIGNATURE ? judge_chain(j, x) :
	    judge(j, x);
}
