/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * store_fsck: the directory backend's fsck [--repair], and
 * store_recover: the same passes, repairing and quiet, run by a writer
 * that finds the dirty marker of one that died (store_dir.c).  Modes, stray and temporary files,
 * each file against the fingerprint in its name, the hash links of ca/
 * and crl/, and the index against what certs/ calls for.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "opts.h"
#include "io.h"
#include "p11uri.h"
#include "store_dir.h"

/*
 * fsck
 */
struct fsck {
	struct store_dir *s;
	int repair;		/* --repair, or a recovery */
	int left, fixed;
	int quiet;		/* recovery: count, do not say */
	struct buf expect;	/* the index lines certs/ calls for */
};

static void
fsck_say(struct fsck *f, int fixed, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
fsck_say(struct fsck *f, int fixed, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!f->quiet)
		warnx("fsck: %s%s", msg, fixed ? " (repaired)" : "");
	else
		verbosex("recovery: %s%s", msg, fixed ? " (repaired)" : "");
	if (fixed)
		f->fixed++;
	else
		f->left++;
}

/* ".NAME.XXXXXX": a temporary file of ours. */
static int
is_tmp(const char *name)
{
	size_t n = strlen(name), i;

	if (n < 9 || name[0] != '.' || name[n - 7] != '.')
		return 0;
	for (i = n - 6; i < n; i++)
		if (!isalnum((unsigned char)name[i]))
			return 0;
	return 1;
}

static void
fsck_mode(struct fsck *f, const char *rel, const struct stat *st,
    mode_t want)
{
	char path[PATH_MAX];
	int fixed = 0;

	if ((st->st_mode & 07777) == want)
		return;
	spath(path, f->s, "%s", rel);
	if (f->repair)
		fixed = chmod(path, want) == 0;
	fsck_say(f, fixed, "%s: mode %04o, not %04o", rel,
	    (unsigned)(st->st_mode & 07777), (unsigned)want);
}

static void
fsck_tmp(struct fsck *f, const char *rel)
{
	char path[PATH_MAX];

	spath(path, f->s, "%s", rel);
	fsck_say(f, f->repair && unlink(path) == 0, "%s: a temporary file "
	    "left by a crash", rel);
}

/* A file of the store: regular, mode 0600, at most SMALL_MAX bytes. */
static char *
fsck_read(struct fsck *f, const char *rel, const struct stat *st,
    size_t *n)
{
	char path[PATH_MAX], *p;

	if (!S_ISREG(st->st_mode)) {
		fsck_say(f, 0, "%s: not a regular file", rel);
		return NULL;
	}
	fsck_mode(f, rel, st, 0600);
	spath(path, f->s, "%s", rel);
	if ((p = io_read_file(path, strcmp(rel, "index") == 0 ? SIZE_MAX / 4 :
	    INPUT_MAX, n)) == NULL)
		fsck_say(f, 0, "%s: cannot read: %s", rel, strerror(errno));
	return p;
}

/* A certificate file: one certificate, named by its fingerprint. */
static X509 *
fsck_cert(struct fsck *f, const char *rel, const char *fp,
    const struct stat *st)
{
	char got[FPLEN + 1], *p;
	size_t n;
	X509 *x;

	if ((p = fsck_read(f, rel, st, &n)) == NULL)
		return NULL;
	x = cert_from_pem(p, n);
	free(p);
	if (x == NULL) {
		fsck_say(f, 0, "%s: not a PEM certificate (remove it, or "
		    "restore it from a backup)", rel);
		return NULL;
	}
	cert_fp(x, got);
	if (strcmp(got, fp) != 0) {
		fsck_say(f, 0, "%s: its fingerprint is %s", rel, got);
		X509_free(x);
		return NULL;
	}
	return x;
}

static void
fsck_meta(struct fsck *f, const char *fp, const struct stat *st)
{
	char rel[80], *p;
	struct meta m;
	size_t n;

	snprintf(rel, sizeof(rel), "certs/%s.meta", fp);
	if (!has_file(f->s, "certs", fp, ".pem")) {
		char path[PATH_MAX];

		spath(path, f->s, "%s", rel);
		fsck_say(f, f->repair && unlink(path) == 0, "%s: no "
		    "certificate beside it", rel);
		return;
	}
	if ((p = fsck_read(f, rel, st, &n)) == NULL)
		return;
	if (memchr(p, '\0', n) != NULL || meta_parse(&m, p) > 0)
		fsck_say(f, 0, "%s: lines that are not \"name: value\"", rel);
	else
		meta_free(&m);
	free(p);
}

