/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * store_identity: which of our identities smime-sign, smime-decrypt and
 * smime-encrypt --as take (store.h), and its chain.  Identities are the
 * store's local part (store_local): a backend of correspondents'
 * certificates alone leaves them to the directory.  The one file of the
 * store that loads keys, so that a filter that needs none (smime-verify)
 * does not link the key loaders, nor load a PKCS#11 module.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "io.h"
#include "keys.h"
#include "p11.h"
#include "p11uri.h"
#include "store_int.h"

/* The fingerprint of our identity for addr (NULL: the only one), else
 * 0.  keys/ is scanned rather than the index: it holds a handful of
 * files, and an identity must not be missed because the index is
 * stale. */
struct idpick {
	const char *key;
	char fp[FPLEN + 1];
	X509 *x;
	int n;
};

/* The files of the identity fp (the local store's), into key and cert
 * (PATH_MAX bytes each). */
static void
id_paths(struct store *s, const char *fp, char *key, char *cert)
{
	if (!s->ops->identity(s, fp, key, cert, PATH_MAX))
		xdie(ERR_CONFIG, "no identity sha256:%s in the store '%s'",
		    fp, s->where);
}

/*
 * The identity whose files id_paths gave: a key file, or the record of
 * a key on a token (keys/<fp>.p11).  A token key is used with the
 * store's certificate, which must be its own.  The PIN: --passin, else
 * the source identity add recorded, else the URI's pin-source.
 */
static void
id_load(struct store *s, const char *fp, const char *passin,
    struct identity *id)
{
	char kpath[PATH_MAX], cpath[PATH_MAX], *p;
	size_t n, len;
	struct p11rec r;
	const char *why;
	X509 *x;

	id_paths(s, fp, kpath, cpath);
	n = strlen(kpath);
	if (n < 4 || strcmp(kpath + n - 4, ".p11") != 0) {
		keys_load_identity(id, kpath, cpath, NULL, passin, ERR_CONFIG);
		return;
	}
	if ((p = io_read_file(kpath, P11REC_FILE_MAX, &len)) == NULL)
		xdie(ERR_CONFIG, "cannot read %s: %s", kpath, strerror(errno));
	if (p11rec_parse(p, len, &r, &why) < 0)
		xdie(ERR_CONFIG, "%s: %s (certstore fsck)", kpath, why);
	free(p);
	if ((x = s->ops->load(s, fp)) == NULL)
		xdie(ERR_CONFIG, "cannot read %s", cpath);
	p11_load_identity(id, r.uri, r.module, passin != NULL ? passin :
	    r.pin_source[0] != '\0' ? r.pin_source : NULL, 0);
	X509_free(id->cert);
	id->cert = x;
	if (!X509_check_private_key(x, id->key))
		xdie_ssl(ERR_CONFIG, "%s: the key on the token is not the "
		    "certificate's", kpath);
	if ((id->chain = sk_X509_new_null()) == NULL)
		xdie(ERR_TEMP, "out of memory");
}

static void
id_consider(struct store *s, const char *fp, void *arg)
{
	struct idpick *p = arg;
	X509 *x = s->ops->load(s, fp);

	if (x == NULL || (p->key != NULL && !cert_names(x, p->key))) {
		X509_free(x);
		return;
	}
	p->n++;
	/* Valid now first, then the one that expires last. */
	if (p->x == NULL || (cert_valid_now(x) && !cert_valid_now(p->x)) ||
	    (cert_valid_now(x) == cert_valid_now(p->x) &&
	    ASN1_TIME_compare(X509_get0_notAfter(x),
	    X509_get0_notAfter(p->x)) > 0)) {
		X509_free(p->x);
		p->x = x;
		memcpy(p->fp, fp, sizeof(p->fp));
	} else
		X509_free(x);
}

/* Of the candidates, the one whose key signed x, or NULL. */
static X509 *
signer_of(STACK_OF(X509) *cands, X509 *x)
{
	X509 *c;
	int i;

	for (i = 0; i < sk_X509_num(cands); i++) {
		c = sk_X509_value(cands, i);
		if (X509_check_issued(c, x) == X509_V_OK &&
		    X509_verify(x, X509_get0_pubkey(c)) == 1)
			return c;
	}
	ERR_clear_error();
	return NULL;
}

