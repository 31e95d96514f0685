/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * store: the policy every backend shares (see store.h, store_be.h,
 * certstore(1) and certstore(5); store_int.h says which file holds
 * what).  Here: what smime-verify --import and certstore add record of
 * a certificate (the replay rule of certstore(5)); the best
 * certificate to encrypt to; revocation by the store's CRLs; expire.
 * Nothing here knows how the backend keeps what it is given.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "store_int.h"

/* How often a change that lost a race (commit's version check) is read
 * again and retried before the store counts as busy. */
#define RETRIES	8

/*
 * The attempts at a change that may lose a race (commit's version
 * check): before attempt n (from 2), a random wait of up to one slot
 * times 2^(n-2), so that writers that collided do not collide again in
 * step.  A slot is the longest attempt so far (at least 10 ms, at most
 * 1 s): a fixed one (10 ms) fitted a quick process but not one slowed
 * down (valgrind: an attempt of 0.5 s), whose ten imports of one sender
 * at once still ran out of attempts in 2 of 10, the waits being shorter
 * than the window they were to spread.
 */
struct attempts {
	int n;
	long slot;		/* ms */
	struct timespec t0;
};

static long
ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000;
}

static int
attempt(struct attempts *a)
{
	unsigned r = 0;
	long ms;
	struct timespec ts;

	if (a->n == RETRIES)
		return 0;
	if (a->n > 0) {
		ms = ms_since(&a->t0);
		if (ms > a->slot)
			a->slot = ms < 1000 ? ms : 1000;
		(void)RAND_bytes((unsigned char *)&r, sizeof(r));
		ms = (long)(r % ((unsigned long)a->slot << (a->n - 1))) + 1;
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = ms % 1000 * 1000000L;
		nanosleep(&ts, NULL);
	}
	a->n++;
	clock_gettime(CLOCK_MONOTONIC, &a->t0);
	return 1;
}

int
store_revoked(struct store *s, X509 *x)
{
	struct store *l = store_local(s);
	STACK_OF(X509_CRL) *sk = l->ops->crls(l, X509_get_issuer_name(x));
	X509_REVOKED *r;
	int i, rev = 0;

	for (i = 0; i < sk_X509_CRL_num(sk) && !rev; i++)
		rev = X509_CRL_get0_by_cert(sk_X509_CRL_value(sk, i), &r, x)
		    == 1;
	sk_X509_CRL_pop_free(sk, X509_CRL_free);
	ERR_clear_error();
	return rev;
}

/*
 * A backend others write to (store_ops.shared: a directory server)
 * earns no trust: a certificate it returns is used only if it meets
 * the store's policy as add would judge it (judge_read: a chain to a
 * local anchor), besides naming the address, being valid now and not
 * revoked, which store_best asks of every backend.  The directory
 * backend's were judged when they were stored and pay nothing here.
 */
struct vet {
	struct judge j;
	STACK_OF(X509) *none;
};

static int
vetted(struct store *s, struct vet *v, X509 *x)
{
	struct buf label = { 0 };
	const char *why;

	if (!s->ops->shared)
		return 1;
	if (v->none == NULL) {
		if ((v->none = sk_X509_new_null()) == NULL)
			xdie(ERR_TEMP, "out of memory");
		judge_init(&v->j, s, v->none);
	}
	if ((why = judge_read(&v->j, x)) == NULL)
		return 1;
	verbosex("ignored: %s, from the shared store: %s",
	    cert_label(x, &label), why);
	buf_free(&label);
	return 0;
}

static void
vet_release(struct vet *v)
{
	if (v->none == NULL)
		return;
	judge_release(&v->j);
	sk_X509_free(v->none);
}

/* Does the certificate of a hit count for key?  Always, in a store
 * whose hits are derived from its certificates. */
static int
hit_counts(struct store *s, struct vet *v, const char *fp, const char *key)
{
	X509 *x;
	int ok;

	if (!s->ops->shared)
		return 1;
	if ((x = s->ops->load(s, fp)) == NULL)
		return 0;
	ok = cert_names(x, key) && vetted(s, v, x);
	X509_free(x);
	return ok;
}

/* To the microsecond: last-seen and key-preference order the imports of
 * one sender, which may come within a second of each other.  Always
 * this width, so that the times compare as strings. */
static void
iso_now(char out[32])
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + 19, 32 - 19, ".%06dZ", (int)(ts.tv_nsec / 1000 % 1000000));
}

/* A value from a message, made safe for a .meta line: printable ASCII,
 * at most max bytes. */
static void
meta_clean(const char *in, char *out, size_t max)
{
	size_t n = 0;

	for (; in != NULL && *in != '\0' && n + 1 < max; in++)
		if ((unsigned char)*in >= 0x20 && (unsigned char)*in < 0x7f)
			out[n++] = *in;
	out[n] = '\0';
}