static void
fsck_certs(struct fsck *f)
{
	char path[PATH_MAX], rel[PATH_MAX], fp[FPLEN + 1], when[32];
	struct meta m = { 0 };
	struct dirent *d;
	struct stat st;
	struct tm tm;
	DIR *dp;
	X509 *x;

	spath(path, f->s, "certs");
	if ((dp = opendir(path)) == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		snprintf(rel, sizeof(rel), "certs/%s", d->d_name);
		spath(path, f->s, "%s", rel);
		if (lstat(path, &st) == -1)
			continue;
		if (is_tmp(d->d_name))
			fsck_tmp(f, rel);
		else if (fp_name(d->d_name, ".meta", fp))
			fsck_meta(f, fp, &st);
		else if (!fp_name(d->d_name, ".pem", fp))
			fsck_say(f, 0, "%s: does not belong in the store",
			    rel);
		else if ((x = fsck_cert(f, rel, fp, &st)) != NULL) {
			ix_cert_lines(&f->expect, x, fp, is_identity(f->s, fp));
			X509_free(x);
			if (has_file(f->s, "certs", fp, ".meta"))
				continue;
			if (f->repair) {
				gmtime_r(&st.st_mtime, &tm);
				strftime(when, sizeof(when),
				    "%Y-%m-%dT%H:%M:%S.000000Z", &tm);
				meta_set(&m, "first-seen", when);
				meta_set(&m, "source", "certstore fsck --repair");
				meta_stage(f->s, fp, &m);
				meta_free(&m);
			}
			fsck_say(f, f->repair, "certs/%s.meta: missing", fp);
		}
	}
	closedir(dp);
	commit(f->s);
}

static const char *const key_pems[] = {
	"PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "RSA PRIVATE KEY",
	"EC PRIVATE KEY", NULL
};

static void
fsck_key(struct fsck *f, const char *rel, const char *fp,
    const struct stat *st)
{
	char *p, *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	long len;
	size_t n;
	BIO *b;
	int i, ok = 0;

	if ((p = fsck_read(f, rel, st, &n)) == NULL)
		return;
	if ((b = BIO_new_mem_buf(p, (int)n)) != NULL &&
	    PEM_read_bio(b, &name, &header, &data, &len))
		for (i = 0; key_pems[i] != NULL && !ok; i++)
			ok = strcmp(name, key_pems[i]) == 0;
	BIO_free(b);
	if (!ok)
		fsck_say(f, 0, "%s: not a PEM private key", rel);
	else if ((x = load_cert(f->s, "certs", fp)) == NULL)
		fsck_say(f, 0, "%s: its certificate certs/%s.pem is missing",
		    rel, fp);
	else if ((b = BIO_new_mem_buf(p, (int)n)) != NULL) {
		/* An unencrypted key can be checked against it. */
		k = PEM_read_bio_PrivateKey(b, NULL, no_pass, NULL);
		if (k != NULL && !X509_check_private_key(x, k))
			fsck_say(f, 0, "%s: does not belong to its "
			    "certificate", rel);
		BIO_free(b);
	}
	EVP_PKEY_free(k);
	X509_free(x);
	OPENSSL_free(name);
	OPENSSL_free(header);
	if (data != NULL)
		OPENSSL_cleanse(data, (size_t)len);
	OPENSSL_free(data);
	OPENSSL_cleanse(p, n);
	free(p);
	ERR_clear_error();
}

/* The hash links of ca/ or crl/: one per file, numbered from 0. */
struct hlink {
	unsigned long hash;
	int num;		/* link number, or -1 for a file */
	char fp[FPLEN + 1];	/* the file, or the link's target */
};

static int
hlink_cmp(const void *a, const void *b)
{
	const struct hlink *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	if (x->num != y->num)
		return x->num < y->num ? -1 : 1;
	return strcmp(x->fp, y->fp);
}

