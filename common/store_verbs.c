/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * store_verbs: `certstore VERB` (certstore(1)), linked by certstore
 * alone.  A function per verb, the table store_main looks the verb up
 * in, and their output: stdout or -o, PEM, the lines of list or, with
 * --json, one object a line (json.c).  What a verb does with
 * correspondents' certificates (add, get, list, export, remove, expire,
 * the issuers crl looks up) goes through the policy and the backend
 * table (store_be.h), init through the backend's create and fsck
 * through the local store's; identity, trust and crl change files of
 * the local directory itself (see open_local).
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cms.h"
#include "io.h"
#include "json.h"
#include "keys.h"
#include "opts.h"
#include "p11.h"
#include "p11uri.h"
#include "store_dir.h"
#include "store_int.h"
#include "store_ldap.h"
#include "store_verbs.h"

#define BULK_FILES	16		/* more new files: one syncfs */
#define PASS_MAX	1024

/* A run of certstore: its options, and what add, import of a chain and
 * crl judge by (--policy, --ca, --limit chain). */
struct run {
	const struct opts *o;
	struct store_trust trust;
};

/*
 * The verbs' output: stdout or -o, LF unless --crlf.
 */
static struct io_wr out;

static void
out_begin(const struct run *r)
{
	io_wr_init(&out, io_out_open(r->o->out), r->o->eol);
}

static void
out_end(void)
{
	int e = io_wr_flush(&out);

	if (e != 0)
		xdie(io_errclass(e), "cannot write output: %s", strerror(e));
	io_out_commit();
}

static void
out_pem(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	if (b == NULL || !PEM_write_bio_X509(b, x))
		xdie_ssl(ERR_TEMP, "cannot encode a certificate");
	n = BIO_get_mem_data(b, &p);
	io_wr_write(&out, p, (size_t)n);
	BIO_free(b);
}

static void
name_str(const X509_NAME *name, char *out_, size_t size)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	*out_ = '\0';
	if (b != NULL && X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_get_mem_data(b, &p);
		snprintf(out_, size, "%.*s", (int)n, p);
	}
	BIO_free(b);
	ERR_clear_error();
}

/*
 * Where an identity's key (its path from the identity op) lives, for
 * list: keys/<fp>.pem, or the URI of a key on a token, from its record
 * in rec (rec->uri is then what is returned).  A record that does not
 * parse is fsck's to report; list says where it is.
 */
static const char *
key_where(const char *path, struct p11rec *rec)
{
	const char *name = strrchr(path, '/'), *why;
	size_t n = strlen(path);
	char *p;

	memset(rec, 0, sizeof(*rec));
	name = name != NULL ? name - 4 : path;
	if (n < 4 || strcmp(path + n - 4, ".p11") != 0 ||
	    (p = io_read_file(path, P11REC_FILE_MAX, &n)) == NULL)
		return name;
	if (p11rec_parse(p, n, rec, &why) < 0)
		memset(rec, 0, sizeof(*rec));
	free(p);
	return rec->uri[0] != '\0' ? rec->uri : name;
}

/*
 * One line of `list` (certstore(1)): fingerprint, notAfter, flags and
 * addresses separated by tabs, or with --json one object.  peer: x is a
 * certificate of s (certs/), with what s records of it, else a trust
 * anchor (ca/).
 */
static void
list_line(struct store *s, int peer, const char *fp, X509 *x, int json)
{
	char na[21], nb[21], flags[64] = "", subj[1024], iss[1024], ser[128];
	char key[PATH_MAX], cert[PATH_MAX];
	struct store *l = store_local(s);
	struct buf b = { 0 };
	struct addrs a;
	struct meta m = { 0 };
	struct p11rec rec;
	const char *where = NULL;
	size_t i;

	if (peer) {
		if (l->ops->identity(l, fp, key, cert, sizeof(key))) {
			strcat(flags, ",identity");
			where = key_where(key, &rec);
			if (where == rec.uri)
				strcat(flags, ",token");
		}
		s->ops->facts(s, fp, &m);
	}
	if (cert_expired(x))
		strcat(flags, ",expired");
	if (store_revoked(s, x))
		strcat(flags, ",revoked");
	if (!cert_can_encrypt(x))
		strcat(flags, ",no-encrypt");
	iso_asn1(X509_get0_notAfter(x), na);
	cert_addrs(x, &a);
	if (!json) {
		buf_printf(&b, "%s\t%s\t%s", fp, na, *flags != '\0' ?
		    flags + 1 : "-");
		for (i = 0; i < a.n; i++) {
			buf_add(&b, "\t", 1);
			buf_escape(&b, a.v[i].p, a.v[i].n);
		}
	} else {
		iso_asn1(X509_get0_notBefore(x), nb);
		name_str(X509_get_subject_name(x), subj, sizeof(subj));
		cms_cert_ids(x, iss, sizeof(iss), ser, sizeof(ser));
		buf_printf(&b, "{\"fingerprint\":\"%s\",\"addresses\":[", fp);
		for (i = 0; i < a.n; i++) {
			if (i > 0)
				buf_add(&b, ",", 1);
			json_bytes(&b, a.v[i].p, a.v[i].n);
		}
		buf_puts(&b, "],\"subject\":");
		json_str(&b, subj);
		buf_puts(&b, ",\"issuer\":");
		json_str(&b, iss);
		buf_puts(&b, ",\"serial\":");
		json_str(&b, ser);
		buf_printf(&b, ",\"not_before\":\"%s\",\"not_after\":\"%s\"",
		    nb, na);
		buf_puts(&b, ",\"first_seen\":");
		json_str(&b, meta_get(&m, "first-seen"));
		buf_puts(&b, ",\"last_seen\":");
		json_str(&b, meta_get(&m, "last-seen"));
		buf_puts(&b, ",\"capabilities\":");
		json_words(&b, meta_get(&m, "capabilities"), ' ');
		buf_puts(&b, ",\"flags\":");
		json_words(&b, flags, ',');
		if (where != NULL) {
			buf_puts(&b, ",\"key\":");
			json_str(&b, where);
		}
		if (where == rec.uri) {
			buf_puts(&b, ",\"module\":");
			json_str(&b, rec.module);
		}
		buf_add(&b, "}", 1);
	}
	buf_add(&b, "\n", 1);
	io_wr_write(&out, b.p, b.n);
	buf_free(&b);
	addrs_free(&a);
	meta_free(&m);
}

