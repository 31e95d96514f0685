/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * store_index: the index of the store (certstore(5)), how a reader
 * finds a certificate without reading certs/.
 *
 * `index` holds one line per address and certificate,
 * "address TAB fingerprint TAB notAfter TAB flags", sorted bytewise, so
 * that a reader maps it and binary-searches it: `certstore get` costs
 * O(log n) whatever the size of the store.  Rewriting a sorted file on
 * every import would make an import cost O(n), so new lines go first to
 * `index.journal`, an unsorted file of at most JOURNAL_MAX bytes that is
 * rewritten (temporary file, rename) on each import and merged into
 * `index` when it is full: an import writes O(JOURNAL_MAX) bytes, plus,
 * once in JOURNAL_MAX / line bytes imports, one streaming merge of
 * `index`.  A journal line overrides an index line for the same address
 * and fingerprint (identity add changes the flags).  Readers read the
 * journal before they open `index`; the merge renames the new `index`
 * before it empties the journal, so a reader always sees every line in
 * one of the two.  Both are derived from certs/ (and keys/, for the
 * identity flag) alone and rebuilt by fsck --repair.  Certificate
 * authorities are indexed under "ca:<subject hash>" (no '@', so never an
 * address): `add` finds intermediates and `crl add` issuers there
 * without reading certs/.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "io.h"
#include "store_dir.h"

#define JOURNAL_MAX	(64 << 10)	/* index.journal, before a merge */

static void
ix_line(struct buf *b, const char *key, const char *fp, const char *na,
    const char *flags)
{
	buf_printf(b, "%s\t%s\t%s\t%s\n", key, fp, na, flags);
}

/* The lines of one certificate: one per address it carries (cert.h),
 * lowercased, or for a CA one under "ca:<subject hash>". */
void
ix_cert_lines(struct buf *b, X509 *x, const char *fp, int identity)
{
	char na[21], flags[64] = "", key[ADDR_MAX + 1];
	struct addrs a;
	size_t i;

	iso_asn1(X509_get0_notAfter(x), na);
	if (identity)
		strcat(flags, ",identity");
	if (!cert_can_encrypt(x))
		strcat(flags, ",no-encrypt");
	if (cert_is_ca(x)) {
		strcat(flags, ",ca");
		snprintf(key, sizeof(key), "ca:%08lx",
		    X509_subject_name_hash(x));
		ix_line(b, key, fp, na, flags + 1);
		return;
	}
	cert_addrs(x, &a);
	for (i = 0; i < a.n; i++)
		if (addr_norm(a.v[i].p, a.v[i].n, key))
			ix_line(b, key, fp, na, *flags != '\0' ? flags + 1 :
			    "-");
	addrs_free(&a);
}

/* Splits a line (without its '\n'); returns the prefix length, or 0 if
 * it is not an index line. */
size_t
ix_parse(const char *l, size_t n, const char **fp, const char **flags,
    size_t *flagslen)
{
	const char *t1, *t2, *t3;

	t1 = memchr(l, '\t', n);
	if (t1 == NULL || t1 == l)
		return 0;
	t2 = memchr(t1 + 1, '\t', n - (size_t)(t1 + 1 - l));
	if (t2 == NULL || !fp_valid(t1 + 1, (size_t)(t2 - t1 - 1)))
		return 0;
	t3 = memchr(t2 + 1, '\t', n - (size_t)(t2 + 1 - l));
	if (t3 == NULL)
		return 0;
	if (fp != NULL)
		*fp = t1 + 1;
	if (flags != NULL) {
		*flags = t3 + 1;
		*flagslen = n - (size_t)(t3 + 1 - l);
	}
	return (size_t)(t2 - l);
}

/* Maps a file read-only; NULL with *n = 0 if it is missing or empty. */
static const char *
map_file(const char *path, size_t *n)
{
	struct stat st;
	void *p;
	int fd;

	*n = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1) {
		if (errno == ENOENT)
			return NULL;
		xdie(ERR_CONFIG, "cannot read '%s': %s", path,
		    strerror(errno));
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		close(fd);
		return NULL;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		xdie(ERR_TEMP, "cannot map '%s': %s", path, strerror(errno));
	*n = (size_t)st.st_size;
	return p;
}

static void
unmap_file(const char *p, size_t n)
{
	if (p != NULL)
		munmap((void *)p, n);
}

