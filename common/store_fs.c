/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * store_fs: the files of the directory backend (certstore(5)): paths,
 * staged writes and their commit, the lock and the dirty marker,
 * .meta, the folders and what is read from them.  store_dir.c builds
 * the backend's table on these, store_index.c the index and
 * store_fsck.c fsck and the recovery of a dead writer.
 *
 * Writes are staged: each file goes to a temporary file in its folder
 * (mkostemp: O_EXCL, 0600), is fsync'd (or, for a bulk add, all of them
 * at once with one syncfs), and commit() renames them in order,
 * flushing each folder before it renames into the next.  A change
 * stages all its files, the index's included, before its one commit:
 * a full disk stops it before anything is renamed, so that "the store
 * is unchanged" is true.  Certificates are renamed before the index
 * lines that name them.  A process that dies removes its temporary
 * files (an err_atexit hook); one that is killed leaves them for the
 * next writer (the dirty marker) or fsck --repair.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "io.h"
#include "store_dir.h"

#define LOCK_WAIT	30		/* seconds a writer waits for the lock */

/* A staged change: a temporary file (or link) to rename over dst, or
 * (gone) dst to remove.  While commit() runs, old keeps what dst was
 * (a hard link, or dst itself renamed), so that it can be put back. */
struct stage {
	char *tmp, *dst, *old;
	int gone, done;
};

static struct {
	struct stage *v;
	size_t n, cap;
	int hooked;
} staged;

/* The store whose `dirty` we made, and whether anything was renamed in
 * since: a writer that fails before its first rename leaves no marker. */
static struct {
	char path[PATH_MAX];
	int renamed, hooked;
} mark;

const char *const folders[] = { "certs", "keys", "ca", "crl", NULL };

/* dir/rel into out; a path too long for the system is a bad store. */
void
spath(char *out, const struct store_dir *s, const char *fmt, ...)
{
	char rel[PATH_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(rel) ||
	    snprintf(out, PATH_MAX, "%s/%s", s->dir, rel) >= PATH_MAX)
		xdie(ERR_CONFIG, "store path '%s' is too long", s->dir);
}

void
iso_asn1(const ASN1_TIME *t, char out[21])
{
	struct tm tm;

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm) ||
	    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strcpy(out, "?");
}

/* At exit, whatever the path: no temporary file of ours is left.  An
 * old copy still here is one that commit() no longer needs, or could
 * not put back (the next writer then finishes the store). */
static void
stage_cleanup(void)
{
	size_t i;

	for (i = 0; i < staged.n; i++) {
		if (staged.v[i].tmp != NULL)
			unlink(staged.v[i].tmp);
		if (staged.v[i].old != NULL)
			unlink(staged.v[i].old);
		free(staged.v[i].tmp);
		free(staged.v[i].dst);
		free(staged.v[i].old);
	}
	free(staged.v);
	memset(&staged, 0, sizeof(staged));
}

static struct stage *
stage_push(const char *tmp, const char *dst)
{
	struct stage *st;

	if (!staged.hooked) {
		err_atexit(stage_cleanup);
		staged.hooked = 1;
	}
	if (staged.n == staged.cap) {
		staged.cap = staged.cap == 0 ? 16 : staged.cap * 2;
		staged.v = xrealloc(staged.v, staged.cap * sizeof(*staged.v));
	}
	st = &staged.v[staged.n++];
	memset(st, 0, sizeof(*st));
	st->tmp = tmp != NULL ? xstrdup(tmp) : NULL;
	st->dst = xstrdup(dst);
	st->gone = tmp == NULL;
	return st;
}

/* "DIR/.NAME.XXXXXX" beside dst, as certstore(5) names them. */
static void
tmp_name(char *tmp, const char *dst)
{
	const char *slash = strrchr(dst, '/');

	if (snprintf(tmp, PATH_MAX, "%.*s/.%s.XXXXXX", (int)(slash - dst),
	    dst, slash + 1) >= PATH_MAX)
		xdie(ERR_CONFIG, "store path '%s' is too long", dst);
}

/* Says "unchanged" only while it is true: nothing renamed since the
 * lock was taken, or all of it put back (commit). */
noreturn void
die_write(const char *what, const char *path, int e)
{
	xdie(e == ENOSPC || e == EDQUOT || e == ENOMEM ? ERR_TEMP :
	    e == EIO ? ERR_IO : ERR_CANTCREAT, "cannot %s '%s': %s%s", what,
	    path, strerror(e), e != ENOSPC && e != EDQUOT ? "" :
	    !mark.renamed ? ": the store is unchanged, try again" :
	    ": try again (the next writer completes the store)");
}

