/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * store_ldap_verbs: `certstore ldap set|show|unset|schema|push`
 * (certstore(1)), linked by certstore alone.  set and unset write the
 * local store's file `ldap` as every store file is written (a
 * temporary file, fsync, rename, fsync of the folder, under the lock);
 * push copies the local correspondents' certificates and what is
 * recorded of them to the directory server, through the backend table.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldap.h>
#include <openssl/x509.h>

#include "io.h"
#include "store_dir.h"
#include "store_int.h"
#include "store_ldap.h"
#include "smimetools_ldif.h"	/* generated from scripts/smimetools.ldif */

#define RETRIES	8

/* The local store, held here so that a failure that exits leaves it
 * reachable. */
static struct store *held;

static struct store_dir *
open_local(const struct opts *o)
{
	const char *dir = opts_store_dir(o);

	/* The directory itself: set must mend a file the ldap backend
	 * would refuse to open with. */
	held = store_dir_ops.open(dir, STORE_WRITE);
	return store_dir_of(held);
}

static void
close_local(void)
{
	held->ops->close(held);
	held = NULL;
}

/* A value recorded as one line: no control character. */
static void
want_text(const char *what, const char *v)
{
	for (; *v != '\0'; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			xdie(ERR_USAGE, "certstore ldap set: %s holds a control "
			    "character", what);
}

/* --tls-ca: an absolute path to a file holding a certificate. */
static char *
tls_ca(const char *arg)
{
	char path[PATH_MAX], *p;
	size_t n;
	X509 *x;

	if (realpath(arg, path) == NULL)
		xdie(ERR_NOINPUT, "--tls-ca: cannot open '%s': %s", arg,
		    strerror(errno));
	if ((p = io_read_file(path, 1 << 20, &n)) == NULL)
		xdie(ERR_NOINPUT, "--tls-ca: cannot read '%s': %s", path,
		    strerror(errno));
	x = cert_from_pem(p, n);
	free(p);
	if (x == NULL)
		xdie(ERR_DATA, "--tls-ca: '%s' holds no PEM certificate", path);
	X509_free(x);
	want_text("--tls-ca", path);
	return xstrdup(path);
}

static enum err_class
ldap_set(const struct opts *o, const char **args)
{
	struct store_ldap_conf c = { 0 };
	struct buf urls = { 0 }, text = { 0 };
	struct store_dir *d;
	LDAPDN dn = NULL;
	const char *why;
	char w[512];
	size_t i;

	if (args == NULL || args[0] == NULL)
		xdie(ERR_USAGE, "certstore ldap set: URL missing (see --help)");
	for (i = 0; args[i] != NULL; i++) {
		want_text("the URL", args[i]);
		buf_printf(&urls, "%s%s", i > 0 ? " " : "", args[i]);
	}
	if ((why = store_ldap_url_check(urls.p, w, sizeof(w))) != NULL)
		xdie(ERR_USAGE, "certstore ldap set: %s", why);
	if ((o->bind_dn != NULL) != (o->bind_passin != NULL))
		xdie(ERR_USAGE, "certstore ldap set: --bind-dn and "
		    "--bind-passin go together");
	if (o->bind_dn != NULL) {
		want_text("--bind-dn", o->bind_dn);
		if (ldap_str2dn(o->bind_dn, &dn, LDAP_DN_FORMAT_LDAPV3) !=
		    LDAP_SUCCESS || dn == NULL)
			xdie(ERR_USAGE, "certstore ldap set: --bind-dn '%s' is "
			    "not a DN", o->bind_dn);
		ldap_dnfree(dn);
		/* Not echoed: a passphrase given by mistake would be. */
		if ((why = store_ldap_passin_check(o->bind_passin)) != NULL)
			xdie(ERR_USAGE, "certstore ldap set: --bind-passin: %s",
			    why);
		if (strncmp(o->bind_passin, "file:", 5) == 0 &&
		    access(o->bind_passin + 5, R_OK) == -1)
			xdie(ERR_NOINPUT, "--bind-passin: cannot read '%s': %s",
			    o->bind_passin + 5, strerror(errno));
		c.bind_dn = xstrdup(o->bind_dn);
		c.bind_passin = xstrdup(o->bind_passin);
	}
	if (o->tls_ca != NULL)
		c.tls_ca = tls_ca(o->tls_ca);
	c.url = urls.p;
	c.timeout = o->ldap_timeout > 0 ? o->ldap_timeout :
	    STORE_LDAP_TIMEOUT;
	store_ldap_conf_text(&c, &text);
	c.url = NULL;
	d = open_local(o);
	stage_data(d, STORE_LDAP_FILE, text.p, text.n);
	commit(d);
	verbosex("the store '%s' keeps its correspondents' certificates in "
	    "%s", d->dir, urls.p);
	close_local();
	store_ldap_conf_free(&c);
	buf_free(&urls);
	buf_free(&text);
	return ERR_OK;
}

/* The text on stdout or -o, as the other verbs write. */
static void
out_text(const struct opts *o, const char *p, size_t n)
{
	struct io_wr w;
	int e;

	io_wr_init(&w, io_out_open(o->out), o->eol);
	io_wr_write(&w, p, n);
	if ((e = io_wr_flush(&w)) != 0)
		xdie(io_errclass(e), "cannot write output: %s", strerror(e));
	io_out_commit();
}

static enum err_class
ldap_show(const struct opts *o)
{
	struct store_ldap_conf c;
	struct buf b = { 0 };
	const char *dir = opts_store_dir(o);

	/* As any verb: a store that is no store is 78. */
	held = store_dir_ops.open(dir, STORE_PEEK);
	if (store_ldap_conf_read(dir, &c)) {
		/* The recorded lines: a passphrase is never among them
		 * (set records its source; a file naming pass: does not
		 * read). */
		store_ldap_conf_text(&c, &b);
		out_text(o, b.p, b.n);
	} else
		verbosex("no directory server: the store '%s' keeps its "
		    "certificates itself", dir);
	store_ldap_conf_free(&c);
	buf_free(&b);
	close_local();
	return ERR_OK;
}

static enum err_class
ldap_unset(const struct opts *o)
{
	struct store_dir *d = open_local(o);

	if (has_file(d, ".", STORE_LDAP_FILE, "")) {
		stage_unlink(d, STORE_LDAP_FILE);
		commit(d);
		verbosex("the store '%s' keeps its certificates itself again "
		    "(those in the directory stay there)", d->dir);
	} else
		verbosex("no directory server was set");
	close_local();
	return ERR_OK;
}

/*
 * push: what the directory lacks of each local certificate.  Times
 * merge as readers take them (the later, the earlier first-seen),
 * capabilities go with the later last-seen, the rest stays as the
 * directory has it: a second push changes nothing.
 */
static void
merge(struct meta *dm, const struct meta *lm)
{
	const char *name, *lv, *dv, *c;
	char buf[64];
	size_t i, n;
	int later;

	for (i = 0; i < lm->n; i++) {
		c = strchr(lm->line[i], ':');
		n = (size_t)(c - lm->line[i]);
		if (c == NULL || n >= sizeof(buf) || c[1] != ' ')
			continue;
		memcpy(buf, lm->line[i], n);
		buf[n] = '\0';
		name = buf;
		lv = c + 2;
		if ((dv = meta_get(dm, name)) == NULL) {
			(void)meta_set(dm, name, lv);
			continue;
		}
		later = strcmp(lv, dv) > 0;
		if ((strcmp(name, "last-seen") == 0 ||
		    strcmp(name, "signing-time") == 0 ||
		    strcmp(name, "key-preference") == 0) && later)
			(void)meta_set(dm, name, lv);
		else if (strcmp(name, "first-seen") == 0 && !later &&
		    strcmp(lv, dv) != 0)
			(void)meta_set(dm, name, lv);
	}
	/* The capabilities of the later signature. */
	if ((lv = meta_get(lm, "capabilities")) != NULL &&
	    meta_get(lm, "last-seen") != NULL &&
	    strcmp(meta_get(lm, "last-seen"), meta_get(dm, "last-seen")) >= 0)
		(void)meta_set(dm, "capabilities", lv);
}

static void
fp_collect(struct store *s, const char *fp, void *arg)
{
	(void)s;
	fps_push(arg, fp);
}

/* One certificate, as one change. */
static void
push_one(struct store *s, struct store *l, const char *fp)
{
	struct store_version v;
	struct meta lm, dm;
	int have, n;
	X509 *x;

	if ((x = l->ops->load(l, fp)) == NULL)
		return;
	for (n = 0; n < RETRIES; n++) {
		s->ops->begin(s, &v);
		(void)l->ops->facts(l, fp, &lm);
		have = s->ops->facts(s, fp, &dm);
		merge(&dm, &lm);
		s->ops->put(s, x, &dm, (have & STORE_PUT_CERT) ? STORE_PUT_META :
		    STORE_PUT_CERT | STORE_PUT_META);
		meta_free(&lm);
		meta_free(&dm);
		if (s->ops->commit(s, &v)) {
			X509_free(x);
			return;
		}
	}
	xdie(ERR_TEMP, "the directory changed under %d attempts to push "
	    "sha256:%s: try again later", RETRIES, fp);
}

static enum err_class
ldap_push(const struct opts *o, const struct store_trust *t)
{
	struct store *s = store_open(opts_store_dir(o), STORE_WRITE), *l;
	struct fps f = { 0 };
	size_t i;

	store_set_trust(s, t);
	if (!s->ops->shared)
		xdie(ERR_CONFIG, "no directory server for the store '%s' "
		    "(certstore ldap set)", s->where);
	l = store_local(s);
	/* Our identities' certificates too, so that correspondents find
	 * them; their keys never leave keys/. */
	l->ops->walk(l, STORE_PEERS, fp_collect, &f);
	for (i = 0; i < f.n; i++)
		push_one(s, l, f.v[i]);
	verbosex("%zu certificate%s pushed", f.n, f.n == 1 ? "" : "s");
	free(f.v);
	store_close(s);
	return ERR_OK;
}

enum err_class
store_ldap_main(const struct opts *o, const struct store_trust *t,
    const char **args)
{
	const char *verb = args != NULL ? args[0] : NULL;

	if (verb != NULL && strcmp(verb, "set") == 0)
		return ldap_set(o, args + 1);
	if (verb == NULL || args[1] != NULL)
		;
	else if (strcmp(verb, "show") == 0)
		return ldap_show(o);
	else if (strcmp(verb, "unset") == 0)
		return ldap_unset(o);
	else if (strcmp(verb, "schema") == 0) {
		out_text(o, smimetools_ldif, sizeof(smimetools_ldif) - 1);
		return ERR_OK;
	} else if (strcmp(verb, "push") == 0)
		return ldap_push(o, t);
	xdie(ERR_USAGE, "certstore ldap: set URL, show, unset, schema or "
	    "push (see --help)");
}