/* A walk's or look-up's fingerprint into a struct fps. */
static void
fp_collect(struct store *s, const char *fp, void *arg)
{
	(void)s;
	fps_push(arg, fp);
}

/* The certificates of certs/ for addr (all if NULL), sorted by
 * fingerprint; a certificate that no longer names it is left out. */
static void
select_fps(struct store *s, const char *addr, struct fps *f)
{
	char key[ADDR_MAX + 1];
	struct hits h;
	size_t i;
	X509 *x;

	memset(f, 0, sizeof(*f));
	if (addr == NULL) {
		s->ops->walk(s, STORE_PEERS, fp_collect, f);
		goto out;
	}
	if (!addr_key(addr, key))
		return;
	s->ops->lookup(s, key, &h);
	for (i = 0; i < h.n; i++)
		if ((x = s->ops->load(s, h.v[i].fp)) != NULL) {
			if (cert_names(x, key))
				fp_collect(s, h.v[i].fp, f);
			X509_free(x);
		}
	free(h.v);
out:
	if (f->n > 0)
		qsort(f->v, f->n, sizeof(*f->v), fp_cmp);
}

static size_t
nargs(const char **args)
{
	size_t n = 0;

	while (args != NULL && args[n] != NULL)
		n++;
	return n;
}

static void
want_args(const char *verb, const char **args, size_t min, size_t max)
{
	size_t n = nargs(args);

	if (n < min)
		xdie(ERR_USAGE, "certstore %s: an argument is missing (see "
		    "--help)", verb);
	if (n > max)
		xdie(ERR_USAGE, "certstore %s: unexpected argument '%s' (see "
		    "--help)", verb, args[max]);
}

/* The store, judging by the run's trust. */
static struct store *
open_store(const struct run *r, int flags)
{
	struct store *s = store_open(opts_store_dir(r->o), flags);

	store_set_trust(s, &r->trust);
	return s;
}

/*
 * init
 */
static enum err_class
verb_init(const struct run *r, const char **args)
{
	want_args("init", args, 0, 0);
	store_close(store_open(opts_store_dir(r->o), STORE_CREATE));
	return ERR_OK;
}

/*
 * add
 */

/* What the signed messages among the inputs say about x.  A key
 * preference counts only for a certificate of the signer's own
 * addresses (store_import says why); a signature older than the
 * sender's latest says nothing (store_replayed). */
static void
signed_facts(struct store *s, struct input *ins, size_t nin, X509 *x,
    struct put *w)
{
	char why[160];
	size_t i;
	int k;

	for (i = 0; i < nin; i++) {
		if (!ins[i].verified || ins[i].v.status != CMSV_VALID)
			continue;
		for (k = 0; k < ins[i].v.nsigners; k++) {
			struct cms_signer *sg = &ins[i].v.signers[k];

			if ((cert_same(sg->cert, x) ||
			    cert_same(sg->preferred, x)) &&
			    store_replayed(s, sg->cert, sg->has_signing_time ?
			    &sg->signing_time : NULL, why, sizeof(why))) {
				verbosex("a signature says nothing of it: %s",
				    why);
				continue;
			}

			if (cert_same(sg->cert, x)) {
				w->seen = 1;
				w->caps = sg->caps;
				w->signed_at = sg->has_signing_time ?
				    &sg->signing_time : NULL;
			}
			if (cert_same(sg->preferred, x) &&
			    cert_names_within(x, sg->cert)) {
				w->keypref = 1;
				w->caps = sg->caps;
			}
		}
	}
}

static enum err_class
verb_add(const struct run *r, const char **args)
{
	struct store *s = open_store(r, 0);
	size_t nin = nargs(args) > 0 ? nargs(args) : 1, n, i, added = 0, nok;
	struct input *ins = xcalloc(nin, sizeof(*ins));
	struct buf label = { 0 };
	struct store_version ver;
	struct store_dir *d;
	STACK_OF(X509) *all;
	struct cert_ref *v;
	struct judge j;
	const char *why;
	char *ok;
	int bad = 0;

	v = gather(nargs(args) > 0 ? args : NULL, r->o->in, &r->o->lim, ins,
	    nin, &n, &bad);
	if ((all = sk_X509_new_null()) == NULL)
		xdie(ERR_TEMP, "out of memory");
	for (i = 0; i < n; i++)
		sk_X509_push(all, v[i].x);
	judge_init(&j, s, all);
	ok = xcalloc(n + 1, 1);
	for (i = 0; i < n; i++) {
		if ((why = judge(&j, v[i].x)) == NULL) {
			ok[i] = 1;
			continue;
		}
		warnx("%s: refused: %s", cert_label(v[i].x, &label), why);
		bad = 1;
	}
	judge_release(&j);
	s->ops->begin(s, &ver);
	for (i = 0, nok = 0; i < n; i++)
		nok += ok[i];
	/* The directory's one knob (store_dir.h): many new files are
	 * flushed by one syncfs instead of an fsync each. */
	if ((d = store_dir_of(s)) != NULL)
		d->bulk = nok > BULK_FILES;
	for (i = 0; i < n; i++) {
		struct put w = { .source = "certstore add" };

		if (!ok[i])
			continue;
		signed_facts(s, ins, nin, v[i].x, &w);
		if (store_put(s, v[i].x, &w)) {
			added++;
			verbosex("added %s", cert_label(v[i].x, &label));
		}
	}
	if (!s->ops->commit(s, &ver))
		xdie(ERR_TEMP, "the store '%s' changed while add wrote: "
		    "nothing added, try again", s->where);
	verbosex("%zu certificate%s added, %zu known already", added,
	    added == 1 ? "" : "s", n - added);
	for (i = 0; i < nin; i++)
		input_release(&ins[i]);
	sk_X509_free(all);
	free(ins);
	free(v);
	free(ok);
	buf_free(&label);
	store_close(s);
	return bad ? ERR_DATA : ERR_OK;
}