/*
 * The intermediates of certs/ above our certificate, for smime-sign to
 * send along (the PKCS#12 file brought them); roots are left out.  Each
 * is the one whose key signed the certificate below it: a name is not
 * enough, or a twin of our intermediate (its name, somebody else's key,
 * stored from a message before this check or by certstore add --policy
 * signature) would go out in our signatures, and readers that pick an
 * issuer by name (gpgsm) would find it and fail them.
 */
static void
identity_chain(struct store *s, struct identity *id)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	struct judge j;
	X509 *x, *below = id->cert;

	if (sk == NULL)
		xdie(ERR_TEMP, "out of memory");
	memset(&j, 0, sizeof(j));
	j.s = s;
	issuers(&j, id->cert, sk, 0);
	/* Each step takes its certificate out of the candidates (they are
	 * j's, not sk's): no loop, at most CHAIN_CANDS steps. */
	while ((x = signer_of(sk, below)) != NULL &&
	    X509_check_issued(x, x) != X509_V_OK) {
		X509_up_ref(x);
		if (!sk_X509_push(id->chain, x))
			xdie(ERR_TEMP, "out of memory");
		(void)sk_X509_delete_ptr(sk, x);
		below = x;
	}
	sk_X509_free(sk);
	judge_release(&j);
}

static void
id_collect(struct store *s, const char *fp, void *arg)
{
	X509 *x = s->ops->load(s, fp);

	if (x != NULL && !sk_X509_push(arg, x))
		xdie(ERR_TEMP, "out of memory");
}

STACK_OF(X509) *
store_identity_certs(struct store *st)
{
	struct store *s = store_local(st);
	STACK_OF(X509) *sk = sk_X509_new_null();

	if (sk == NULL)
		xdie(ERR_TEMP, "out of memory");
	s->ops->walk(s, STORE_IDENTITIES, id_collect, sk);
	return sk;
}

void
store_identity_of(struct store *st, X509 *x, const char *passin,
    struct identity *id)
{
	struct store *s = store_local(st);
	char fp[FPLEN + 1];

	cert_fp(x, fp);
	id_load(s, fp, passin, id);
}

X509 *
store_identity_cert(struct store *st, const char *addr)
{
	struct store *s = store_local(st);
	char key[ADDR_MAX + 1];
	struct idpick p = { 0 };

	if (addr != NULL && !addr_key(addr, key))
		xdie(ERR_CONFIG, "no identity for '%s' in the store", addr);
	p.key = addr != NULL ? key : NULL;
	s->ops->walk(s, STORE_IDENTITIES, id_consider, &p);
	if (p.n == 0 || (addr == NULL && p.n > 1))
		xdie(ERR_CONFIG, "%s%s%s in the store '%s' (certstore identity "
		    "add)", addr != NULL ? "no identity for '" :
		    p.n == 0 ? "no identity" : "more than one identity",
		    addr != NULL ? addr : "", addr != NULL ? "'" : "", s->where);
	return p.x;
}

void
store_identity(struct store *st, const char *addr, const char *passin,
    struct identity *id)
{
	struct store *s = store_local(st);
	char key[ADDR_MAX + 1];
	struct idpick p = { 0 };

	if (addr != NULL && !addr_key(addr, key))
		xdie(ERR_CONFIG, "no identity for '%s' in the store", addr);
	p.key = addr != NULL ? key : NULL;
	s->ops->walk(s, STORE_IDENTITIES, id_consider, &p);
	X509_free(p.x);
	if (p.n == 0 || (addr == NULL && p.n > 1))
		xdie(ERR_CONFIG, "%s%s%s in the store '%s' (certstore identity "
		    "add)", addr != NULL ? "no identity for '" :
		    p.n == 0 ? "no identity" : "more than one identity",
		    addr != NULL ? addr : "", addr != NULL ? "'" : "", s->where);
	id_load(s, p.fp, passin, id);
	identity_chain(s, id);
}