/* Checks (and repairs) the links of one hash: v[0..n) sorted, the
 * files (num -1) first. */
static void
fsck_group(struct fsck *f, const char *folder, const char *r,
    struct hlink *v, size_t n)
{
	char t[LINKS_MAX][FPLEN + 5], rel[64];
	size_t nf = 0, i, k;
	int ok = 1;

	while (nf < n && v[nf].num == -1)
		nf++;
	if (n - nf != nf)
		ok = 0;
	for (i = nf; i < n && ok; i++) {
		ok = v[i].num == (int)(i - nf);
		for (k = 0; k < nf && strcmp(v[k].fp, v[i].fp) != 0; k++)
			;
		ok &= k < nf;
		for (k = nf; k < i && ok; k++)
			ok = strcmp(v[k].fp, v[i].fp) != 0;
	}
	if (ok)
		return;
	if (f->repair && nf <= LINKS_MAX) {
		for (i = 0; i < nf; i++)
			snprintf(t[i], sizeof(t[i]), "%s.pem", v[i].fp);
		for (i = nf; i < n; i++)
			if (v[i].num >= (int)nf) {
				snprintf(rel, sizeof(rel), "%s/%08lx.%s%d",
				    folder, v[i].hash, r, v[i].num);
				stage_unlink(f->s, rel);
			}
		for (i = 0; i < nf; i++) {
			snprintf(rel, sizeof(rel), "%s/%08lx.%s%zu", folder,
			    v[0].hash, r, i);
			stage_link(f->s, rel, t[i]);
		}
		commit(f->s);
	}
	fsck_say(f, f->repair && nf <= LINKS_MAX, "%s/%08lx.%s*: hash links "
	    "do not match the files", folder, v[0].hash, r);
}

/* ca/ (anchors, links HASH.N) or crl/ (CRLs, links HASH.rN). */
static void
fsck_hashed(struct fsck *f, const char *folder)
{
	int crl = strcmp(folder, "crl") == 0;
	const char *r = crl ? "r" : "";
	char path[PATH_MAX], rel[PATH_MAX], fp[FPLEN + 1], got[FPLEN + 1];
	char target[PATH_MAX], *p, *end;
	struct hlink *v = NULL;
	size_t n = 0, len, i, k;
	struct dirent *d;
	struct stat st;
	X509_CRL *c;
	X509 *x;
	DIR *dp;

	spath(path, f->s, "%s", folder);
	if ((dp = opendir(path)) == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		snprintf(rel, sizeof(rel), "%s/%s", folder, d->d_name);
		spath(path, f->s, "%s", rel);
		if (lstat(path, &st) == -1)
			continue;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		memset(&v[n], 0, sizeof(v[n]));
		if (is_tmp(d->d_name)) {
			fsck_tmp(f, rel);
			continue;
		}
		if (S_ISLNK(st.st_mode)) {
			v[n].hash = strtoul(d->d_name, &end, 16);
			if (end != d->d_name + 8 || *end != '.' ||
			    strncmp(end + 1, r, strlen(r)) != 0 ||
			    !isdigit((unsigned char)end[1 + strlen(r)])) {
				fsck_say(f, 0, "%s: does not belong in the "
				    "store", rel);
				continue;
			}
			v[n].num = atoi(end + 1 + strlen(r));
			if (link_target(f->s, folder, d->d_name, target,
			    sizeof(target)) != 1 ||
			    !fp_name(target, ".pem", v[n].fp))
				strcpy(v[n].fp, "-");
			n++;
			continue;
		}
		if (!fp_name(d->d_name, ".pem", fp)) {
			fsck_say(f, 0, "%s: does not belong in the store", rel);
			continue;
		}
		if ((p = fsck_read(f, rel, &st, &len)) == NULL)
			continue;
		*got = '\0';
		if (crl) {
			if ((c = crl_from_pem(p, len)) != NULL) {
				crl_fp(c, got);
				v[n].hash = X509_NAME_hash_ex(
				    X509_CRL_get_issuer(c), NULL, NULL, NULL);
				X509_CRL_free(c);
			}
		} else if ((x = cert_from_pem(p, len)) != NULL) {
			cert_fp(x, got);
			v[n].hash = X509_subject_name_hash(x);
			X509_free(x);
		}
		free(p);
		if (*got == '\0') {
			fsck_say(f, 0, "%s: does not parse (remove it, or "
			    "restore it from a backup)", rel);
			continue;
		}
		if (strcmp(got, fp) != 0) {
			fsck_say(f, 0, "%s: its fingerprint is %s", rel, got);
			continue;
		}
		v[n].num = -1;
		memcpy(v[n].fp, fp, sizeof(fp));
		n++;
	}
	closedir(dp);
	if (n > 0)
		qsort(v, n, sizeof(*v), hlink_cmp);
	for (i = 0; i < n; i = k) {
		for (k = i + 1; k < n && v[k].hash == v[i].hash; k++)
			;
		fsck_group(f, folder, r, v + i, k - i);
	}
	free(v);
}