/*
 * get, list, export
 */
static enum err_class
verb_get(const struct run *r, const char **args)
{
	struct store *s;
	struct buf b = { 0 };
	X509 *x;

	want_args("get", args, 1, 1);
	s = open_store(r, 0);
	if ((x = store_best(s, args[0], NULL, 0)) == NULL) {
		buf_escape(&b, (const unsigned char *)args[0],
		    strlen(args[0]));
		xdie(ERR_NOUSER, "no usable certificate for '%s' in the store",
		    b.p);
	}
	out_begin(r);
	out_pem(x);
	out_end();
	X509_free(x);
	store_close(s);
	return ERR_OK;
}

static enum err_class
verb_list(const struct run *r, const char **args)
{
	struct store *s;
	struct fps f;
	size_t i;
	X509 *x;

	want_args("list", args, 0, 1);
	s = open_store(r, 0);
	select_fps(s, args != NULL ? args[0] : NULL, &f);
	out_begin(r);
	for (i = 0; i < f.n; i++) {
		if ((x = s->ops->load(s, f.v[i])) == NULL) {
			warnx("certs/%s.pem does not parse (certstore fsck)",
			    f.v[i]);
			continue;
		}
		list_line(s, 1, f.v[i], x, r->o->json);
		X509_free(x);
	}
	out_end();
	free(f.v);
	store_close(s);
	return ERR_OK;
}

static enum err_class
verb_export(const struct run *r, const char **args)
{
	struct store *s;
	struct fps f;
	size_t i;
	X509 *x;

	want_args("export", args, 0, 1);
	s = open_store(r, 0);
	select_fps(s, args != NULL ? args[0] : NULL, &f);
	out_begin(r);
	for (i = 0; i < f.n; i++)
		if ((x = s->ops->load(s, f.v[i])) != NULL) {
			out_pem(x);
			X509_free(x);
		}
	out_end();
	free(f.v);
	store_close(s);
	return ERR_OK;
}

/*
 * remove, expire
 */
/* Through the backend's drop: for the directory, the index first,
 * then the files. */
static void
remove_certs(struct store *s, struct fps *f)
{
	struct store_version ver;
	size_t i;

	s->ops->begin(s, &ver);
	for (i = 0; i < f->n; i++)
		s->ops->drop(s, f->v[i]);
	if (!s->ops->commit(s, &ver))
		xdie(ERR_TEMP, "the store '%s' changed while remove wrote: "
		    "nothing removed, try again", s->where);
}

static enum err_class
verb_remove(const struct run *r, const char **args)
{
	char fp[FPLEN + 1], key[PATH_MAX], cert[PATH_MAX];
	struct store *s, *l;
	struct fps f = { 0 };
	struct meta m;
	size_t i;

	want_args("remove", args, 1, 1);
	s = open_store(r, STORE_WRITE);
	l = store_local(s);
	if (fp_parse(args[0], fp)) {
		if (s->ops->facts(s, fp, &m) & STORE_PUT_CERT)
			fp_collect(s, fp, &f);
		meta_free(&m);
	} else
		select_fps(s, args[0], &f);
	if (f.n == 0)
		xdie(ERR_NOUSER, "no certificate '%s' in the store",
		    args[0]);
	for (i = 0; i < f.n; i++)
		if (l->ops->identity(l, f.v[i], key, cert, sizeof(key)))
			xdie(ERR_USAGE, "certificate %s is one of our "
			    "identities: move keys/%s%s out of the store "
			    "first", f.v[i], f.v[i], strrchr(key, '.'));
	remove_certs(s, &f);
	verbosex("removed %zu certificate%s", f.n, f.n == 1 ? "" : "s");
	free(f.v);
	store_close(s);
	return ERR_OK;
}

static enum err_class
verb_expire(const struct run *r, const char **args)
{
	struct store *s;
	size_t n;

	want_args("expire", args, 0, 0);
	s = open_store(r, STORE_WRITE);
	n = store_expire(s, time(NULL) - (time_t)r->o->grace_days * 86400);
	verbosex("%zu expired certificate%s removed", n, n == 1 ? "" : "s");
	store_close(s);
	return ERR_OK;
}

/*
 * identity, trust and crl change what the store keeps in its local
 * directory (store_local): our keys, the trust anchors, the CRLs, the
 * hash links OpenSSL finds them by.  No other backend keeps them, and
 * the table only reads them (identity, anchors, crls), so these verbs
 * work on the files of certstore(5) themselves (store_dir.h), from
 * open_local's directory; elsewhere in this file only add's bulk knob
 * and list's dates (iso_asn1) use store_dir.h.  What they read of
 * correspondents' certificates (the issuers of a CRL, the distribution
 * points of intermediates) goes through the table of the store, *sp,
 * which the caller closes.  STORE_WRITE locks the local directory.
 */
static struct store_dir *
open_local(const struct run *r, int flags, struct store **sp)
{
	struct store_dir *d;

	*sp = open_store(r, flags & ~STORE_WRITE);
	if ((d = store_dir_of(store_local(*sp))) == NULL)
		xdie(ERR_SOFTWARE, "the store '%s' has no local directory",
		    (*sp)->where);
	if (flags & STORE_WRITE)
		store_lock(d);
	return d;
}

/* Does the PEM key file need a passphrase?  (It loaded with one.) */
static int
key_encrypted(const char *path)
{
	size_t n;
	char *p = io_read_file(path, SMALL_MAX, &n);
	BIO *b = p != NULL ? BIO_new_mem_buf(p, (int)n) : NULL;
	EVP_PKEY *k = b != NULL ? PEM_read_bio_PrivateKey(b, NULL, no_pass,
	    NULL) : NULL;

	EVP_PKEY_free(k);
	BIO_free(b);
	if (p != NULL)
		OPENSSL_cleanse(p, n);
	free(p);
	ERR_clear_error();
	return k == NULL;
}