/* Writes the new contents of rel into a temporary file beside it. */
void
stage_data(struct store_dir *s, const char *rel, const void *p, size_t n)
{
	char dst[PATH_MAX], tmp[PATH_MAX];
	const char *q = p;
	ssize_t r;
	int fd;

	spath(dst, s, "%s", rel);
	tmp_name(tmp, dst);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd == -1)
		die_write("create a file beside", dst, errno);
	stage_push(tmp, dst);
	while (n > 0) {
		r = write(fd, q, n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			die_write("write", dst, r == 0 ? ENOSPC : errno);
		q += r;
		n -= (size_t)r;
	}
	if ((!s->bulk && fsync(fd) == -1) || close(fd) == -1)
		die_write("write", dst, errno);
}

/* A symbolic link rel -> target (OpenSSL's hash links). */
void
stage_link(struct store_dir *s, const char *rel, const char *target)
{
	char dst[PATH_MAX], tmp[PATH_MAX];
	int fd, tries;

	spath(dst, s, "%s", rel);
	for (tries = 0;; tries++) {
		tmp_name(tmp, dst);
		/* A fresh unique name (we hold the lock), then the link. */
		fd = mkostemp(tmp, O_CLOEXEC);
		if (fd == -1)
			die_write("create a link beside", dst, errno);
		close(fd);
		unlink(tmp);
		if (symlink(target, tmp) == 0)
			break;
		if (errno != EEXIST || tries > 8)
			die_write("create a link beside", dst, errno);
	}
	stage_push(tmp, dst);
}

void
stage_unlink(struct store_dir *s, const char *rel)
{
	char dst[PATH_MAX];

	spath(dst, s, "%s", rel);
	stage_push(NULL, dst);
}

void
fsync_dir(const char *dir)
{
	int e = io_fsync_dir(dir);

	if (e != 0)
		die_write("flush the folder", dir, e);
}

/* The folder of a staged change, into dir. */
static void
stage_dir(const struct stage *st, char *dir)
{
	snprintf(dir, PATH_MAX, "%.*s", (int)(strrchr(st->dst, '/') -
	    st->dst), st->dst);
}

/* A fresh name beside dst for its old copy: made by mkostemp, so unique,
 * then given up for link() or rename() to take (we hold the lock). */
static int
old_name(struct stage *st)
{
	char name[PATH_MAX];
	int fd;

	tmp_name(name, st->dst);
	if ((fd = mkostemp(name, O_CLOEXEC)) == -1)
		return errno;
	close(fd);
	st->old = xstrdup(name);
	return 0;
}

/* A second name for dst, so that it survives being replaced.  Flags 0:
 * a hash link is linked as the link it is. */
static int
link_old(struct stage *st)
{
	int e, tries;

	for (tries = 0;; tries++) {
		if ((e = old_name(st)) != 0)
			return e;
		unlink(st->old);
		if (linkat(AT_FDCWD, st->dst, AT_FDCWD, st->old, 0) == 0)
			return 0;
		e = errno;
		free(st->old);
		st->old = NULL;
		if (e != EEXIST || tries > 8)
			return e;
	}
}

/*
 * Puts one change in place, keeping what it replaces or removes under
 * st->old: a file replaced is linked there first (a reader never finds
 * dst missing), a file removed is renamed there.  Returns 0 or an errno.
 */
static int
stage_apply(struct stage *st)
{
	struct stat sb;
	int e, exists = lstat(st->dst, &sb) == 0;

	if (st->gone && exists) {
		if ((e = old_name(st)) != 0)
			return e;
		if (rename(st->dst, st->old) == -1)
			return errno;
	} else if (!st->gone) {
		if (exists && (e = link_old(st)) != 0)
			return e;
		if (rename(st->tmp, st->dst) == -1)
			return errno;
		free(st->tmp);
		st->tmp = NULL;
	}
	st->done = 1;
	return 0;
}

/*
 * Takes back the changes staged.v[0..n) that were made, last first, and
 * flushes their folders.  Returns 1 if the store is as it was.
 */
static int
stage_undo(size_t n)
{
	char dir[PATH_MAX], last[PATH_MAX] = "";
	size_t i;
	int ok = 1;

	for (i = n; i-- > 0;) {
		struct stage *st = &staged.v[i];

		if (!st->done)
			continue;
		if (st->old != NULL) {
			if (rename(st->old, st->dst) == -1)
				ok = 0;
			else {
				free(st->old);
				st->old = NULL;
			}
		} else if (!st->gone && unlink(st->dst) == -1 &&
		    errno != ENOENT)
			ok = 0;
		stage_dir(st, dir);
		if (strcmp(dir, last) != 0 && *last != '\0' &&
		    io_fsync_dir(last) != 0)
			ok = 0;
		snprintf(last, sizeof(last), "%s", dir);
	}
	if (*last != '\0' && io_fsync_dir(last) != 0)
		ok = 0;
	return ok;
}

