/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * store_dir: the directory backend (certstore(5)), the table of
 * store_be.h over the files of store_fs.c, the index of store_index.c
 * and the recovery of store_fsck.c.  Writers hold flock(2) on `lock`
 * from begin to commit (bounded wait, else 75); readers take no lock
 * and read whole files that writers only ever rename into place.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "store_dir.h"

struct store_dir *
store_dir_of(struct store *s)
{
	if (s == NULL || s->ops != &store_dir_ops)
		return NULL;
	return (struct store_dir *)(void *)((char *)s -
	    offsetof(struct store_dir, base));
}

static struct store_dir *
dir(struct store *s)
{
	struct store_dir *d = store_dir_of(s);

	if (d == NULL)
		xdie(ERR_SOFTWARE, "not a directory store");
	return d;
}

void
store_lock(struct store_dir *d)
{
	if (d->lock != -1)
		return;
	if (dir_flock(d))
		store_recover(d);
	dir_mark(d);
}

static struct store *
dir_open(const char *where, int flags)
{
	struct store_dir *d = dir_open_fs(where, flags);

	d->base.ops = &store_dir_ops;
	d->base.where = d->dir;
	if (flags & STORE_WRITE)
		store_lock(d);
	return &d->base;
}

static void
dir_close(struct store *s)
{
	struct store_dir *d = dir(s);

	buf_free(&d->ix);
	free(d->drop.v);
	dir_close_fs(d);
}

static void
dir_lookup(struct store *s, const char *key, struct hits *h)
{
	ix_find(dir(s), key, h);
}

static X509 *
dir_load(struct store *s, const char *fp)
{
	return load_cert(dir(s), "certs", fp);
}

static int
dir_facts(struct store *s, const char *fp, struct meta *m)
{
	struct store_dir *d = dir(s);

	meta_load(d, fp, m);
	return (has_file(d, "certs", fp, ".pem") ? STORE_PUT_CERT : 0) |
	    (has_file(d, "certs", fp, ".meta") ? STORE_PUT_META : 0);
}

struct walk {
	struct store *s;
	void (*fn)(struct store *, const char *, void *);
	void *arg;
};

static void
walk_one(struct store_dir *d, const char *fp, void *arg)
{
	struct walk *w = arg;

	(void)d;
	w->fn(w->s, fp, w->arg);
}

static void
dir_walk(struct store *s, enum store_set set,
    void (*fn)(struct store *, const char *, void *), void *arg)
{
	struct walk w = { s, fn, arg };

	if (set == STORE_IDENTITIES)
		each_identity(dir(s), walk_one, &w);
	else
		each_file(dir(s), "certs", ".pem", walk_one, &w);
}

/*
 * The version: the index and its journal, which every change rewrites
 * (a new file renamed into place: a new inode).  Under the lock nobody
 * else changes them, so commit's check holds; it is there for the
 * table's sake, and costs two stat(2)s.
 */
static void
dir_version(struct store_dir *d, struct store_version *v)
{
	char path[PATH_MAX];
	struct stat a, b;

	spath(path, d, "index");
	if (stat(path, &a) == -1)
		memset(&a, 0, sizeof(a));
	spath(path, d, "index.journal");
	if (stat(path, &b) == -1)
		memset(&b, 0, sizeof(b));
	snprintf(v->v, sizeof(v->v), "%ju.%jd %ju.%jd",
	    (uintmax_t)a.st_ino, (intmax_t)a.st_size, (uintmax_t)b.st_ino,
	    (intmax_t)b.st_size);
}

static void
dir_begin(struct store *s, struct store_version *v)
{
	struct store_dir *d = dir(s);

	store_lock(d);
	d->ix.n = 0;
	d->drop.n = 0;
	dir_version(d, v);
}

/* certs/<fp>.pem if it is new, then its .meta; its index lines go with
 * the commit, after the files they name. */
static void
dir_put(struct store *s, X509 *x, const struct meta *m, int what)
{
	struct store_dir *d = dir(s);
	char fp[FPLEN + 1], rel[80];
	BIO *b;
	char *pem;
	long n;

	cert_fp(x, fp);
	if (what & STORE_PUT_CERT) {
		if ((b = BIO_new(BIO_s_mem())) == NULL ||
		    !PEM_write_bio_X509(b, x))
			xdie_ssl(ERR_TEMP, "cannot encode a certificate");
		n = BIO_get_mem_data(b, &pem);
		snprintf(rel, sizeof(rel), "certs/%s.pem", fp);
		stage_data(d, rel, pem, (size_t)n);
		BIO_free(b);
	}
	if (what & STORE_PUT_META)
		meta_stage(d, fp, m);
	if (what & STORE_PUT_CERT)
		ix_cert_lines(&d->ix, x, fp, is_identity(d, fp));
}

/* Staged at commit, all at once: the index is rewritten once. */
static void
dir_drop(struct store *s, const char *fp)
{
	struct store_dir *d = dir(s);

	fps_add(d, fp, &d->drop);
}