/*
 * identity add --pkcs11: the key stays on the token.  The store gets the
 * certificate (the token's of the same id, or -c's) and keys/<fp>.p11,
 * the record of where the key is (p11uri.h), with the --passin source
 * if it names a file or a variable, never the PIN.  The token is asked
 * before the store's lock is taken: a slow token holds up no writer.
 * A key file of the same certificate goes: the key now lives on the
 * token (and a later identity add -k/-p takes it back).
 */
static enum err_class
identity_add_token(const struct run *r)
{
	char rec[3 * P11REC_MAX + 128], fp[FPLEN + 1], rel[80];
	char pinsrc[PATH_MAX + 8];
	struct put w = { .source = "certstore identity add" };
	const char *why, *module = r->o->module, *src = r->o->passin;
	const char *uri = r->o->pkcs11, *keep = NULL;
	STACK_OF(X509) *given = NULL;
	struct store_version ver;
	struct identity id;
	struct store_dir *s;
	struct store *st;
	struct p11uri u;
	struct p11rec check;
	size_t before;
	int n;

	if (r->o->key != NULL || r->o->p12 != NULL)
		xdie(ERR_USAGE, "certstore identity add: --pkcs11 URI takes "
		    "-c CERT, not -k or -p");
	/* Not the URI itself: a refused one may carry a PIN. */
	if (p11uri_parse(uri, &u, &why) < 0)
		xdie(ERR_USAGE, "--pkcs11: %s", why);
	if (strlen(uri) > P11REC_MAX)
		xdie(ERR_USAGE, "--pkcs11: over %d bytes", P11REC_MAX);
	if (u.type[0] != '\0' && strcmp(u.type, "private") != 0)
		xdie(ERR_USAGE, "--pkcs11 %s: names no private key", uri);
	if (u.pin_source[0] != '\0' && p11uri_pin_file(&u) == NULL)
		xdie(ERR_USAGE, "--pkcs11 %s: pin-source must be a file: URI "
		    "with an absolute path", uri);
	if (module == NULL || module[0] == '\0')
		module = u.module_path;
	if (module[0] != '/' || strlen(module) > P11REC_MAX)
		xdie(ERR_USAGE, "--pkcs11 %s: the module's absolute path "
		    "(--module FILE or module-path=)", uri);
	/* A file or a variable names where the PIN is, and is recorded;
	 * pass: is the PIN, and an fd: is gone after this run.  A file's
	 * path is made absolute: the filters run elsewhere. */
	if (src != NULL && strncmp(src, "file:", 5) == 0) {
		if (realpath(src + 5, pinsrc + 5) == NULL)
			xdie(ERR_NOINPUT, "--passin %s: %s", src,
			    strerror(errno));
		memcpy(pinsrc, "file:", 5);
		src = pinsrc;
	}
	if (r->o->cert != NULL &&
	    sk_X509_num(given = keys_load_certs(r->o->cert)) != 1)
		xdie(ERR_DATA, "%s: one certificate, not %d", r->o->cert,
		    sk_X509_num(given));
	if (src != NULL && (strncmp(src, "file:", 5) == 0 ||
	    strncmp(src, "env:", 4) == 0))
		keep = src;
	if (keep != NULL && strlen(keep) > P11REC_MAX)
		xdie(ERR_USAGE, "--passin: over %d bytes", P11REC_MAX);
	/* Each value is at most P11REC_MAX bytes: the lines fit rec. */
	n = snprintf(rec, sizeof(rec), "# the key of this identity stays on "
	    "a PKCS#11 token\nuri=%s\nmodule=%s\n%s%s%s", uri, module,
	    keep != NULL ? "pin-source=" : "", keep != NULL ? keep : "",
	    keep != NULL ? "\n" : "");
	if (n < 0 || (size_t)n >= sizeof(rec) ||
	    p11rec_parse(rec, (size_t)n, &check, &why) < 0)
		xdie(ERR_USAGE, "--pkcs11 %s: cannot be recorded: %s", uri,
		    n >= 0 && (size_t)n < sizeof(rec) ? why : "too long");
	s = open_local(r, 0, &st);
	p11_load_identity(&id, uri, module, src, 1);
	if (given != NULL) {
		X509_free(id.cert);
		id.cert = sk_X509_shift(given);
		sk_X509_free(given);
	}
	if (id.cert == NULL)
		xdie(ERR_DATA, "%s: the token holds no certificate of the "
		    "key (-c CERT)", uri);
	if (!p11_key_is(id.key, id.cert))
		xdie(ERR_DATA, "%s: the key on the token is not the "
		    "certificate's", uri);
	s->base.ops->begin(&s->base, &ver);
	cert_fp(id.cert, fp);
	before = s->ix.n;
	store_put(&s->base, id.cert, &w);
	s->ix.n = before;
	snprintf(rel, sizeof(rel), "keys/%s.p11", fp);
	stage_data(s, rel, rec, (size_t)n);
	if (has_file(s, "keys", fp, ".pem")) {
		snprintf(rel, sizeof(rel), "keys/%s.pem", fp);
		stage_unlink(s, rel);
	}
	ix_cert_lines(&s->ix, id.cert, fp, 1);
	(void)s->base.ops->commit(&s->base, &ver);
	verbosex("added the identity sha256:%s, its key on the token", fp);
	identity_release(&id);
	store_close(st);
	return ERR_OK;
}