/*
 * Writing certificates.
 */

/*
 * Signing time and arrival time (certstore(5)).  The signingTime of a
 * signature is the sender's claim, signed with the rest: it orders a
 * sender's signatures, so that a replayed older message changes nothing
 * (RFC 8551 section 2.5.3: no key or cipher rollback).  A claim more
 * than SKEW ahead of our clock orders nothing: taken as it stands, one
 * signature dated years ahead would make every later one an "older"
 * one.  The times the store orders certificates by are our own
 * (last-seen, key-preference: arrival).
 */
#define SKEW	(24 * 60 * 60)	/* how far a sender's clock may run ahead */

static void
iso_tm(const struct tm *t, char out[32])
{
	if (strftime(out, 32, "%Y-%m-%dT%H:%M:%S.000000Z", t) == 0)
		*out = '\0';
}

/* The seconds of an ISO time of .meta, or -1. */
static time_t
iso_secs(const char *v)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (v == NULL || sscanf(v, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
	    &tm.tm_sec) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon--;
	return timegm(&tm);
}

/* Is the claim t no further ahead of when than SKEW? */
static int
claim_counts(const struct tm *t, time_t when)
{
	struct tm c = *t;

	return timegm(&c) <= when + SKEW;
}

/*
 * The sender's latest signing time, the newest of the certificates
 * indexed for any address of signer ("" if none).  A claim that was
 * ahead of its arrival (written by an older version) does not count.
 */
static void
sender_latest(struct store *s, X509 *signer, char latest[32])
{
	char key[ADDR_MAX + 1];
	const char *st, *ls;
	struct vet vt = { 0 };
	struct addrs a;
	struct hits h;
	struct meta m;
	time_t t;
	size_t i, k;

	*latest = '\0';
	cert_addrs(signer, &a);
	for (i = 0; i < a.n; i++) {
		if (!addr_norm(a.v[i].p, a.v[i].n, key))
			continue;
		s->ops->lookup(s, key, &h);
		for (k = 0; k < h.n; k++) {
			/* A shared store's entry that names the sender
			 * while its certificate does not would hold back
			 * what the sender's signatures say. */
			if (!hit_counts(s, &vt, h.v[k].fp, key))
				continue;
			(void)s->ops->facts(s, h.v[k].fp, &m);
			st = meta_get(&m, "signing-time");
			ls = meta_get(&m, "last-seen");
			if (st != NULL && ls != NULL && strlen(st) < 32 &&
			    (t = iso_secs(st)) != -1 && iso_secs(ls) != -1 &&
			    t <= iso_secs(ls) + SKEW && strcmp(st, latest) > 0)
				memcpy(latest, st, strlen(st) + 1);
			meta_free(&m);
		}
		free(h.v);
	}
	addrs_free(&a);
	vet_release(&vt);
}

int
store_replayed(struct store *s, X509 *signer, const struct tm *t,
    char *why, size_t whysz)
{
	char latest[32], v[32];

	if (t == NULL)
		return 0;	/* no claim: taken as signed when it came */
	sender_latest(s, signer, latest);
	if (*latest == '\0')
		return 0;
	iso_tm(t, v);
	if (!claim_counts(t, time(NULL)))
		snprintf(why, whysz, "signed at %s, more than a day ahead of "
		    "our clock", v);
	else if (strcmp(v, latest) < 0)
		snprintf(why, whysz, "signed at %s, before the sender's "
		    "signature of %s", v, latest);
	else
		return 0;
	return 1;
}

/*
 * Stages the certificate if it is new and what is recorded of it if
 * anything changed.  An existing certificate is never rewritten and its
 * first-seen never changed.  key-preference holds when a signature last
 * named it: it counts only while no later signature of the sender has
 * been seen (store_best).  Returns 1 if it is new.
 */
int
store_put(struct store *s, X509 *x, const struct put *w)
{
	char fp[FPLEN + 1], now[32], v[1024];
	struct meta m;
	int have, isnew, changed = 0;

	cert_fp(x, fp);
	have = s->ops->facts(s, fp, &m);
	isnew = !(have & STORE_PUT_CERT);
	iso_now(now);
	if (meta_get(&m, "first-seen") == NULL)
		changed |= meta_set(&m, "first-seen", now);
	if (meta_get(&m, "source") == NULL)
		changed |= meta_set(&m, "source", w->source);
	if (w->seen)
		changed |= meta_set(&m, "last-seen", now);
	/* The latest claim that counts, as the other times are written:
	 * it never moves back, or a replayed message without one (or
	 * with an older one) would clear the way for older ones still. */
	if (w->seen && w->signed_at != NULL &&
	    claim_counts(w->signed_at, time(NULL))) {
		iso_tm(w->signed_at, v);
		if (*v != '\0' && (meta_get(&m, "signing-time") == NULL ||
		    strcmp(v, meta_get(&m, "signing-time")) > 0))
			changed |= meta_set(&m, "signing-time", v);
	}
	if (w->caps != NULL && *w->caps != '\0') {
		meta_clean(w->caps, v, 256);
		changed |= meta_set(&m, "capabilities", v);
	}
	if (w->keypref)
		changed |= meta_set(&m, "key-preference", now);
	if (w->seen && w->msgid != NULL && *w->msgid != '\0') {
		meta_clean(w->msgid, v, sizeof(v));
		changed |= meta_set(&m, "message-id", v);
	}
	if (isnew || changed || !(have & STORE_PUT_META))
		s->ops->put(s, x, &m, (isnew ? STORE_PUT_CERT : 0) |
		    STORE_PUT_META);
	meta_free(&m);
	return isnew;
}