/*
 * Puts every staged change in place, in the order staged.  Each folder
 * is flushed before a change goes into another one, so that even after
 * a power failure nothing is there without what came before it (the
 * certificates before the index lines that name them, the index before
 * the removal of what it no longer names).  A bulk change is flushed by
 * one syncfs(2) first: the data of every temporary file is on disk
 * before any rename.
 *
 * Everything was written when the temporary files were, so a full disk
 * stops a writer before this.  Should a rename or a flush fail here all
 * the same, what was done is undone, and die_write() says whether the
 * store is as it was.
 */
void
commit(struct store_dir *s)
{
	char dir[PATH_MAX], last[PATH_MAX] = "";
	const char *what = "rename into", *where = NULL;
	size_t i;
	int fd, e = 0, data = 0, before = mark.renamed;

	for (i = 0; i < staged.n; i++)
		data |= !staged.v[i].gone;
	if (s->bulk && data) {
		fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd == -1 || syncfs(fd) == -1)
			die_write("flush", s->dir, errno);
		close(fd);
	}
	for (i = 0; i < staged.n && e == 0; i++) {
		struct stage *st = &staged.v[i];

		stage_dir(st, dir);
		if (strcmp(dir, last) != 0 && *last != '\0' &&
		    (e = io_fsync_dir(last)) != 0) {
			what = "flush the folder";
			where = last;
			break;
		}
		snprintf(last, sizeof(last), "%s", dir);
		mark.renamed = 1;
		if ((e = stage_apply(st)) != 0) {
			what = st->gone ? "remove" : "rename into";
			where = st->dst;
		}
	}
	if (e == 0 && *last != '\0' && (e = io_fsync_dir(last)) != 0) {
		what = "flush the folder";
		where = last;
	}
	if (e != 0) {
		if (stage_undo(staged.n))
			mark.renamed = before;
		die_write(what, where, e);
	}
	/* In place and flushed: the old copies go. */
	stage_cleanup();
	staged.hooked = 1;	/* err_atexit has it already */
}

void
meta_load(struct store_dir *s, const char *fp, struct meta *m)
{
	char path[PATH_MAX], *text;
	size_t n;

	spath(path, s, "certs/%s.meta", fp);
	text = io_read_file(path, SMALL_MAX, &n);
	if (text == NULL)
		memset(m, 0, sizeof(*m));
	else
		meta_parse(m, text);
	free(text);
}

void
meta_stage(struct store_dir *s, const char *fp, const struct meta *m)
{
	struct buf b = { 0 };
	char rel[80];
	size_t i;

	for (i = 0; i < m->n; i++) {
		buf_puts(&b, m->line[i]);
		buf_add(&b, "\n", 1);
	}
	snprintf(rel, sizeof(rel), "certs/%s.meta", fp);
	stage_data(s, rel, b.p != NULL ? b.p : "", b.n);
	buf_free(&b);
}

/*
 * Opening, locking.
 */
int
store_exists(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;

	if (dir == NULL || snprintf(path, sizeof(path), "%s/lock", dir) >=
	    (int)sizeof(path) || stat(path, &st) == -1 || !S_ISREG(st.st_mode))
		return 0;
	snprintf(path, sizeof(path), "%s/certs", dir);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* How long a writer waits: LOCK_WAIT, or $SMIME_STORE_LOCK_WAIT. */
static long
lock_wait(void)
{
	const char *e = getenv("SMIME_STORE_LOCK_WAIT");
	char *end;
	long v;

	if (e == NULL || *e == '\0')
		return LOCK_WAIT;
	v = strtol(e, &end, 10);
	if (*end != '\0' || v < 0 || v > 3600)
		xdie(ERR_USAGE, "bad $SMIME_STORE_LOCK_WAIT '%s': seconds, "
		    "0 to 3600", e);
	return v;
}

static void
mark_cleanup(void)
{
	if (*mark.path != '\0' && !mark.renamed)
		unlink(mark.path);
}

/*
 * `dirty` exists while a writer holds the lock: a writer that finds it
 * when it takes the lock knows the last one died between its first
 * and last rename (SIGKILL, a crash, a failed write), and first
 * finishes the store the way fsck --repair does: its temporary files
 * removed, .meta and index lines rebuilt for the certificates it put
 * in place, those of a half-done remove restored.  The marker is
 * flushed before any rename of ours can be.  A clean close removes it.
 */
void
dir_mark(struct store_dir *s)
{
	char path[PATH_MAX];
	int fd;

	spath(path, s, "dirty");
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1)
		die_write("create", path, errno);
	close(fd);
	snprintf(mark.path, sizeof(mark.path), "%s", path);
	mark.renamed = 0;
	if (!mark.hooked) {
		err_atexit(mark_cleanup);
		mark.hooked = 1;
	}
	fsync_dir(s->dir);
}