static enum err_class
identity_add(const struct run *r, const char **args)
{
	char pass[PASS_MAX + 5] = "pass:", fp[FPLEN + 1], rel[80];
	struct put w = { .source = "certstore identity add" };
	struct store_version ver;
	struct identity id;
	struct store_dir *s;
	struct store *st;
	size_t before;
	const EVP_CIPHER *enc = NULL;
	BIO *b;
	char *pem;
	long n;
	int i;

	want_args("identity add", args, 0, 0);
	if (r->o->pkcs11 != NULL)
		return identity_add_token(r);
	if ((r->o->p12 != NULL) == (r->o->key != NULL || r->o->cert != NULL) ||
	    (r->o->p12 == NULL && (r->o->key == NULL || r->o->cert == NULL)))
		xdie(ERR_USAGE, "certstore identity add: -p FILE.p12, or -k "
		    "KEY with -c CERT");
	s = open_local(r, 0, &st);
	if (r->o->passin != NULL)
		/* Read once: identity add needs the text itself, to store
		 * the key encrypted under it, and an fd: source can be read
		 * only once, so keys_load_identity() gets it as "pass:". */
		keys_passphrase(r->o->passin, pass + 5, sizeof(pass) - 5);
	/* The files are what the verb is given, not its configuration. */
	keys_load_identity(&id, r->o->key, r->o->cert, r->o->p12,
	    r->o->passin != NULL ? pass : NULL, ERR_DATA);
	/* The key keeps its protection (certstore(1)). */
	if (r->o->p12 != NULL ? r->o->passin != NULL : key_encrypted(r->o->key))
		enc = EVP_aes_256_cbc();
	if ((b = BIO_new(BIO_s_secmem())) == NULL ||
	    !PEM_write_bio_PKCS8PrivateKey(b, id.key, enc, enc != NULL ?
	    pass + 5 : NULL, enc != NULL ? (int)strlen(pass + 5) : 0, NULL,
	    NULL))
		xdie_ssl(ERR_SOFTWARE, "cannot encode the private key");
	OPENSSL_cleanse(pass, sizeof(pass));
	s->base.ops->begin(&s->base, &ver);
	cert_fp(id.cert, fp);
	/* Its index lines are written below, with the identity flag. */
	before = s->ix.n;
	store_put(&s->base, id.cert, &w);
	s->ix.n = before;
	for (i = 0; i < sk_X509_num(id.chain); i++)
		store_put(&s->base, sk_X509_value(id.chain, i), &w);
	n = BIO_get_mem_data(b, &pem);
	snprintf(rel, sizeof(rel), "keys/%s.pem", fp);
	stage_data(s, rel, pem, (size_t)n);
	BIO_free(b);
	if (has_file(s, "keys", fp, ".p11")) {
		snprintf(rel, sizeof(rel), "keys/%s.p11", fp);
		stage_unlink(s, rel);
	}
	/* Its lines again, now with the identity flag: they override. */
	ix_cert_lines(&s->ix, id.cert, fp, 1);
	(void)s->base.ops->commit(&s->base, &ver);
	verbosex("added the identity sha256:%s", fp);
	identity_release(&id);
	store_close(st);
	return ERR_OK;
}

static enum err_class
identity_list(const struct run *r, const char **args)
{
	char key[ADDR_MAX + 1];
	struct store_dir *s;
	struct store *st;
	struct fps f;
	size_t i;
	X509 *x;

	want_args("identity list", args, 0, 0);
	if (r->o->as != NULL && !addr_key(r->o->as, key))
		xdie(ERR_USAGE, "bad --as address '%s'", r->o->as);
	s = open_local(r, 0, &st);
	list_fps(s, "keys", &f);
	out_begin(r);
	for (i = 0; i < f.n; i++) {
		if ((x = load_cert(s, "certs", f.v[i])) == NULL) {
			warnx("keys/%s.pem has no certificate (certstore "
			    "fsck)", f.v[i]);
			continue;
		}
		if (r->o->as == NULL || cert_names(x, key))
			list_line(&s->base, 1, f.v[i], x, r->o->json);
		X509_free(x);
	}
	out_end();
	free(f.v);
	store_close(st);
	return ERR_OK;
}

static enum err_class
verb_identity(const struct run *r, const char **args)
{
	if (args == NULL || args[0] == NULL)
		xdie(ERR_USAGE, "certstore identity: add or list (see "
		    "--help)");
	if (strcmp(args[0], "add") == 0)
		return identity_add(r, args + 1);
	if (strcmp(args[0], "list") == 0)
		return identity_list(r, args + 1);
	xdie(ERR_USAGE, "certstore identity: unknown '%s' (add or list)",
	    args[0]);
}

/*
 * Hash links (openssl-rehash(1)): folder/HASH.N (ca) or HASH.rN (crl),
 * numbered from 0 without gaps, for OpenSSL's by_dir lookup stops at
 * the first missing number.
 */

/* The targets of the links of hash, in order; returns how many. */
static size_t
links_of(struct store_dir *s, const char *folder, const char *r,
    unsigned long hash, char (*t)[FPLEN + 5])
{
	char name[32], target[PATH_MAX];
	size_t n;

	for (n = 0; n < LINKS_MAX; n++) {
		snprintf(name, sizeof(name), "%08lx.%s%zu", hash, r, n);
		if (link_target(s, folder, name, target, sizeof(target)) == -1)
			break;
		snprintf(t[n], FPLEN + 5, "%.*s", FPLEN + 4, target);
	}
	return n;
}

/* Stages the links of hash so that they are targets[0..n), replacing
 * (never first removing) the ones there. */
static void
relink(struct store_dir *s, const char *folder, const char *r,
    unsigned long hash, char (*targets)[FPLEN + 5], size_t n)
{
	char old[LINKS_MAX][FPLEN + 5], rel[64];
	size_t nold = links_of(s, folder, r, hash, old), i;

	for (i = 0; i < n && i < LINKS_MAX; i++) {
		if (i < nold && strcmp(old[i], targets[i]) == 0)
			continue;
		snprintf(rel, sizeof(rel), "%s/%08lx.%s%zu", folder, hash, r,
		    i);
		stage_link(s, rel, targets[i]);
	}
	for (; i < nold; i++) {
		snprintf(rel, sizeof(rel), "%s/%08lx.%s%zu", folder, hash, r,
		    i);
		stage_unlink(s, rel);
	}
}

/*
 * trust
 */
