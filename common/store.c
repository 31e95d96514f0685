/*
 * store: see store.h, certstore(1) and certstore(5); store_int.h says
 * which file of the store holds what.  This one holds what every other
 * builds on: opening a store, the lock and the dirty marker, staged
 * writes and their commit, .meta; and what the filters call
 * (store_import, store_best, store_identity*).
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
#include "store_int.h"

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
spath(char *out, const struct store *s, const char *fmt, ...)
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
stage_data(struct store *s, const char *rel, const void *p, size_t n)
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
stage_link(struct store *s, const char *rel, const char *target)
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
stage_unlink(struct store *s, const char *rel)
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
commit(struct store *s)
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

static int
meta_line_ok(const char *l)
{
	const char *c = strchr(l, ':');
	const char *p;

	if (c == NULL || c == l || c[1] != ' ')
		return 0;
	for (p = l; p < c; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p)
		    && *p != '-')
			return 0;
	for (p = c + 2; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* Parses text; returns the number of lines that are not "name: value". */
int
meta_parse(struct meta *m, char *text)
{
	char *l, *nl;
	int bad = 0;

	memset(m, 0, sizeof(*m));
	for (l = text; *l != '\0'; l = nl + 1) {
		nl = strchr(l, '\n');
		if (nl == NULL)
			nl = l + strlen(l) - 1;	/* the last line, unended */
		else
			*nl = '\0';
		if (*l == '\0')
			continue;
		if (!meta_line_ok(l)) {
			bad++;
			continue;
		}
		m->line = xrealloc(m->line, (m->n + 1) * sizeof(*m->line));
		m->line[m->n++] = xstrdup(l);
	}
	return bad;
}

void
meta_load(struct store *s, const char *fp, struct meta *m)
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

const char *
meta_get(const struct meta *m, const char *name)
{
	size_t i, k = strlen(name);

	for (i = 0; i < m->n; i++)
		if (strncmp(m->line[i], name, k) == 0 &&
		    m->line[i][k] == ':')
			return m->line[i] + k + 2;
	return NULL;
}

/* Sets name; returns 1 if that changed anything. */
int
meta_set(struct meta *m, const char *name, const char *value)
{
	const char *old = meta_get(m, name);
	size_t i, k = strlen(name);
	char *l;

	if (old != NULL && strcmp(old, value) == 0)
		return 0;
	if (asprintf(&l, "%s: %s", name, value) == -1)
		xdie(ERR_TEMP, "out of memory");
	for (i = 0; i < m->n; i++)
		if (strncmp(m->line[i], name, k) == 0 &&
		    m->line[i][k] == ':') {
			free(m->line[i]);
			m->line[i] = l;
			return 1;
		}
	m->line = xrealloc(m->line, (m->n + 1) * sizeof(*m->line));
	m->line[m->n++] = l;
	return 1;
}

void
meta_stage(struct store *s, const char *fp, const struct meta *m)
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