/* The record of a key on a token: it parses, and its certificate is
 * there (the token itself is not asked: fsck loads no module). */
static void
fsck_token_key(struct fsck *f, const char *rel, const char *fp,
    const struct stat *st)
{
	struct p11rec r;
	const char *why;
	X509 *x = NULL;
	char *p;
	size_t n;

	if ((p = fsck_read(f, rel, st, &n)) == NULL)
		return;
	if (n > P11REC_FILE_MAX)
		fsck_say(f, 0, "%s: over %d bytes, which the commands do not "
		    "read", rel, P11REC_FILE_MAX);
	else if (p11rec_parse(p, n, &r, &why) < 0)
		fsck_say(f, 0, "%s: not a token key's record: %s", rel, why);
	else if (has_file(f->s, "keys", fp, ".pem"))
		fsck_say(f, 0, "%s: keys/%s.pem is there too, and is used",
		    rel, fp);
	else if ((x = load_cert(f->s, "certs", fp)) == NULL)
		fsck_say(f, 0, "%s: its certificate certs/%s.pem is missing",
		    rel, fp);
	X509_free(x);
	free(p);
}

static void
fsck_keys(struct fsck *f)
{
	char path[PATH_MAX], rel[PATH_MAX], fp[FPLEN + 1];
	struct dirent *d;
	struct stat st;
	DIR *dp;

	spath(path, f->s, "keys");
	if ((dp = opendir(path)) == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		snprintf(rel, sizeof(rel), "keys/%s", d->d_name);
		spath(path, f->s, "%s", rel);
		if (lstat(path, &st) == -1)
			continue;
		if (is_tmp(d->d_name))
			fsck_tmp(f, rel);
		else if (fp_name(d->d_name, ".pem", fp))
			fsck_key(f, rel, fp, &st);
		else if (fp_name(d->d_name, ".p11", fp))
			fsck_token_key(f, rel, fp, &st);
		else
			fsck_say(f, 0, "%s: does not belong in the store", rel);
	}
	closedir(dp);
}

/* Is the index whole lines, each an index line, in strictly increasing
 * order of address and fingerprint (what ix_find's search needs)? */
static int
ix_sorted(const char *ix, size_t n)
{
	const char *l, *nl, *prev = NULL;
	size_t pl = 0, pre;
	int c;

	for (l = ix; l < ix + n; l = nl + 1) {
		nl = memchr(l, '\n', (size_t)(ix + n - l));
		if (nl == NULL)
			return 0;
		pre = ix_parse(l, (size_t)(nl - l), NULL, NULL, NULL);
		if (pre == 0)
			return 0;
		if (prev != NULL) {
			c = memcmp(prev, l, pl < pre ? pl : pre);
			if (c > 0 || (c == 0 && pl >= pre))
				return 0;
		}
		prev = l;
		pl = pre;
	}
	return 1;
}