static enum err_class
trust_add(const struct run *r, const char **args)
{
	char fp[FPLEN + 1], rel[80], t[LINKS_MAX + 1][FPLEN + 5];
	size_t nin = nargs(args), n, i, k;
	struct input *ins;
	struct cert_ref *v;
	struct store_dir *s;
	struct store *st;
	unsigned long h;
	BIO *b;
	char *pem;
	long len;
	int bad = 0;

	want_args("trust add", args, 1, SIZE_MAX);
	s = open_local(r, 0, &st);
	ins = xcalloc(nin, sizeof(*ins));
	v = gather(args, r->o->in, &r->o->lim, ins, nin, &n, &bad);
	store_lock(s);
	for (i = 0; i < n; i++) {
		memcpy(fp, v[i].fp, sizeof(fp));
		if (has_file(s, "ca", fp, ".pem"))
			continue;
		h = X509_subject_name_hash(v[i].x);
		k = links_of(s, "ca", "", h, t);
		if (k == LINKS_MAX)
			xdie(ERR_CONFIG, "ca/: too many anchors with the "
			    "subject hash %08lx", h);
		snprintf(t[k], FPLEN + 5, "%s.pem", fp);
		if ((b = BIO_new(BIO_s_mem())) == NULL ||
		    !PEM_write_bio_X509(b, v[i].x))
			xdie_ssl(ERR_TEMP, "cannot encode a certificate");
		len = BIO_get_mem_data(b, &pem);
		snprintf(rel, sizeof(rel), "ca/%s.pem", fp);
		stage_data(s, rel, pem, (size_t)len);
		BIO_free(b);
		relink(s, "ca", "", h, t, k + 1);
		commit(s);
		if (!cert_is_ca(v[i].x))
			warnx("trusting sha256:%.16s..., which is not a CA "
			    "certificate", fp);
		verbosex("trusted sha256:%s", fp);
	}
	for (i = 0; i < nin; i++)
		input_release(&ins[i]);
	free(ins);
	free(v);
	store_close(st);
	return bad ? ERR_DATA : ERR_OK;
}

static enum err_class
trust_list(const struct run *r, const char **args)
{
	struct store_dir *s;
	struct store *st;
	struct fps f;
	size_t i;
	X509 *x;

	want_args("trust list", args, 0, 0);
	s = open_local(r, 0, &st);
	list_fps(s, "ca", &f);
	out_begin(r);
	for (i = 0; i < f.n; i++)
		if ((x = load_cert(s, "ca", f.v[i])) != NULL) {
			list_line(st, 0, f.v[i], x, r->o->json);
			X509_free(x);
		} else
			warnx("ca/%s.pem does not parse (certstore fsck)",
			    f.v[i]);
	out_end();
	free(f.v);
	store_close(st);
	return ERR_OK;
}

static enum err_class
trust_remove(const struct run *r, const char **args)
{
	char fp[FPLEN + 1], rel[80], t[LINKS_MAX][FPLEN + 5];
	char keep[LINKS_MAX][FPLEN + 5];
	struct store_dir *s;
	struct store *st;
	unsigned long h;
	size_t n, i, k = 0;
	X509 *x;

	want_args("trust remove", args, 1, 1);
	if (!fp_parse(args[0], fp))
		xdie(ERR_USAGE, "certstore trust remove: '%s' is not a "
		    "SHA-256 fingerprint", args[0]);
	s = open_local(r, STORE_WRITE, &st);
	if ((x = load_cert(s, "ca", fp)) == NULL) {
		if (!has_file(s, "ca", fp, ".pem"))
			xdie(ERR_NOUSER, "no trust anchor sha256:%s", fp);
		xdie(ERR_CONFIG, "ca/%s.pem does not parse (certstore fsck)",
		    fp);
	}
	h = X509_subject_name_hash(x);
	X509_free(x);
	n = links_of(s, "ca", "", h, t);
	for (i = 0; i < n; i++)
		if (strncmp(t[i], fp, FPLEN) != 0)
			memcpy(keep[k++], t[i], sizeof(t[i]));
	relink(s, "ca", "", h, keep, k);
	snprintf(rel, sizeof(rel), "ca/%s.pem", fp);
	stage_unlink(s, rel);
	commit(s);
	verbosex("no longer trusted: sha256:%s", fp);
	store_close(st);
	return ERR_OK;
}

static enum err_class
verb_trust(const struct run *r, const char **args)
{
	if (args == NULL || args[0] == NULL)
		xdie(ERR_USAGE, "certstore trust: add, list or remove (see "
		    "--help)");
	if (strcmp(args[0], "add") == 0)
		return trust_add(r, args + 1);
	if (strcmp(args[0], "list") == 0)
		return trust_list(r, args + 1);
	if (strcmp(args[0], "remove") == 0)
		return trust_remove(r, args + 1);
	xdie(ERR_USAGE, "certstore trust: unknown '%s' (add, list or "
	    "remove)", args[0]);
}

/*
 * crl
 */

/* Is a newer than b: by CRL number when both have one, else by
 * thisUpdate. */
static int
crl_newer(X509_CRL *a, X509_CRL *b)
{
	ASN1_INTEGER *na = X509_CRL_get_ext_d2i(a, NID_crl_number, NULL,
	    NULL);
	ASN1_INTEGER *nb = X509_CRL_get_ext_d2i(b, NID_crl_number, NULL,
	    NULL);
	int c;

	if (na != NULL && nb != NULL)
		c = ASN1_INTEGER_cmp(na, nb);
	else
		c = ASN1_TIME_compare(X509_CRL_get0_lastUpdate(a),
		    X509_CRL_get0_lastUpdate(b));
	ASN1_INTEGER_free(na);
	ASN1_INTEGER_free(nb);
	ERR_clear_error();
	return c > 0;
}

/*
 * Who may sign a CRL: a trust anchor of ca/ (configuration), or a CA of
 * certs/ that chains to a configured anchor, named as the CRL's issuer
 * and, if it has a key usage, allowed cRLSign.  A certificate that only
 * bears the name (a twin of our intermediate, brought by a message or
 * added under --policy signature) signs nothing: its CRL would replace
 * the real one and un-revoke.  NULL if one signed c, else why not.
 */