void
meta_free(struct meta *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->line[i]);
	free(m->line);
	memset(m, 0, sizeof(*m));
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
static void
store_mark(struct store *s)
{
	char path[PATH_MAX];
	int fd;

	spath(path, s, "dirty");
	if (access(path, F_OK) == 0)
		store_recover(s);
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
 * kernel when the process ends, however it ends.
 */
void
store_lock(struct store *s)
{
	struct timespec now, end, nap = { 0, 0 };
	char path[PATH_MAX];

	if (s->lock != -1)
		return;
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
	store_mark(s);
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

struct store *
store_open(const char *dir, int flags)
{
	struct store *s;
	struct stat st;

	if (dir == NULL || *dir == '\0')
		xdie(ERR_CONFIG, "no store: set -S, $SMIME_STORE or $HOME");
	if (strlen(dir) > PATH_MAX - 128)
		xdie(ERR_CONFIG, "store path '%s' is too long", dir);
	/* Whatever we create is ours alone (certstore(5) "Modes"). */
	umask(077);
	if (!store_exists(dir)) {
		if (stat(dir, &st) == -1)
			xdie(ERR_CONFIG, "no store in '%s': run certstore "
			    "init", dir);
		xdie(ERR_CONFIG, "'%s' is not a store (no lock or certs/): "
		    "run certstore init, or fix -S", dir);
	}
	/* fsck looks at the modes itself, and --repair mends them. */
	if (!(flags & STORE_FSCK))
		store_check_modes(dir);
	s = xcalloc(1, sizeof(*s));
	s->dir = xstrdup(dir);
	s->lock = -1;
	if (flags & STORE_WRITE)
		store_lock(s);
	return s;
}

void
store_close(struct store *s)
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
each_file(struct store *s, const char *folder, const char *suffix,
    void (*fn)(struct store *, const char *, void *), void *arg)
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
fps_add(struct store *s, const char *fp, void *arg)
{
	struct fps *f = arg;

	(void)s;
	if ((f->n & (f->n + 1)) == 0 || f->n == 0)
		f->v = xrealloc(f->v, (2 * f->n + 2) * sizeof(*f->v));
	memcpy(f->v[f->n++], fp, FPLEN + 1);
}

void
list_fps(struct store *s, const char *folder, struct fps *f)
{
	memset(f, 0, sizeof(*f));
	each_file(s, folder, ".pem", fps_add, f);
	if (f->n > 0)
		qsort(f->v, f->n, sizeof(*f->v), fp_cmp);
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
		ix_find(s, key, &h);
		for (k = 0; k < h.n; k++) {
			meta_load(s, h.v[k].fp, &m);
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
 * Stages certs/<fp>.pem if it is new and its .meta if anything changed,
 * and appends its index lines to ix if it is new.  An existing
 * certificate is never rewritten and its first-seen never changed.
 * key-preference holds when a signature last named it: it counts only
 * while no later signature of the sender has been seen (store_best).
 * Returns 1 if it is new.
 */
int
store_put(struct store *s, X509 *x, const struct put *w, struct buf *ix)
{
	char fp[FPLEN + 1], rel[80], now[32], v[1024];
	struct meta m;
	BIO *b;
	char *pem;
	long n;
	int isnew, changed = 0;

	cert_fp(x, fp);
	isnew = !has_file(s, "certs", fp, ".pem");
	if (isnew) {
		if ((b = BIO_new(BIO_s_mem())) == NULL ||
		    !PEM_write_bio_X509(b, x))
			xdie_ssl(ERR_TEMP, "cannot encode a certificate");
		n = BIO_get_mem_data(b, &pem);
		snprintf(rel, sizeof(rel), "certs/%s.pem", fp);
		stage_data(s, rel, pem, (size_t)n);
		BIO_free(b);
	}
	meta_load(s, fp, &m);
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
	if (changed || isnew || !has_file(s, "certs", fp, ".meta"))
		meta_stage(s, fp, &m);
	meta_free(&m);
	if (isnew)
		ix_cert_lines(ix, x, fp, is_identity(s, fp));
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
void
store_import(struct store *s, X509 *signer, STACK_OF(X509) *certs,
    const char *capabilities, X509 *preferred, const struct tm *signing_time,
    const char *message_id)
{
	char why_replay[160];
	struct put w = { .source = "smime-verify --import",
		.caps = capabilities, .msgid = message_id, .seen = 1,
		.signed_at = signing_time };
	struct put other = { .source = "smime-verify --import" };
	struct buf ix = { 0 }, label = { 0 };
	struct judge j;
	const char *why;
	X509 *x;
	int i, njudge = 0;

	if (s->lock == -1)
		xdie(ERR_SOFTWARE, "store_import: the store is not locked");
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
	w.keypref = same_cert(signer, preferred);
	store_put(s, signer, &w, &ix);
	memset(&j, 0, sizeof(j));
	for (i = 0; i < sk_X509_num(certs); i++) {
		x = sk_X509_value(certs, i);
		if (same_cert(x, signer))
			continue;
		if (!is_ca(x) && !names_within(x, signer)) {
			verbosex("not stored: %s, not the signer's%s",
			    cert_label(x, &label), same_cert(x, preferred) ?
			    " (its key preference is ignored)" : "");
			continue;
		}
		if (njudge++ == 0)
			judge_init(&j, s, certs);
		if (is_ca(x)) {
			/* Data, never trust: an intermediate is kept only
			 * with a chain to a configured anchor, under every
			 * policy. */
			if ((why = judge_chain(&j, x)) != NULL)
				verbosex("not stored: %s: %s",
				    cert_label(x, &label), why);
			else {
				other.caps = NULL;
				other.keypref = 0;
				store_put(s, x, &other, &ix);
			}
			continue;
		}
		if ((why = judge(&j, x)) != NULL) {
			verbosex("not stored: %s: %s", cert_label(x, &label),
			    why);
			continue;
		}
		other.caps = capabilities;
		other.keypref = same_cert(x, preferred);
		store_put(s, x, &other, &ix);
	}
	if (njudge > 0)
		judge_release(&j);
	/* One commit: every file written before the first rename. */
	ix_add(s, &ix);
	commit(s);
	buf_free(&ix);
	buf_free(&label);
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

/* Is a better than b (SPEC.md "certstore": key preference, then seen
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
	struct hits h;
	struct meta m;
	const char *v;
	size_t i, n = 0;

	if (caps != NULL && capssz > 0)
		*caps = '\0';
	if (!addr_key(addr, key))
		return NULL;
	ix_find(s, key, &h);
	c = xcalloc(h.n + 1, sizeof(*c));
	for (i = 0; i < h.n; i++) {
		if ((c[n].x = load_cert(s, "certs", h.v[i].fp)) == NULL)
			continue;	/* removed since, or damaged */
		/* The index is derived: the certificate decides. */
		if (!cert_names(c[n].x, key)) {
			X509_free(c[n].x);
			continue;
		}
		meta_load(s, h.v[i].fp, &m);
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
		if (!valid_now(c[i].x) || !can_encrypt(c[i].x) ||
		    revoked(s, c[i].x)) {
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
	if (best.x != NULL && caps != NULL && capssz > 0)
		snprintf(caps, capssz, "%s", best.caps);
	return best.x;
}

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

static void
id_consider(struct store *s, const char *fp, void *arg)
{
	struct idpick *p = arg;
	X509 *x = load_cert(s, "certs", fp);

	if (x == NULL || (p->key != NULL && !cert_names(x, p->key))) {
		X509_free(x);
		return;
	}
	p->n++;
	/* Valid now first, then the one that expires last. */
	if (p->x == NULL || (valid_now(x) && !valid_now(p->x)) ||
	    (valid_now(x) == valid_now(p->x) &&
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
	X509 *x = load_cert(s, "certs", fp);

	if (x != NULL && !sk_X509_push(arg, x))
		xdie(ERR_TEMP, "out of memory");
}

STACK_OF(X509) *
store_identity_certs(struct store *s)
{
	STACK_OF(X509) *sk = sk_X509_new_null();

	if (sk == NULL)
		xdie(ERR_TEMP, "out of memory");
	each_file(s, "keys", ".pem", id_collect, sk);
	return sk;
}

void
store_identity_of(struct store *s, X509 *x, const char *passin,
    struct identity *id)
{
	char fp[FPLEN + 1], kpath[PATH_MAX], cpath[PATH_MAX];

	cert_fp(x, fp);
	spath(kpath, s, "keys/%s.pem", fp);
	spath(cpath, s, "certs/%s.pem", fp);
	keys_load_identity(id, kpath, cpath, NULL, passin, ERR_CONFIG);
}

X509 *
store_identity_cert(struct store *s, const char *addr)
{
	char key[ADDR_MAX + 1];
	struct idpick p = { 0 };

	if (addr != NULL && !addr_key(addr, key))
		xdie(ERR_CONFIG, "no identity for '%s' in the store", addr);
	p.key = addr != NULL ? key : NULL;
	each_file(s, "keys", ".pem", id_consider, &p);
	if (p.n == 0 || (addr == NULL && p.n > 1))
		xdie(ERR_CONFIG, "%s%s%s in the store '%s' (certstore identity "
		    "add)", addr != NULL ? "no identity for '" :
		    p.n == 0 ? "no identity" : "more than one identity",
		    addr != NULL ? addr : "", addr != NULL ? "'" : "", s->dir);
	return p.x;
}

void
store_identity(struct store *s, const char *addr, const char *passin,
    struct identity *id)
{
	char key[ADDR_MAX + 1], kpath[PATH_MAX], cpath[PATH_MAX];
	struct idpick p = { 0 };

	if (addr != NULL && !addr_key(addr, key))
		xdie(ERR_CONFIG, "no identity for '%s' in the store", addr);
	p.key = addr != NULL ? key : NULL;
	each_file(s, "keys", ".pem", id_consider, &p);
	X509_free(p.x);
	if (p.n == 0 || (addr == NULL && p.n > 1))
		xdie(ERR_CONFIG, "%s%s%s in the store '%s' (certstore identity "
		    "add)", addr != NULL ? "no identity for '" :
		    p.n == 0 ? "no identity" : "more than one identity",
		    addr != NULL ? addr : "", addr != NULL ? "'" : "", s->dir);
	spath(kpath, s, "keys/%s.pem", p.fp);
	spath(cpath, s, "certs/%s.pem", p.fp);
	keys_load_identity(id, kpath, cpath, NULL, passin, ERR_CONFIG);
	identity_chain(s, id);
}