/*
 * smime-verify --import.  The signer passed; the other certificates the
 * message carries are stored only if they are CAs that chain to a
 * configured anchor (intermediates: never anchors, and never chosen to
 * encrypt to) or certificates of the
 * signer's own (its encryption certificate, say: every address they
 * name is the signer's) that meet the policy.  That holds for the one
 * the SMIMEEncryptionKeyPreference names too: any other certificate
 * would let one valid signer plant a key, or a preference, for
 * somebody else's address.
 */
/* One attempt of store_import, between begin and commit. */
static void
import_once(struct store *s, X509 *signer, STACK_OF(X509) *certs,
    const char *capabilities, X509 *preferred, const struct tm *signing_time,
    const char *message_id)
{
	char why_replay[160];
	struct put w = { .source = "smime-verify --import",
		.caps = capabilities, .msgid = message_id, .seen = 1,
		.signed_at = signing_time };
	struct put other = { .source = "smime-verify --import" };
	struct buf label = { 0 };
	struct judge j;
	const char *why;
	X509 *x;
	int i, njudge = 0;

	/* An older signature's certificates are data like any other (a
	 * renewal's messages may arrive out of order); what it says of the
	 * sender is not taken: no last-seen, capabilities or preference,
	 * so the best certificate and its capabilities stay. */
	if (store_replayed(s, signer, signing_time, why_replay,
	    sizeof(why_replay))) {
		verbosex("what the signature says is not recorded: %s",
		    why_replay);
		w.seen = 0;
		w.caps = capabilities = NULL;
		w.msgid = NULL;
		w.signed_at = NULL;
		preferred = NULL;
	}
	w.keypref = cert_same(signer, preferred);
	store_put(s, signer, &w);
	memset(&j, 0, sizeof(j));
	for (i = 0; i < sk_X509_num(certs); i++) {
		x = sk_X509_value(certs, i);
		if (cert_same(x, signer))
			continue;
		if (!cert_is_ca(x) && !cert_names_within(x, signer)) {
			verbosex("not stored: %s, not the signer's%s",
			    cert_label(x, &label), cert_same(x, preferred) ?
			    " (its key preference is ignored)" : "");
			continue;
		}
		if (njudge++ == 0)
			judge_init(&j, s, certs);
		if (cert_is_ca(x)) {
			/* Data, never trust: an intermediate is kept only
			 * with a chain to a configured anchor, under every
			 * policy. */
			if ((why = judge_chain(&j, x)) != NULL)
				verbosex("not stored: %s: %s",
				    cert_label(x, &label), why);
			else {
				other.caps = NULL;
				other.keypref = 0;
				store_put(s, x, &other);
			}
			continue;
		}
		if ((why = judge(&j, x)) != NULL) {
			verbosex("not stored: %s: %s", cert_label(x, &label),
			    why);
			continue;
		}
		other.caps = capabilities;
		other.keypref = cert_same(x, preferred);
		store_put(s, x, &other);
	}
	if (njudge > 0)
		judge_release(&j);
	buf_free(&label);
}

void
store_import(struct store *s, X509 *signer, STACK_OF(X509) *certs,
    const char *capabilities, X509 *preferred, const struct tm *signing_time,
    const char *message_id)
{
	struct attempts a = { .slot = 10 };
	struct store_version v;

	/* One commit: every file written before the first rename.  A
	 * backend without a lock may find the store changed since begin:
	 * what was staged is dropped, and the message read again. */
	while (attempt(&a)) {
		s->ops->begin(s, &v);
		import_once(s, signer, certs, capabilities, preferred,
		    signing_time, message_id);
		if (s->ops->commit(s, &v))
			return;
	}
	xdie(ERR_TEMP, "the store '%s' changed under %d attempts to "
	    "import: try again later", s->where, RETRIES);
}

/*
 * Reading: the best certificate for an address, our identities.
 */