/* The index first: it never names a certificate that is gone. */
static void
drop_staged(struct store_dir *d)
{
	char rel[80];
	size_t i;

	ix_drop(d, d->drop.v, d->drop.n);
	for (i = 0; i < d->drop.n; i++) {
		snprintf(rel, sizeof(rel), "certs/%s.pem", d->drop.v[i]);
		stage_unlink(d, rel);
		snprintf(rel, sizeof(rel), "certs/%s.meta", d->drop.v[i]);
		stage_unlink(d, rel);
	}
}

static int
dir_commit(struct store *s, const struct store_version *v)
{
	struct store_dir *d = dir(s);
	struct store_version now;

	dir_version(d, &now);
	if (strcmp(now.v, v->v) != 0)
		xdie(ERR_SOFTWARE, "the store '%s' changed under its lock",
		    d->dir);
	if (d->drop.n > 0)
		drop_staged(d);
	ix_add(d, &d->ix);
	commit(d);
	d->ix.n = 0;
	d->drop.n = 0;
	return 1;
}

static int
dir_identity(struct store *s, const char *fp, char *key, char *cert,
    size_t size)
{
	struct store_dir *d = dir(s);
	const char *suffix = identity_suffix(d, fp);

	if (size < PATH_MAX || suffix == NULL)
		return 0;
	spath(key, d, "keys/%s%s", fp, suffix);
	spath(cert, d, "certs/%s.pem", fp);
	return 1;
}

/* OpenSSL hash links: found lazily, by subject. */
static void
dir_anchors(struct store *s, X509_STORE *st)
{
	struct store_dir *d = dir(s);
	char path[PATH_MAX];
	struct stat sb;

	spath(path, d, "ca");
	if (stat(path, &sb) == 0)
		X509_STORE_load_path(st, path);
	spath(path, d, "crl");
	if (stat(path, &sb) == 0)
		X509_STORE_load_path(st, path);
}

static STACK_OF(X509_CRL) *
dir_crls(struct store *s, const X509_NAME *name)
{
	return crls_of(dir(s), name);
}

static int
dir_fsck_op(struct store *s, int repair, int *fixed)
{
	return dir_fsck(dir(s), repair, fixed);
}

static int
dir_probe(const char *where)
{
	if (!store_exists(where))
		return 0;
	store_check_modes(where);
	return 1;
}

/*
 * certstore init: the folder (and its parents), 0700, its folders, an
 * empty index, the lock last: with the lock the folder is a store.
 */
static void
mkdir_p(char *path)
{
	char *p;

	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0777) == -1 && errno != EEXIST)
			xdie(ERR_CANTCREAT, "cannot create '%s': %s", path,
			    strerror(errno));
		*p = '/';
	}
}

static int
dir_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int empty = 1;

	if (d == NULL)
		return 0;
	while (empty && (e = readdir(d)) != NULL)
		empty = strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0;
	closedir(d);
	return empty;
}

static void
dir_create(const char *where)
{
	struct store_dir s = { .lock = -1 };
	char path[PATH_MAX], *dir;
	int i, fd;

	if (where == NULL || *where == '\0')
		xdie(ERR_CONFIG, "no store: set -S, $SMIME_STORE or $HOME");
	dir = xstrdup(where);
	umask(077);
	if (store_exists(dir)) {
		verbosex("'%s' is a store already: left as it is", dir);
		free(dir);
		return;
	}
	mkdir_p(dir);
	if (mkdir(dir, 0700) == -1) {
		if (errno != EEXIST)
			xdie(ERR_CANTCREAT, "cannot create '%s': %s", dir,
			    strerror(errno));
		if (!dir_empty(dir))
			xdie(ERR_CONFIG, "'%s' exists and is not a store: "
			    "choose an empty or new folder", dir);
		if (chmod(dir, 0700) == -1)
			xdie(ERR_CANTCREAT, "cannot chmod '%s': %s", dir,
			    strerror(errno));
	}
	s.dir = dir;
	for (i = 0; folders[i] != NULL; i++) {
		spath(path, &s, "%s", folders[i]);
		if (mkdir(path, 0700) == -1 && errno != EEXIST)
			xdie(ERR_CANTCREAT, "cannot create '%s': %s", path,
			    strerror(errno));
	}
	stage_data(&s, "index", "", 0);
	commit(&s);
	spath(path, &s, "lock");
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1 || fsync(fd) == -1 || close(fd) == -1)
		die_write("create", path, errno);
	fsync_dir(dir);
	verbosex("created the store '%s'", dir);
	free(dir);
}

const struct store_ops store_dir_ops = {
	.name = "dir",
	.open = dir_open,
	.close = dir_close,
	.lookup = dir_lookup,
	.load = dir_load,
	.facts = dir_facts,
	.walk = dir_walk,
	.begin = dir_begin,
	.put = dir_put,
	.drop = dir_drop,
	.commit = dir_commit,
	.identity = dir_identity,
	.anchors = dir_anchors,
	.crls = dir_crls,
	.fsck = dir_fsck_op,
	.probe = dir_probe,
	.create = dir_create,
};