static void
hits_add(struct hits *h, const char *fp, const char *flags, size_t flen,
    int override)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (memcmp(h->v[i].fp, fp, FPLEN) == 0)
			break;
	if (i < h->n && !override)
		return;
	if (i == h->n) {
		h->v = xrealloc(h->v, (h->n + 1) * sizeof(*h->v));
		memcpy(h->v[i].fp, fp, FPLEN);
		h->v[i].fp[FPLEN] = '\0';
		h->n++;
	}
	if (flen >= sizeof(h->v[i].flags))
		flen = sizeof(h->v[i].flags) - 1;
	memcpy(h->v[i].flags, flags, flen);
	h->v[i].flags[flen] = '\0';
}

/* Compares the line at l (n bytes) with key (klen bytes, ending in a
 * tab): <0, or 0 if the line starts with key, or >0. */
static int
ix_cmpkey(const char *l, size_t n, const char *key, size_t klen)
{
	int c = memcmp(l, key, n < klen ? n : klen);

	if (c != 0)
		return c;
	return n < klen ? -1 : 0;
}

/* The first line of the sorted p[0..n) that is not below key. */
static size_t
ix_lower_bound(const char *p, size_t n, const char *key, size_t klen)
{
	size_t lo = 0, hi = n, mid, ls, le;
	const char *nl;

	/* lo and hi stay at line starts. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		for (ls = mid; ls > lo && p[ls - 1] != '\n'; ls--)
			;
		nl = memchr(p + ls, '\n', n - ls);
		le = nl != NULL ? (size_t)(nl - p) + 1 : n;
		if (ix_cmpkey(p + ls, le - ls, key, klen) < 0)
			lo = le;
		else
			hi = ls;
	}
	return lo;
}

/* Every line of p[0..n) with key, unsorted (the journal). */
static void
ix_scan(const char *p, size_t n, const char *key, size_t klen,
    struct hits *h, int sorted)
{
	const char *l, *nl, *fp, *flags;
	size_t off, len, flen;

	off = sorted ? ix_lower_bound(p, n, key, klen) : 0;
	for (; off < n; off += len + 1) {
		l = p + off;
		nl = memchr(l, '\n', n - off);
		if (nl == NULL)
			break;		/* not a whole line */
		len = (size_t)(nl - l);
		if (len < klen || memcmp(l, key, klen) != 0) {
			if (sorted)
				break;
			continue;
		}
		if (ix_parse(l, len, &fp, &flags, &flen) == klen + FPLEN)
			hits_add(h, fp, flags, flen, !sorted);
	}
}

/*
 * The certificates the index names for key (an address, or "ca:HASH"):
 * the journal first, then the index (see the top of this file for why
 * in this order).  No lock: a writer only ever renames whole files.
 */
void
ix_find(struct store_dir *s, const char *key, struct hits *h)
{
	char path[PATH_MAX], k[ADDR_MAX + 2];
	const char *p;
	size_t n, klen;

	memset(h, 0, sizeof(*h));
	klen = (size_t)snprintf(k, sizeof(k), "%s\t", key);
	if (klen >= sizeof(k))
		return;
	spath(path, s, "index.journal");
	p = map_file(path, &n);
	ix_scan(p, n, k, klen, h, 0);
	unmap_file(p, n);
	spath(path, s, "index");
	p = map_file(path, &n);
	ix_scan(p, n, k, klen, h, 1);
	unmap_file(p, n);
}

/* Orders lines by their "key TAB fp" prefix. */
static int
ixl_precmp(const struct ixl *x, const struct ixl *y)
{
	int c = memcmp(x->p, y->p, x->pre < y->pre ? x->pre : y->pre);

	if (c != 0)
		return c;
	return x->pre < y->pre ? -1 : x->pre > y->pre;
}

static int
ixl_cmp(const void *a, const void *b)
{
	const struct ixl *x = a, *y = b;
	int c = ixl_precmp(x, y);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The lines of text, sorted, the youngest of each prefix only. */
struct ixl *
ix_sort(const char *text, size_t n, size_t *count)
{
	struct ixl *v = NULL;
	const char *l, *nl;
	size_t off, len, pre, k = 0, i, out = 0;

	for (off = 0; off < n; off += len + 1) {
		l = text + off;
		nl = memchr(l, '\n', n - off);
		if (nl == NULL)
			break;
		len = (size_t)(nl - l);
		if ((pre = ix_parse(l, len, NULL, NULL, NULL)) == 0)
			continue;
		if ((k & (k - 1)) == 0)
			v = xrealloc(v, (k == 0 ? 1 : 2 * k) * sizeof(*v));
		v[k].p = l;
		v[k].n = len + 1;
		v[k].pre = pre;
		v[k].seq = k;
		k++;
	}
	if (k > 0)
		qsort(v, k, sizeof(*v), ixl_cmp);
	for (i = 0; i < k; i++)
		if (i + 1 == k || v[i].pre != v[i + 1].pre ||
		    memcmp(v[i].p, v[i + 1].p, v[i].pre) != 0)
			v[out++] = v[i];
	*count = out;
	return v;
}

/* Is the line's fingerprint in the sorted list drop? */
static int
ix_dropped(const struct ixl *l, const char (*drop)[FPLEN + 1], size_t nd)
{
	return nd > 0 && bsearch(l->p + l->pre - FPLEN, drop, nd,
	    sizeof(*drop), fp_cmp) != NULL;
}

/*
 * Stages a new index: the lines of `index` (unless base is 0) and those
 * of extra, extra winning for the same address and fingerprint, without
 * the certificates of drop; then an empty journal.  One streaming pass
 * over the sorted index.  The caller commits, with the rest of its
 * change: a full disk then stops it before anything is renamed.
 */
void
ix_write(struct store_dir *s, int base, const char *extra, size_t nextra,
    const char (*drop)[FPLEN + 1], size_t nd)
{
	struct buf out = { 0 };
	struct ixl *v, cur;
	char path[PATH_MAX];
	const char *p = NULL, *nl;
	size_t n = 0, nv, i = 0, off = 0;
	int c;

	v = ix_sort(extra, nextra, &nv);
	if (base) {
		spath(path, s, "index");
		p = map_file(path, &n);
	}
	buf_add(&out, "", 0);
	while (off < n || i < nv) {
		c = 1;
		if (off < n) {
			nl = memchr(p + off, '\n', n - off);
			cur.p = p + off;
			cur.n = nl != NULL ? (size_t)(nl - cur.p) + 1 : n - off;
			cur.pre = nl != NULL ? ix_parse(cur.p, cur.n - 1, NULL,
			    NULL, NULL) : 0;
			if (cur.pre == 0) {
				off += cur.n;	/* damaged: dropped */
				continue;
			}
			c = i < nv ? ixl_precmp(&cur, &v[i]) : -1;
		}
		if (c < 0) {
			if (!ix_dropped(&cur, drop, nd))
				buf_add(&out, cur.p, cur.n);
			off += cur.n;
			continue;
		}
		if (c == 0)
			off += cur.n;	/* the younger line wins */
		if (!ix_dropped(&v[i], drop, nd))
			buf_add(&out, v[i].p, v[i].n);
		i++;
	}
	free(v);
	stage_data(s, "index", out.p, out.n);
	unmap_file(p, n);
	stage_data(s, "index.journal", "", 0);
	buf_free(&out);
}

/* Stages lines for the index: to the journal, or merged when it is
 * full.  The caller commits, after the certificates they name. */
void
ix_add(struct store_dir *s, const struct buf *lines)
{
	struct buf j = { 0 };
	char path[PATH_MAX], *old;
	size_t n = 0;

	if (lines->n == 0)
		return;
	spath(path, s, "index.journal");
	old = io_read_file(path, JOURNAL_MAX, &n);
	if (old == NULL && errno != ENOENT && errno != EFBIG)
		xdie(ERR_CONFIG, "cannot read '%s': %s", path,
		    strerror(errno));
	if (old == NULL)
		n = errno == EFBIG ? JOURNAL_MAX + 1 : 0;
	if (n + lines->n > JOURNAL_MAX) {
		free(old);
		old = io_read_file(path, SIZE_MAX / 4, &n);
		buf_add(&j, old != NULL ? old : "", old != NULL ? n : 0);
		buf_add(&j, lines->p, lines->n);
		ix_write(s, 1, j.p, j.n, NULL, 0);
	} else {
		buf_add(&j, old, n);
		buf_add(&j, lines->p, lines->n);
		stage_data(s, "index.journal", j.p, j.n);
	}
	free(old);
	buf_free(&j);
}

/* Stages the index without certificates; the caller stages the removal
 * of their files after it and commits. */
void
ix_drop(struct store_dir *s, char (*drop)[FPLEN + 1], size_t nd)
{
	char path[PATH_MAX], *j;
	size_t n = 0;

	qsort(drop, nd, sizeof(*drop), fp_cmp);
	spath(path, s, "index.journal");
	j = io_read_file(path, SIZE_MAX / 4, &n);
	ix_write(s, 1, j != NULL ? j : "", j != NULL ? n : 0,
	    (const char (*)[FPLEN + 1])drop, nd);
	free(j);
}