struct cand {
	X509 *x;
	int keypref;
	char pref[32];		/* when a signature last named it */
	char last[32];
	char caps[256];
};

/* Is a better than b (certstore(1): key preference, then seen
 * most recently, then the latest notAfter)? */
static int
better(const struct cand *a, const struct cand *b)
{
	int c;

	if (a->keypref != b->keypref)
		return a->keypref;
	if ((c = strcmp(a->last, b->last)) != 0)
		return c > 0;
	c = ASN1_TIME_compare(X509_get0_notAfter(a->x),
	    X509_get0_notAfter(b->x));
	if (c != 0)
		return c > 0;
	/* A stable choice among equals. */
	return X509_cmp(a->x, b->x) < 0;
}

X509 *
store_best(struct store *s, const char *addr, char *caps, size_t capssz)
{
	struct cand best = { 0 }, *c = NULL;
	char key[ADDR_MAX + 1], latest[32] = "";
	struct vet vt = { 0 };
	struct hits h;
	struct meta m;
	const char *v;
	size_t i, n = 0;

	if (caps != NULL && capssz > 0)
		*caps = '\0';
	if (!addr_key(addr, key))
		return NULL;
	s->ops->lookup(s, key, &h);
	c = xcalloc(h.n + 1, sizeof(*c));
	for (i = 0; i < h.n; i++) {
		if ((c[n].x = s->ops->load(s, h.v[i].fp)) == NULL)
			continue;	/* removed since, or damaged */
		/* The index is derived: the certificate decides. */
		if (!cert_names(c[n].x, key) || !vetted(s, &vt, c[n].x)) {
			X509_free(c[n].x);
			continue;
		}
		(void)s->ops->facts(s, h.v[i].fp, &m);
		snprintf(c[n].pref, sizeof(c[n].pref), "%s",
		    (v = meta_get(&m, "key-preference")) != NULL ? v : "");
		snprintf(c[n].last, sizeof(c[n].last), "%s",
		    (v = meta_get(&m, "last-seen")) != NULL ? v : "");
		snprintf(c[n].caps, sizeof(c[n].caps), "%s",
		    (v = meta_get(&m, "capabilities")) != NULL ? v : "");
		meta_free(&m);
		/* The sender's latest signature, whatever it was signed
		 * with: a signing-only certificate's names the other. */
		if (strcmp(c[n].last, latest) > 0)
			snprintf(latest, sizeof(latest), "%s", c[n].last);
		n++;
	}
	for (i = 0; i < n; i++) {
		if (!cert_valid_now(c[i].x) || !cert_can_encrypt(c[i].x) ||
		    store_revoked(s, c[i].x)) {
			X509_free(c[i].x);
			continue;
		}
		/* Named by that latest signature (ISO times compare as
		 * strings); an older preference has been superseded. */
		c[i].keypref = *c[i].pref != '\0' &&
		    strcmp(c[i].pref, latest) >= 0;
		if (best.x == NULL || better(&c[i], &best)) {
			X509_free(best.x);
			best = c[i];
		} else
			X509_free(c[i].x);
	}
	free(c);
	free(h.v);
	vet_release(&vt);
	if (best.x != NULL && caps != NULL && capssz > 0)
		snprintf(caps, capssz, "%s", best.caps);
	return best.x;
}

/*
 * expire: correspondents' certificates whose notAfter is before limit
 * go, with what is recorded of them; our identities' stay (their keys
 * would be left without them).
 */
struct expiry {
	time_t limit;
	struct fps gone;
};

static void
expire_one(struct store *s, const char *fp, void *arg)
{
	struct store *l = store_local(s);
	char key[PATH_MAX], cert[PATH_MAX];
	struct expiry *e = arg;
	X509 *x;

	if (l->ops->identity(l, fp, key, cert, sizeof(key)) ||
	    (x = s->ops->load(s, fp)) == NULL)
		return;
	if (X509_cmp_time(X509_get0_notAfter(x), &e->limit) < 0)
		fps_push(&e->gone, fp);
	X509_free(x);
}

size_t
store_expire(struct store *s, time_t limit)
{
	struct expiry e = { .limit = limit };
	struct attempts a = { .slot = 10 };
	struct store_version v;
	size_t i;

	while (attempt(&a)) {
		s->ops->begin(s, &v);
		e.gone.n = 0;
		s->ops->walk(s, STORE_PEERS, expire_one, &e);
		for (i = 0; i < e.gone.n; i++)
			s->ops->drop(s, e.gone.v[i]);
		if (e.gone.n == 0 || s->ops->commit(s, &v)) {
			free(e.gone.v);
			return e.gone.n;
		}
	}
	xdie(ERR_TEMP, "the store '%s' changed under %d attempts to "
	    "expire: try again later", s->where, RETRIES);
}