static const char *
crl_signed(struct store *st, struct store_dir *s, X509_CRL *c)
{
	const X509_NAME *iss = X509_CRL_get_issuer(c);
	unsigned long h = X509_NAME_hash_ex(iss, NULL, NULL, NULL);
	char t[LINKS_MAX][FPLEN + 5], key[16], fp[FPLEN + 1];
	STACK_OF(X509) *sk = sk_X509_new_null(), *none = sk_X509_new_null();
	const char *why = "the CRL's issuer is not in the store (certstore "
	    "trust add, or add)";
	struct hits hits;
	struct judge j;
	size_t n, i, nanchors = 0;
	int k, ok = 0, signer = 0;
	X509 *x;

	if (sk == NULL || none == NULL)
		xdie(ERR_TEMP, "out of memory");
	n = links_of(s, "ca", "", h, t);
	for (i = 0; i < n; i++)
		if (fp_name(t[i], ".pem", fp) &&
		    (x = load_cert(s, "ca", fp)) != NULL)
			sk_X509_push(sk, x);
	nanchors = (size_t)sk_X509_num(sk);
	snprintf(key, sizeof(key), "ca:%08lx", h);
	st->ops->lookup(st, key, &hits);
	for (i = 0; i < hits.n && i < CHAIN_CANDS; i++)
		if ((x = st->ops->load(st, hits.v[i].fp)) != NULL)
			sk_X509_push(sk, x);
	free(hits.v);
	judge_init(&j, st, none);
	for (k = 0; k < sk_X509_num(sk) && !ok; k++) {
		x = sk_X509_value(sk, k);
		if (X509_NAME_cmp(X509_get_subject_name(x), iss) != 0)
			continue;
		if (X509_CRL_verify(c, X509_get0_pubkey(x)) != 1) {
			if (!signer)	/* nothing better to say */
				why = "the CRL's signature does not verify "
				    "under its issuer's key";
			continue;
		}
		signer = 1;
		if ((X509_get_key_usage(x) & KU_CRL_SIGN) == 0)
			why = "its issuer's key usage has no cRLSign";
		else if ((size_t)k >= nanchors && judge_chain(&j, x) != NULL)
			why = "its issuer's certificate chains to no trust "
			    "anchor";
		else
			ok = 1;
	}
	judge_release(&j);
	sk_X509_pop_free(sk, X509_free);
	sk_X509_free(none);
	ERR_clear_error();
	return ok ? NULL : why;
}

/*
 * crl urls: what smime-cron fetches.  The http and https distribution
 * points of the trust anchors of ca/ and of the certificates of certs/
 * that chain to a configured anchor, one a line, as the certificate
 * holds them (printable ASCII without spaces, at most URL_MAX bytes;
 * others are left out).  A certificate that does not chain (a twin of
 * an intermediate, added under --policy signature) names a server of
 * the attacker's: it is not asked, and what it would serve is refused
 * by crl add anyway.
 */
#define URL_MAX	2048

struct urls {
	struct judge j;
};

static int
url_ok(const ASN1_IA5STRING *u)
{
	const unsigned char *p = ASN1_STRING_get0_data(u);
	int i, n = ASN1_STRING_length(u);

	if (n <= 0 || n > URL_MAX || (strncasecmp((const char *)p,
	    "http://", 7) != 0 && strncasecmp((const char *)p, "https://",
	    8) != 0))
		return 0;
	for (i = 0; i < n; i++)
		if (p[i] < '!' || p[i] > '~')
			return 0;
	return 1;
}

/* The URLs of x, a trust anchor (ca/) or not (certs/). */
static void
url_print(struct urls *u, X509 *x, int anchor, const char *fp)
{
	STACK_OF(DIST_POINT) *dps;
	GENERAL_NAMES *names;
	GENERAL_NAME *gn;
	ASN1_IA5STRING *uri;
	DIST_POINT *dp;
	int i, k;

	dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
	if (dps != NULL && !anchor && judge_chain(&u->j, x) != NULL) {
		verbosex("certs/%s.pem chains to no trust anchor: its "
		    "distribution points are left out", fp);
		goto out;
	}
	for (i = 0; i < sk_DIST_POINT_num(dps); i++) {
		dp = sk_DIST_POINT_value(dps, i);
		if (dp->distpoint == NULL || dp->distpoint->type != 0)
			continue;	/* a name relative to the issuer's */
		names = dp->distpoint->name.fullname;
		for (k = 0; k < sk_GENERAL_NAME_num(names); k++) {
			gn = sk_GENERAL_NAME_value(names, k);
			if (gn->type != GEN_URI)
				continue;
			uri = gn->d.uniformResourceIdentifier;
			if (!url_ok(uri))
				continue;
			io_wr_write(&out, ASN1_STRING_get0_data(uri),
			    (size_t)ASN1_STRING_length(uri));
			io_wr_write(&out, "\n", 1);
		}
	}
out:
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	ERR_clear_error();
}

static void
url_anchor(struct store_dir *s, const char *fp, void *arg)
{
	X509 *x = load_cert(s, "ca", fp);

	if (x != NULL)
		url_print(arg, x, 1, fp);
	X509_free(x);
}

static void
url_peer(struct store *st, const char *fp, void *arg)
{
	X509 *x = st->ops->load(st, fp);

	if (x != NULL)
		url_print(arg, x, 0, fp);
	X509_free(x);
}

static enum err_class
crl_urls(const struct run *r, const char **args)
{
	STACK_OF(X509) *none = sk_X509_new_null();
	struct store_dir *s;
	struct store *st;
	struct urls u;

	want_args("crl urls", args, 0, 0);
	if (none == NULL)
		xdie(ERR_TEMP, "out of memory");
	s = open_local(r, 0, &st);
	memset(&u, 0, sizeof(u));
	judge_init(&u.j, st, none);
	out_begin(r);
	each_file(s, "ca", ".pem", url_anchor, &u);
	st->ops->walk(st, STORE_PEERS, url_peer, &u);
	out_end();
	judge_release(&u.j);
	sk_X509_free(none);
	store_close(st);
	return ERR_OK;
}