/*
 * flock(2) polled with LOCK_NB: a blocking flock cannot be given a
 * deadline without a signal handler.  The lock is released by the
 * kernel when the process ends, however it ends.  Returns whether a
 * dead writer's dirty marker is there.
 */
int
dir_flock(struct store_dir *s)
{
	struct timespec now, end, nap = { 0, 0 };
	char path[PATH_MAX];

	spath(path, s, "lock");
	s->lock = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (s->lock == -1)
		xdie(ERR_CONFIG, "cannot open '%s': %s", path,
		    strerror(errno));
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += lock_wait();
	while (flock(s->lock, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			xdie(ERR_OSERR, "cannot lock '%s': %s", path,
			    strerror(errno));
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec &&
		    now.tv_nsec >= end.tv_nsec))
			xdie(ERR_TEMP, "the store '%s' is locked by another "
			    "writer: try again later", s->dir);
		/* 5 to 25 ms, spread so that waiters do not move in step. */
		nap.tv_nsec = (5 + (long)(((unsigned)now.tv_nsec >> 10) % 21))
		    * 1000000L;
		nanosleep(&nap, NULL);
	}
	spath(path, s, "dirty");
	return access(path, F_OK) == 0;
}

/*
 * certstore(5) "Modes": the store and its folders are 0700.  One that
 * others may write is refused, whatever is in it: whoever can write ca/
 * chooses our trust anchors, certs/ the certificate a reply is encrypted
 * to, keys/ the key we sign with.  (A key file others may read is
 * refused where it is loaded, keys.c: 77.)  stat, not lstat: a folder
 * that is a link is judged by where it leads.
 */
void
store_check_modes(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;
	int i;

	for (i = -1; i < 0 || folders[i] != NULL; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir,
		    i < 0 ? "." : folders[i]) >= (int)sizeof(path))
			xdie(ERR_CONFIG, "store path '%s' is too long", dir);
		if (stat(path, &st) == -1 || !(st.st_mode & (S_IWGRP | S_IWOTH)))
			continue;
		xdie(ERR_CONFIG, "the store '%s' is writable by others: "
		    "%s%s has mode %04o, not 0700 (certstore fsck --repair)",
		    dir, i < 0 ? "the folder" : folders[i], i < 0 ? "" : "/",
		    (unsigned)(st.st_mode & 07777));
	}
}

struct store_dir *
dir_open_fs(const char *dir, int flags)
{
	struct store_dir *s;
	struct stat st;

	if (dir == NULL || *dir == '\0')
		xdie(ERR_CONFIG, "no store: set -S, $SMIME_STORE or $HOME");
	if (strlen(dir) > PATH_MAX - 128)
		xdie(ERR_CONFIG, "store path '%s' is too long", dir);
	/* Whatever we create is ours alone (certstore(5) "Modes"). */
	if (!(flags & STORE_PEEK))
		umask(077);
	if (!store_exists(dir)) {
		if (stat(dir, &st) == -1)
			xdie(ERR_CONFIG, "no store in '%s': run certstore "
			    "init", dir);
		xdie(ERR_CONFIG, "'%s' is not a store (no lock or certs/): "
		    "run certstore init, or fix -S", dir);
	}
	/* fsck looks at the modes itself, and --repair mends them; init
	 * leaves a store that is there as it is. */
	if (!(flags & (STORE_FSCK | STORE_CREATE)))
		store_check_modes(dir);
	s = xcalloc(1, sizeof(*s));
	s->dir = xstrdup(dir);
	s->lock = -1;
	return s;
}

void
dir_close_fs(struct store_dir *s)
{
	char path[PATH_MAX];

	if (s == NULL)
		return;
	if (s->lock != -1) {
		spath(path, s, "dirty");
		unlink(path);
		*mark.path = '\0';
		close(s->lock);
	}
	free(s->dir);
	free(s);
}