/* index and index.journal, read together, against what certs/ says. */
static void
fsck_index(struct fsck *f)
{
	char path[PATH_MAX], *ix, *j;
	struct ixl *have, *want;
	size_t ni = 0, nj = 0, nh, nw, i;
	struct buf all = { 0 };
	struct stat st;
	int ok = 1;

	spath(path, f->s, "index");
	if (lstat(path, &st) == -1) {
		ix = NULL;
		ok = 0;
	} else
		ix = fsck_read(f, "index", &st, &ni);
	spath(path, f->s, "index.journal");
	j = lstat(path, &st) == 0 ? fsck_read(f, "index.journal", &st, &nj) :
	    NULL;
	buf_add(&all, ix != NULL ? ix : "", ix != NULL ? ni : 0);
	if (ix != NULL && ni > 0)
		ok = ix[ni - 1] == '\n' && ix_sorted(ix, ni);
	buf_add(&all, j != NULL ? j : "", j != NULL ? nj : 0);
	have = ix_sort(all.p, all.n, &nh);
	want = ix_sort(f->expect.p != NULL ? f->expect.p : "", f->expect.n,
	    &nw);
	ok &= nh == nw;
	for (i = 0; ok && i < nh; i++)
		ok = have[i].n == want[i].n &&
		    memcmp(have[i].p, want[i].p, have[i].n) == 0;
	if (!ok) {
		if (f->repair) {
			ix_write(f->s, 0, f->expect.p != NULL ? f->expect.p :
			    "", f->expect.n, NULL, 0);
			commit(f->s);
		}
		fsck_say(f, f->repair, "index: does not match certs/");
	}
	free(have);
	free(want);
	free(ix);
	free(j);
	buf_free(&all);
}

static void
fsck_root(struct fsck *f)
{
	static const char *const files[] = { "index", "index.journal", "lock",
		"dirty", "ldap", NULL };
	char path[PATH_MAX];
	struct dirent *d;
	struct stat st;
	DIR *dp;
	int i, known;

	if (stat(f->s->dir, &st) == 0)
		fsck_mode(f, ".", &st, 0700);
	for (i = 0; folders[i] != NULL; i++) {
		spath(path, f->s, "%s", folders[i]);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			fsck_mode(f, folders[i], &st, 0700);
		else
			fsck_say(f, f->repair && mkdir(path, 0700) == 0,
			    "%s/: missing", folders[i]);
	}
	if ((dp = opendir(f->s->dir)) == NULL)
		xdie(ERR_CONFIG, "cannot read '%s': %s", f->s->dir,
		    strerror(errno));
	while ((d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		spath(path, f->s, "%s", d->d_name);
		if (lstat(path, &st) == -1)
			continue;
		for (known = 0, i = 0; folders[i] != NULL; i++)
			known |= strcmp(d->d_name, folders[i]) == 0;
		for (i = 0; files[i] != NULL; i++)
			if (strcmp(d->d_name, files[i]) == 0) {
				known = 1;
				if (!S_ISREG(st.st_mode))
					fsck_say(f, 0, "%s: not a regular file",
					    d->d_name);
				else if (strcmp(files[i], "lock") == 0 ||
				    strcmp(files[i], "ldap") == 0)
					fsck_mode(f, files[i], &st, 0600);
			}
		if (is_tmp(d->d_name))
			fsck_tmp(f, d->d_name);
		else if (!known)
			fsck_say(f, 0, "%s: does not belong in the store",
			    d->d_name);
	}
	closedir(dp);
}

/* Every pass, in the order that lets a later one trust an earlier
 * one's repairs. */
static void
fsck_all(struct fsck *f)
{
	fsck_root(f);
	fsck_certs(f);
	fsck_keys(f);
	fsck_hashed(f, "ca");
	fsck_hashed(f, "crl");
	fsck_index(f);
	buf_free(&f->expect);
}

void
store_recover(struct store_dir *s)
{
	struct fsck f = { 0 };

	f.s = s;
	f.quiet = 1;
	f.repair = 1;
	fsck_all(&f);
	if (f.left > 0)
		warnx("the store '%s' has %d problem%s an interrupted writer "
		    "did not leave: see certstore fsck", s->dir, f.left,
		    f.left == 1 ? "" : "s");
	else
		verbosex("the store '%s': an interrupted writer's changes "
		    "completed (%d)", s->dir, f.fixed);
}

int
dir_fsck(struct store_dir *s, int repair, int *fixed)
{
	struct fsck f = { 0 };

	f.s = s;
	f.repair = repair;
	fsck_all(&f);
	*fixed = f.fixed;
	return f.left;
}

int
no_pass(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return -1;
}