static enum err_class
verb_crl(const struct run *r, const char **args)
{
	char fp[FPLEN + 1], rel[80], ofp[FPLEN + 1], *buf, *pem;
	char t[LINKS_MAX + 1][FPLEN + 5], keep[LINKS_MAX + 1][FPLEN + 5];
	STACK_OF(X509_CRL) *old;
	struct store_dir *s;
	struct store *st;
	X509_CRL *c;
	unsigned long h;
	const char *why;
	size_t n, i, k = 0;
	BIO *b;
	long len;

	if (args != NULL && args[0] != NULL && strcmp(args[0], "urls") == 0)
		return crl_urls(r, args + 1);
	if (args == NULL || args[0] == NULL || strcmp(args[0], "add") != 0)
		xdie(ERR_USAGE, "certstore crl: add FILE, or urls (see "
		    "--help)");
	want_args("crl add", args + 1, 1, 1);
	s = open_local(r, 0, &st);
	if ((buf = read_input(args[1], &n)) == NULL)
		xdie(ERR_DATA, "'%s': larger than %d MiB: refused", args[1],
		    INPUT_MAX >> 20);
	c = parse_crl(buf, n);
	free(buf);
	if (c == NULL)
		xdie(ERR_DATA, "'%s' is not a CRL (PEM or DER)", args[1]);
	if ((why = crl_signed(st, s, c)) != NULL)
		xdie(ERR_DATA, "'%s': %s", args[1], why);
	if (X509_CRL_get0_nextUpdate(c) != NULL &&
	    X509_cmp_current_time(X509_CRL_get0_nextUpdate(c)) < 0)
		warnx("'%s': out of date (its nextUpdate has passed)",
		    args[1]);
	store_lock(s);
	crl_fp(c, fp);
	if (has_file(s, "crl", fp, ".pem")) {
		verbosex("this CRL is in the store already");
		goto out;
	}
	h = X509_NAME_hash_ex(X509_CRL_get_issuer(c), NULL, NULL, NULL);
	old = crls_of(s, X509_CRL_get_issuer(c));
	for (i = 0; i < (size_t)sk_X509_CRL_num(old); i++)
		if (!crl_newer(c, sk_X509_CRL_value(old, (int)i)))
			xdie(ERR_DATA, "'%s' is not newer than the CRL of the "
			    "same issuer in the store", args[1]);
	/* Keep the links of other issuers that share the hash. */
	n = links_of(s, "crl", "r", h, t);
	for (i = 0; i < n; i++) {
		int same = 0, j;

		for (j = 0; j < sk_X509_CRL_num(old); j++) {
			crl_fp(sk_X509_CRL_value(old, j), ofp);
			same |= strncmp(t[i], ofp, FPLEN) == 0;
		}
		if (!same)
			memcpy(keep[k++], t[i], sizeof(t[i]));
	}
	snprintf(keep[k++], FPLEN + 5, "%s.pem", fp);
	if ((b = BIO_new(BIO_s_mem())) == NULL || !PEM_write_bio_X509_CRL(b,
	    c))
		xdie_ssl(ERR_TEMP, "cannot encode the CRL");
	len = BIO_get_mem_data(b, &pem);
	snprintf(rel, sizeof(rel), "crl/%s.pem", fp);
	stage_data(s, rel, pem, (size_t)len);
	BIO_free(b);
	relink(s, "crl", "r", h, keep, k);
	for (i = 0; i < (size_t)sk_X509_CRL_num(old); i++) {
		crl_fp(sk_X509_CRL_value(old, (int)i), ofp);
		snprintf(rel, sizeof(rel), "crl/%s.pem", ofp);
		stage_unlink(s, rel);
	}
	commit(s);
	sk_X509_CRL_pop_free(old, X509_CRL_free);
	verbosex("added the CRL sha256:%s", fp);
out:
	X509_CRL_free(c);
	store_close(st);
	return ERR_OK;
}

/*
 * fsck
 */
static enum err_class
verb_fsck(const struct run *r, const char **args)
{
	struct store *s, *l;
	int left, fixed = 0;

	want_args("fsck", args, 0, 0);
	/* The lock, even to look: a consistent view, and repairs. */
	s = open_store(r, STORE_WRITE | STORE_FSCK);
	l = store_local(s);
	/* A backend that keeps certificates elsewhere checks them after
	 * its folder. */
	left = s != l && s->ops->fsck != NULL ?
	    s->ops->fsck(s, r->o->repair, &fixed) :
	    l->ops->fsck(l, r->o->repair, &fixed);
	store_close(s);
	if (left > 0)
		xdie(ERR_CONFIG, "fsck: %d problem%s left%s", left,
		    left == 1 ? "" : "s", r->o->repair ? "" :
		    " (certstore fsck --repair)");
	if (fixed > 0)
		verbosex("fsck: %d problem%s repaired", fixed,
		    fixed == 1 ? "" : "s");
	return ERR_OK;
}

/* certstore ldap ... (store_ldap_verbs.c) */
static enum err_class
verb_ldap(const struct run *r, const char **args)
{
	return store_ldap_main(r->o, &r->trust, args);
}

/*
 * certstore VERB
 */
static const struct {
	const char *name;
	enum err_class (*fn)(const struct run *, const char **);
} verbs[] = {
	{ "init", verb_init },
	{ "add", verb_add },
	{ "get", verb_get },
	{ "list", verb_list },
	{ "remove", verb_remove },
	{ "expire", verb_expire },
	{ "identity", verb_identity },
	{ "trust", verb_trust },
	{ "crl", verb_crl },
	{ "fsck", verb_fsck },
	{ "export", verb_export },
	{ "ldap", verb_ldap },
};

enum err_class
store_main(const struct opts *o, const char *verb, const char **args)
{
	struct run r = { .o = o };
	size_t i;

	store_trust_of(&r.trust, o);
	if (verb == NULL)
		xdie(ERR_USAGE, "no verb given (see --help)");
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(verb, verbs[i].name) == 0)
			return verbs[i].fn(&r, args);
	xdie(ERR_USAGE, "unknown verb '%s' (see --help)", verb);
}