/* fn(s, fp, arg) for each folder/<fp><suffix>, in no order. */
void
each_file(struct store_dir *s, const char *folder, const char *suffix,
    void (*fn)(struct store_dir *, const char *, void *), void *arg)
{
	char path[PATH_MAX], fp[FPLEN + 1];
	struct dirent *d;
	DIR *dp;

	spath(path, s, "%s", folder);
	if ((dp = opendir(path)) == NULL)
		xdie(ERR_CONFIG, "cannot read '%s': %s", path,
		    strerror(errno));
	while ((d = readdir(dp)) != NULL)
		if (fp_name(d->d_name, suffix, fp))
			fn(s, fp, arg);
	closedir(dp);
}

void
fps_add(struct store_dir *s, const char *fp, void *arg)
{
	(void)s;
	fps_push(arg, fp);
}

void
list_fps(struct store_dir *s, const char *folder, struct fps *f)
{
	memset(f, 0, sizeof(*f));
	if (strcmp(folder, "keys") == 0)
		each_identity(s, fps_add, f);
	else
		each_file(s, folder, ".pem", fps_add, f);
	if (f->n > 0)
		qsort(f->v, f->n, sizeof(*f->v), fp_cmp);
}


/* folder/<fp>.pem, or NULL if it is not there (or does not parse). */
X509 *
load_cert(struct store_dir *s, const char *folder, const char *fp)
{
	char path[PATH_MAX], *p;
	size_t n;
	X509 *x;

	spath(path, s, "%s/%s.pem", folder, fp);
	if ((p = io_read_file(path, SMALL_MAX, &n)) == NULL)
		return NULL;
	x = cert_from_pem(p, n);
	free(p);
	return x;
}

/* Is folder/<fp><suffix> there? */
int
has_file(struct store_dir *s, const char *folder, const char *fp,
    const char *suffix)
{
	char path[PATH_MAX];
	struct stat st;

	spath(path, s, "%s/%s%s", folder, fp, suffix);
	return lstat(path, &st) == 0;
}

/*
 * An identity's key is keys/<fp>.pem, or keys/<fp>.p11 when it stays on
 * a PKCS#11 token (the record of where: p11uri.h).  The file one wins
 * if both are there (certstore fsck reports that).
 */
const char *
identity_suffix(struct store_dir *s, const char *fp)
{
	if (has_file(s, "keys", fp, ".pem"))
		return ".pem";
	if (has_file(s, "keys", fp, ".p11"))
		return ".p11";
	return NULL;
}

int
is_identity(struct store_dir *s, const char *fp)
{
	return identity_suffix(s, fp) != NULL;
}

struct each_p11 {
	void (*fn)(struct store_dir *, const char *, void *);
	void *arg;
};

static void
each_p11_one(struct store_dir *s, const char *fp, void *arg)
{
	struct each_p11 *e = arg;

	if (!has_file(s, "keys", fp, ".pem"))
		e->fn(s, fp, e->arg);
}

void
each_identity(struct store_dir *s,
    void (*fn)(struct store_dir *, const char *, void *), void *arg)
{
	struct each_p11 e = { fn, arg };

	each_file(s, "keys", ".pem", fn, arg);
	each_file(s, "keys", ".p11", each_p11_one, &e);
}

/* The target of a hash link in folder, if it is a file name there. */
int
link_target(struct store_dir *s, const char *folder, const char *name,
    char *target, size_t size)
{
	char path[PATH_MAX];
	ssize_t k;

	spath(path, s, "%s/%s", folder, name);
	k = readlink(path, target, size - 1);
	if (k <= 0)
		return -1;
	target[k] = '\0';
	return strchr(target, '/') != NULL || target[0] == '.' ? 0 : 1;
}

/* The CRLs of crl/ whose issuer is name, through the hash links. */
STACK_OF(X509_CRL) *
crls_of(struct store_dir *s, const X509_NAME *name)
{
	STACK_OF(X509_CRL) *sk = sk_X509_CRL_new_null();
	char path[PATH_MAX], link[32], target[PATH_MAX], *p;
	unsigned long h = X509_NAME_hash_ex(name, NULL, NULL, NULL);
	X509_CRL *c;
	size_t n;
	int i, r;

	if (sk == NULL)
		xdie(ERR_TEMP, "out of memory");
	for (i = 0; i < 64; i++) {
		snprintf(link, sizeof(link), "%08lx.r%d", h, i);
		if ((r = link_target(s, "crl", link, target,
		    sizeof(target))) == -1)
			break;
		spath(path, s, "crl/%s", target);
		if (r == 0 || (p = io_read_file(path, INPUT_MAX, &n)) == NULL)
			continue;
		c = crl_from_pem(p, n);
		free(p);
		if (c != NULL && X509_NAME_cmp(X509_CRL_get_issuer(c), name) == 0)
			sk_X509_CRL_push(sk, c);
		else
			X509_CRL_free(c);
	}
	return sk;
}

