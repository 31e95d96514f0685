/*
 * store: see store.h, certstore(1) and certstore(5).
 *
 * The index.  `index` holds one line per address and certificate,
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
 *
 * Writes are staged: each file goes to a temporary file in its folder
 * (mkostemp: O_EXCL, 0600), is fsync'd (or, for a bulk add, all of them
 * at once with one syncfs), and commit() renames them in order and
 * fsyncs each folder touched.  Certificates are committed before the
 * index lines that name them.  A process that dies removes its
 * temporary files (an err_atexit hook); one that is killed leaves them
 * for fsck --repair.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cms.h"
#include "io.h"
#include "magic_type.h"
#include "opts.h"
#include "store.h"

#define INPUT_MAX	(16 << 20)	/* a file given to add, trust, crl */
#define SMALL_MAX	(1 << 20)	/* a file in the store but index */
#define JOURNAL_MAX	(64 << 10)	/* index.journal, before a merge */
#define ADDR_MAX	320		/* longer addresses are not indexed */
#define LOCK_WAIT	30		/* seconds a writer waits for the lock */
#define CHAIN_CANDS	64		/* issuer candidates for one chain */
#define BULK_FILES	16		/* more new files: one syncfs */
#define FPLEN		64
#define PASS_MAX	1024

struct store {
	char *dir;
	int lock;		/* the lock's descriptor, -1 for a reader */
	int bulk;		/* syncfs at commit instead of fsync per file */
};

/* A growing byte buffer. */
struct buf {
	char *p;
	size_t n, cap;
};

/* A staged change: a temporary file (or link) to rename over dst, or
 * (tmp NULL) dst to remove. */
struct stage {
	char *tmp, *dst;
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

static const char *const folders[] = { "certs", "keys", "ca", "crl", NULL };

static void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	if (n > 0)
		memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void
buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void
buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[512];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		xdie(ERR_SOFTWARE, "cannot format");
	if ((size_t)n < sizeof(small)) {
		buf_add(b, small, (size_t)n);
		return;
	}
	buf_add(b, "", 0);
	if (b->n + (size_t)n + 1 > b->cap) {
		b->cap = b->n + (size_t)n + 1;
		b->p = xrealloc(b->p, b->cap);
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)n;
}

static void
buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* dir/rel into out; a path too long for the system is a bad store. */
static void
spath(char *out, const struct store *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
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

static void
iso_asn1(const ASN1_TIME *t, char out[21])
{
	struct tm tm;

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm) ||
	    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strcpy(out, "?");
}

static void
hex(const unsigned char *md, unsigned n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	unsigned i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[2 * n] = '\0';
}

/* The SHA-256 of the DER: the only source of file names in the store. */
static void
cert_fp(X509 *x, char out[FPLEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n;

	if (!X509_digest(x, EVP_sha256(), md, &n) || n != 32)
		xdie_ssl(ERR_SOFTWARE, "cannot hash a certificate");
	hex(md, n, out);
}

static void
crl_fp(X509_CRL *c, char out[FPLEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n;

	if (!X509_CRL_digest(c, EVP_sha256(), md, &n) || n != 32)
		xdie_ssl(ERR_SOFTWARE, "cannot hash a CRL");
	hex(md, n, out);
}

static int
is_fp(const char *s, size_t n)
{
	size_t i;

	if (n != FPLEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) && (s[i] < 'a' || s[i] > 'f'))
			return 0;
	return 1;
}

/* "<fp>.pem" (or .meta): the fingerprint, else NULL. */
static int
fp_name(const char *name, const char *suffix, char fp[FPLEN + 1])
{
	size_t n = strlen(name), k = strlen(suffix);

	if (n != FPLEN + k || strcmp(name + FPLEN, suffix) != 0 ||
	    !is_fp(name, FPLEN))
		return 0;
	memcpy(fp, name, FPLEN);
	fp[FPLEN] = '\0';
	return 1;
}

/* A user's fingerprint: case, colons and "sha256:" do not matter. */
static int
parse_fp(const char *arg, char fp[FPLEN + 1])
{
	size_t n = 0;

	if (strncasecmp(arg, "sha256:", 7) == 0)
		arg += 7;
	for (; *arg != '\0'; arg++) {
		if (*arg == ':')
			continue;
		if (n == FPLEN || !isxdigit((unsigned char)*arg))
			return 0;
		fp[n++] = (char)tolower((unsigned char)*arg);
	}
	fp[n] = '\0';
	return n == FPLEN;
}

/*
 * An address for the index: lowercase, at most ADDR_MAX bytes, with an
 * '@' (so that the "ca:" keys are never addresses) and no white space,
 * control character or NUL (so that a line cannot be split or forged).
 * Returns 0 if it cannot be indexed.
 */
static int
index_addr(const unsigned char *p, size_t n, char *out)
{
	size_t i;

	if (n == 0 || n > ADDR_MAX || memchr(p, '@', n) == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		if (p[i] <= 0x20 || p[i] == 0x7f)
			return 0;
		out[i] = (char)(p[i] < 0x80 ? tolower(p[i]) : p[i]);
	}
	out[n] = '\0';
	return 1;
}

/* Bytes from a certificate, safe on a terminal or in a tab-separated
 * line: printable ASCII as it is, anything else as \xHH. */
static void
buf_escape(struct buf *b, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] > 0x20 && p[i] < 0x7f && p[i] != '\\')
			buf_add(b, p + i, 1);
		else
			buf_printf(b, "\\x%02x", p[i]);
}

static int
utf8_valid(const unsigned char *p, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		k = (p[i] & 0xe0) == 0xc0 ? 1 : (p[i] & 0xf0) == 0xe0 ? 2 :
		    (p[i] & 0xf8) == 0xf0 ? 3 : 0;
		if (k == 0)
			return 0;
		for (i++; k > 0; k--, i++)
			if (i >= n || (p[i] & 0xc0) != 0x80)
				return 0;
	}
	return 1;
}

/* A JSON string; bytes that are not UTF-8 become \u00XX. */
static void
buf_json(struct buf *b, const unsigned char *p, size_t n)
{
	int utf8 = utf8_valid(p, n);
	size_t i;

	buf_add(b, "\"", 1);
	for (i = 0; i < n; i++)
		if (p[i] == '"' || p[i] == '\\')
			buf_printf(b, "\\%c", p[i]);
		else if (p[i] < 0x20 || p[i] == 0x7f || (p[i] >= 0x80 && !utf8))
			buf_printf(b, "\\u%04x", p[i]);
		else
			buf_add(b, p + i, 1);
	buf_add(b, "\"", 1);
}

static void
buf_json_str(struct buf *b, const char *s)
{
	if (s == NULL)
		buf_puts(b, "null");
	else
		buf_json(b, (const unsigned char *)s, strlen(s));
}

/*
 * Reads a whole file of at most max bytes.  Returns NULL with errno set
 * if it cannot be opened (ENOENT: a reader raced a remove) and with
 * errno EFBIG if it is larger.  Links are not followed: the store's
 * files are regular files.
 */
static char *
read_file(const char *path, size_t max, size_t *len)
{
	struct stat st;
	char *p = NULL;
	size_t n = 0, cap = 0;
	ssize_t r;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	for (;;) {
		if (n == cap) {
			if (cap > max) {
				free(p);
				close(fd);
				errno = EFBIG;
				return NULL;
			}
			cap = cap == 0 ? (size_t)st.st_size + 1 : cap * 2;
			if (cap > max + 1)
				cap = max + 1;
			if (cap <= n)
				cap = n + 1;
			p = xrealloc(p, cap + 1);
		}
		r = read(fd, p + n, cap - n);
		if (r == 0)
			break;
		if (r == -1) {
			if (errno == EINTR)
				continue;
			e = errno;
			free(p);
			close(fd);
			errno = e;
			return NULL;
		}
		n += (size_t)r;
		if (n > max) {
			free(p);
			close(fd);
			errno = EFBIG;
			return NULL;
		}
	}
	close(fd);
	p = xrealloc(p, n + 1);
	p[n] = '\0';
	*len = n;
	return p;
}

/* At exit, whatever the path: no temporary file of ours is left. */
static void
stage_cleanup(void)
{
	size_t i;

	for (i = 0; i < staged.n; i++) {
		if (staged.v[i].tmp != NULL)
			unlink(staged.v[i].tmp);
		free(staged.v[i].tmp);
		free(staged.v[i].dst);
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
	st->tmp = tmp != NULL ? xstrdup(tmp) : NULL;
	st->dst = xstrdup(dst);
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

static noreturn void
die_write(const char *what, const char *path, int e)
{
	xdie(e == ENOSPC || e == EDQUOT || e == ENOMEM ? ERR_TEMP :
	    e == EIO ? ERR_IO : ERR_CANTCREAT, "cannot %s '%s': %s%s", what,
	    path, strerror(e), e == ENOSPC || e == EDQUOT ?
	    ": the store is unchanged, try again" : "");
}

/* Writes the new contents of rel into a temporary file beside it. */
static void
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
static void
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

static void
stage_unlink(struct store *s, const char *rel)
{
	char dst[PATH_MAX];

	spath(dst, s, "%s", rel);
	stage_push(NULL, dst);
}

static void
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd == -1)
		return;
	if (fsync(fd) == -1 && errno != EINVAL)
		die_write("flush the folder", dir, errno);
	close(fd);
}

/*
 * Puts every staged change in place, in the order staged, then flushes
 * each folder touched.  A bulk change is flushed by one syncfs(2) first:
 * the data of every temporary file is on disk before any rename.
 */
static void
commit(struct store *s)
{
	char dirs[8][PATH_MAX], *slash;
	size_t i, k, nd = 0;
	int fd, data = 0;

	for (i = 0; i < staged.n; i++)
		data |= staged.v[i].tmp != NULL;
	if (s->bulk && data) {
		fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd == -1 || syncfs(fd) == -1)
			die_write("flush", s->dir, errno);
		close(fd);
	}
	for (i = 0; i < staged.n; i++) {
		struct stage *st = &staged.v[i];

		mark.renamed = 1;
		if (st->tmp != NULL) {
			if (rename(st->tmp, st->dst) == -1)
				die_write("rename into", st->dst, errno);
			free(st->tmp);
			st->tmp = NULL;
		} else if (unlink(st->dst) == -1 && errno != ENOENT)
			die_write("remove", st->dst, errno);
		slash = strrchr(st->dst, '/');
		*slash = '\0';
		for (k = 0; k < nd && strcmp(dirs[k], st->dst) != 0; k++)
			;
		if (k == nd && nd < 8)
			snprintf(dirs[nd++], PATH_MAX, "%s", st->dst);
		*slash = '/';
	}
	for (k = 0; k < nd; k++)
		fsync_dir(dirs[k]);
	stage_cleanup();
	staged.hooked = 1;	/* err_atexit has it already */
}

/*
 * .meta: "name: value" lines.  Lines of other names are kept, in their
 * order, so that a newer version's additions survive an older writer.
 */
struct meta {
	char **line;
	size_t n;
};

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
static int
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

static void
meta_load(struct store *s, const char *fp, struct meta *m)
{
	char path[PATH_MAX], *text;
	size_t n;

	spath(path, s, "certs/%s.meta", fp);
	text = read_file(path, SMALL_MAX, &n);
	if (text == NULL)
		memset(m, 0, sizeof(*m));
	else
		meta_parse(m, text);
	free(text);
}

static const char *
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
static int
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

static void
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

static void
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
 * A certificate's addresses (certstore(1)): its subjectAltName
 * rfc822Names and its subject's emailAddress attributes, as the bytes
 * the certificate holds.  Not X509_get1_email(): it cuts a value at an
 * embedded NUL, so "victim@example.com\0.evil" would pass for the
 * victim's address.
 */
struct addrs {
	struct {
		unsigned char *p;
		size_t n;
	} v[32];
	size_t n;
};

static void
addrs_push(struct addrs *a, const ASN1_STRING *s)
{
	const unsigned char *p = ASN1_STRING_get0_data(s);
	size_t n = (size_t)ASN1_STRING_length(s), i;

	if (a->n == sizeof(a->v) / sizeof(a->v[0]) || p == NULL || n == 0)
		return;
	for (i = 0; i < a->n; i++)
		if (a->v[i].n == n && memcmp(a->v[i].p, p, n) == 0)
			return;
	a->v[a->n].p = xmalloc(n);
	memcpy(a->v[a->n].p, p, n);
	a->v[a->n++].n = n;
}

static void
cert_addrs(X509 *x, struct addrs *a)
{
	GENERAL_NAMES *gens;
	X509_NAME *subj = X509_get_subject_name(x);
	X509_NAME_ENTRY *e;
	int i;

	a->n = 0;
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		if (g->type == GEN_EMAIL)
			addrs_push(a, g->d.rfc822Name);
	}
	GENERAL_NAMES_free(gens);
	for (i = -1; (i = X509_NAME_get_index_by_NID(subj,
	    NID_pkcs9_emailAddress, i)) >= 0;) {
		e = X509_NAME_get_entry(subj, i);
		addrs_push(a, X509_NAME_ENTRY_get_data(e));
	}
	ERR_clear_error();
}

static void
addrs_free(struct addrs *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i].p);
	a->n = 0;
}

/* Does x name addr (already lowercase)? */
static int
cert_names(X509 *x, const char *addr)
{
	struct addrs a;
	char key[ADDR_MAX + 1];
	size_t i;
	int found = 0;

	cert_addrs(x, &a);
	for (i = 0; i < a.n && !found; i++)
		found = index_addr(a.v[i].p, a.v[i].n, key) &&
		    strcmp(key, addr) == 0;
	addrs_free(&a);
	return found;
}

static int
is_ca(X509 *x)
{
	return X509_check_ca(x) > 0;
}

static int
valid_now(X509 *x)
{
	return X509_cmp_current_time(X509_get0_notBefore(x)) < 0 &&
	    X509_cmp_current_time(X509_get0_notAfter(x)) > 0;
}

static int
expired(X509 *x)
{
	return X509_cmp_current_time(X509_get0_notAfter(x)) <= 0;
}

/* EKU emailProtection (or anyExtendedKeyUsage), or no EKU at all. */
static int
eku_email(X509 *x)
{
	uint32_t xku = X509_get_extended_key_usage(x);

	return xku == UINT32_MAX || (xku & (XKU_SMIME | XKU_ANYEKU)) != 0;
}

/*
 * Can mail be encrypted to x (SPEC.md: key usage keyEncipherment or
 * keyAgreement, EKU emailProtection or none)?  By hand: OpenSSL's
 * smimeencrypt purpose wants keyEncipherment and so refuses the
 * keyAgreement-only certificates of EC keys.
 */
static int
can_encrypt(X509 *x)
{
	uint32_t ku = X509_get_key_usage(x);

	if (is_ca(x) || !eku_email(x))
		return 0;
	return ku == UINT32_MAX ||
	    (ku & (KU_KEY_ENCIPHERMENT | KU_KEY_AGREEMENT)) != 0;
}

/* Fit for mail at all: to sign or to be encrypted to. */
static int
fit_for_mail(X509 *x)
{
	uint32_t ku = X509_get_key_usage(x);

	if (!eku_email(x))
		return 0;
	return ku == UINT32_MAX || (ku & (KU_DIGITAL_SIGNATURE |
	    KU_NON_REPUDIATION | KU_KEY_ENCIPHERMENT | KU_KEY_AGREEMENT)) != 0;
}

static X509 *
pem_cert(const char *p, size_t n)
{
	BIO *b = BIO_new_mem_buf(p, (int)n);
	X509 *x = b != NULL ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	ERR_clear_error();
	return x;
}

/* folder/<fp>.pem, or NULL if it is not there (or does not parse). */
static X509 *
load_cert(struct store *s, const char *folder, const char *fp)
{
	char path[PATH_MAX], *p;
	size_t n;
	X509 *x;

	spath(path, s, "%s/%s.pem", folder, fp);
	if ((p = read_file(path, SMALL_MAX, &n)) == NULL)
		return NULL;
	x = pem_cert(p, n);
	free(p);
	return x;
}

/* Is folder/<fp><suffix> there? */
static int
has_file(struct store *s, const char *folder, const char *fp,
    const char *suffix)
{
	char path[PATH_MAX];
	struct stat st;

	spath(path, s, "%s/%s%s", folder, fp, suffix);
	return lstat(path, &st) == 0;
}

static int
is_identity(struct store *s, const char *fp)
{
	return has_file(s, "keys", fp, ".pem");
}

static X509_CRL *
pem_crl(const char *p, size_t n)
{
	BIO *b = BIO_new_mem_buf(p, (int)n);
	X509_CRL *c = b != NULL ? PEM_read_bio_X509_CRL(b, NULL, NULL, NULL) :
	    NULL;

	BIO_free(b);
	ERR_clear_error();
	return c;
}

/* The target of a hash link in folder, if it is a file name there. */
static int
link_target(struct store *s, const char *folder, const char *name,
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
static STACK_OF(X509_CRL) *
crls_of(struct store *s, const X509_NAME *name)
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
		if (r == 0 || (p = read_file(path, INPUT_MAX, &n)) == NULL)
			continue;
		c = pem_crl(p, n);
		free(p);
		if (c != NULL && X509_NAME_cmp(X509_CRL_get_issuer(c), name) == 0)
			sk_X509_CRL_push(sk, c);
		else
			X509_CRL_free(c);
	}
	return sk;
}

/* Revoked by a CRL of the store (their signatures were checked by
 * `crl add`). */
static int
revoked(struct store *s, X509 *x)
{
	STACK_OF(X509_CRL) *sk = crls_of(s, X509_get_issuer_name(x));
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
 * The index (see the top of this file).
 */
struct hit {
	char fp[FPLEN + 1];
	char flags[64];
};

struct hits {
	struct hit *v;
	size_t n;
};

/* A line to merge: where it is, its "key TAB fp" prefix, its age. */
struct ixl {
	const char *p;
	size_t n, pre, seq;
};

static void
ix_line(struct buf *b, const char *key, const char *fp, const char *na,
    const char *flags)
{
	buf_printf(b, "%s\t%s\t%s\t%s\n", key, fp, na, flags);
}

/* The lines of one certificate: one per indexable address, or for a CA
 * one under "ca:<subject hash>". */
static void
ix_cert_lines(struct buf *b, X509 *x, const char *fp, int identity)
{
	char na[21], flags[64] = "", key[ADDR_MAX + 1];
	struct addrs a;
	size_t i;

	iso_asn1(X509_get0_notAfter(x), na);
	if (identity)
		strcat(flags, ",identity");
	if (!can_encrypt(x))
		strcat(flags, ",no-encrypt");
	if (is_ca(x)) {
		strcat(flags, ",ca");
		snprintf(key, sizeof(key), "ca:%08lx",
		    X509_subject_name_hash(x));
		ix_line(b, key, fp, na, flags + 1);
		return;
	}
	cert_addrs(x, &a);
	for (i = 0; i < a.n; i++)
		if (index_addr(a.v[i].p, a.v[i].n, key))
			ix_line(b, key, fp, na, *flags != '\0' ? flags + 1 :
			    "-");
	addrs_free(&a);
}

/* Splits a line (without its '\n'); returns the prefix length, or 0 if
 * it is not an index line. */
static size_t
ix_parse(const char *l, size_t n, const char **fp, const char **flags,
    size_t *flagslen)
{
	const char *t1, *t2, *t3;

	t1 = memchr(l, '\t', n);
	if (t1 == NULL || t1 == l)
		return 0;
	t2 = memchr(t1 + 1, '\t', n - (size_t)(t1 + 1 - l));
	if (t2 == NULL || !is_fp(t1 + 1, (size_t)(t2 - t1 - 1)))
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
static void
ix_find(struct store *s, const char *key, struct hits *h)
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
static struct ixl *
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

static int
fp_cmp(const void *a, const void *b)
{
	return memcmp(a, b, FPLEN);
}

/* Is the line's fingerprint in the sorted list drop? */
static int
ix_dropped(const struct ixl *l, const char (*drop)[FPLEN + 1], size_t nd)
{
	return nd > 0 && bsearch(l->p + l->pre - FPLEN, drop, nd,
	    sizeof(*drop), fp_cmp) != NULL;
}

/*
 * Writes a new index: the lines of `index` (unless base is 0) and those
 * of extra, extra winning for the same address and fingerprint, without
 * the certificates of drop; then an empty journal.  One streaming pass
 * over the sorted index.
 */
static void
ix_write(struct store *s, int base, const char *extra, size_t nextra,
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
	commit(s);
	buf_free(&out);
}

/* Adds lines to the index: to the journal, or merged when it is full. */
static void
ix_add(struct store *s, const struct buf *lines)
{
	struct buf j = { 0 };
	char path[PATH_MAX], *old;
	size_t n = 0;

	if (lines->n == 0)
		return;
	spath(path, s, "index.journal");
	old = read_file(path, JOURNAL_MAX, &n);
	if (old == NULL && errno != ENOENT && errno != EFBIG)
		xdie(ERR_CONFIG, "cannot read '%s': %s", path,
		    strerror(errno));
	if (old == NULL)
		n = errno == EFBIG ? JOURNAL_MAX + 1 : 0;
	if (n + lines->n > JOURNAL_MAX) {
		free(old);
		old = read_file(path, SIZE_MAX / 4, &n);
		buf_add(&j, old != NULL ? old : "", old != NULL ? n : 0);
		buf_add(&j, lines->p, lines->n);
		ix_write(s, 1, j.p, j.n, NULL, 0);
	} else {
		buf_add(&j, old, n);
		buf_add(&j, lines->p, lines->n);
		stage_data(s, "index.journal", j.p, j.n);
		commit(s);
	}
	free(old);
	buf_free(&j);
}

/* Removes certificates from the index, before their files go. */
static void
ix_drop(struct store *s, char (*drop)[FPLEN + 1], size_t nd)
{
	char path[PATH_MAX], *j;
	size_t n = 0;

	qsort(drop, nd, sizeof(*drop), fp_cmp);
	spath(path, s, "index.journal");
	j = read_file(path, SIZE_MAX / 4, &n);
	ix_write(s, 1, j != NULL ? j : "", j != NULL ? n : 0,
	    (const char (*)[FPLEN + 1])drop, nd);
	free(j);
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

static void store_recover(struct store *);


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
static void
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
static void
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

/* The fingerprints in folder, sorted. */
struct fps {
	char (*v)[FPLEN + 1];
	size_t n;
};

static void
fps_add(struct store *s, const char *fp, void *arg)
{
	struct fps *f = arg;

	(void)s;
	if ((f->n & (f->n + 1)) == 0 || f->n == 0)
		f->v = xrealloc(f->v, (2 * f->n + 2) * sizeof(*f->v));
	memcpy(f->v[f->n++], fp, FPLEN + 1);
}

static void
list_fps(struct store *s, const char *folder, struct fps *f)
{
	memset(f, 0, sizeof(*f));
	each_file(s, folder, ".pem", fps_add, f);
	if (f->n > 0)
		qsort(f->v, f->n, sizeof(*f->v), fp_cmp);
}

/*
 * Inputs: PEM, DER, PKCS#7 bundles, signed messages.
 */
struct input {
	STACK_OF(X509) *certs;
	int verified;			/* a signed message, signature valid */
	struct cms_verified v;		/* its signers */
};

static void
input_release(struct input *in)
{
	sk_X509_pop_free(in->certs, X509_free);
	if (in->verified)
		cms_verified_release(&in->v);
	memset(in, 0, sizeof(*in));
}

static void
push_cert(struct input *in, X509 *x)
{
	if (!sk_X509_push(in->certs, x))
		xdie(ERR_TEMP, "out of memory");
}

/* The certificates of a PKCS#7 SignedData (certs-only, or a signature
 * whose content is elsewhere); 0 if it is not one. */
static int
p7_certs(PKCS7 *p7, struct input *in)
{
	STACK_OF(X509) *sk;
	int i;

	if (p7 == NULL || !PKCS7_type_is_signed(p7) || p7->d.sign == NULL)
		return 0;
	sk = p7->d.sign->cert;
	for (i = 0; i < sk_X509_num(sk); i++) {
		X509_up_ref(sk_X509_value(sk, i));
		push_cert(in, sk_X509_value(sk, i));
	}
	return 1;
}

/* A DER object that must fill the whole buffer. */
#define D2I_WHOLE(type, fn, buf, n)					\
	static type *							\
	fn##_whole(const unsigned char *buf, size_t n)			\
	{								\
		const unsigned char *p = buf;				\
		type *o = fn(NULL, &p, (long)n);			\
									\
		if (o != NULL && p != buf + n) {			\
			type##_free(o);					\
			o = NULL;					\
		}							\
		ERR_clear_error();					\
		return o;						\
	}
D2I_WHOLE(X509, d2i_X509, buf, n)
D2I_WHOLE(X509_CRL, d2i_X509_CRL, buf, n)
D2I_WHOLE(PKCS7, d2i_PKCS7, buf, n)
D2I_WHOLE(PKCS12, d2i_PKCS12, buf, n)

static const char *
parse_der(const unsigned char *buf, size_t n, const char *type,
    struct input *in, char *why, size_t whysz)
{
	const unsigned char *p = buf;
	X509_CRL *crl;
	PKCS12 *p12;
	PKCS7 *p7;
	EVP_PKEY *k;
	X509 *x;

	if ((x = d2i_X509_whole(buf, n)) != NULL) {
		push_cert(in, x);
		return NULL;
	}
	if ((p7 = d2i_PKCS7_whole(buf, n)) != NULL) {
		int ok = p7_certs(p7, in);

		PKCS7_free(p7);
		return ok ? NULL : "a PKCS#7 object that is not SignedData";
	}
	/* Say what it is, so that the user knows which verb it needs. */
	if ((crl = d2i_X509_CRL_whole(buf, n)) != NULL) {
		X509_CRL_free(crl);
		return "a CRL, not a certificate (certstore crl add)";
	}
	if ((p12 = d2i_PKCS12_whole(buf, n)) != NULL) {
		PKCS12_free(p12);
		return "a PKCS#12 file, not a certificate (certstore "
		    "identity add -p)";
	}
	if ((k = d2i_AutoPrivateKey(NULL, &p, (long)n)) != NULL) {
		EVP_PKEY_free(k);
		ERR_clear_error();
		return "a private key, not a certificate";
	}
	ERR_clear_error();
	snprintf(why, whysz, "not a certificate, PKCS#7 bundle or signed "
	    "message (%s)", type);
	return why;
}

static int
pem_is(const char *name, const char *want)
{
	return strcmp(name, want) == 0;
}

static const char *
parse_pem(const char *buf, size_t n, struct input *in, char *why,
    size_t whysz)
{
	BIO *b = BIO_new_mem_buf(buf, (int)n);
	char *name = NULL, *header = NULL, other[64] = "";
	unsigned char *data = NULL;
	const unsigned char *p;
	const char *err = NULL;
	unsigned long e;
	long len;
	X509 *x;
	PKCS7 *p7;

	if (b == NULL)
		xdie(ERR_TEMP, "out of memory");
	ERR_clear_error();
	while (err == NULL) {
		if (!PEM_read_bio(b, &name, &header, &data, &len)) {
			e = ERR_peek_last_error();
			if (ERR_GET_LIB(e) != ERR_LIB_PEM ||
			    ERR_GET_REASON(e) != PEM_R_NO_START_LINE)
				err = "truncated or corrupt PEM";
			break;
		}
		p = data;
		if (pem_is(name, "CERTIFICATE") ||
		    pem_is(name, "X509 CERTIFICATE")) {
			if ((x = d2i_X509_whole(data, (size_t)len)) == NULL)
				err = "corrupt certificate in PEM";
			else
				push_cert(in, x);
		} else if (pem_is(name, "TRUSTED CERTIFICATE")) {
			if ((x = d2i_X509_AUX(NULL, &p, len)) == NULL)
				err = "corrupt certificate in PEM";
			else
				push_cert(in, x);
		} else if (pem_is(name, "PKCS7") || pem_is(name, "CMS") ||
		    pem_is(name, "PKCS #7 SIGNED DATA")) {
			p7 = d2i_PKCS7_whole(data, (size_t)len);
			if (!p7_certs(p7, in))
				err = "corrupt or unsigned PKCS#7 in PEM";
			PKCS7_free(p7);
		} else if (*other == '\0')
			snprintf(other, sizeof(other), "%s", name);
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
		name = header = NULL;
		data = NULL;
	}
	BIO_free(b);
	ERR_clear_error();
	if (err == NULL && sk_X509_num(in->certs) == 0) {
		if (*other != '\0')
			snprintf(why, whysz, "no certificate (it holds a "
			    "PEM %s)", other);
		else
			snprintf(why, whysz, "no certificate in it");
		err = why;
	}
	return err;
}

/* Is buf a message whose top is S/MIME (multipart/signed, pkcs7-mime)? */
static int
smime_message(const char *buf, size_t n)
{
	const char *l = buf, *end = buf + (n < 65536 ? n : 65536), *nl;
	int ct = 0, found = 0;
	char low[256];
	size_t k, i;

	if (n > 5 && memcmp(buf, "From ", 5) == 0 &&
	    (nl = memchr(buf, '\n', (size_t)(end - buf))) != NULL)
		l = nl + 1;
	for (; l < end && !found; l = nl + 1) {
		nl = memchr(l, '\n', (size_t)(end - l));
		if (nl == NULL)
			nl = end;
		k = (size_t)(nl - l);
		if (k == 0 || (k == 1 && *l == '\r'))
			break;		/* the header ends */
		if (*l != ' ' && *l != '\t')
			ct = k > 13 && strncasecmp(l, "Content-Type:", 13) == 0;
		else if (!ct)
			continue;
		if (!ct)
			continue;
		for (i = 0; i < k && i < sizeof(low) - 1; i++)
			low[i] = (char)tolower((unsigned char)l[i]);
		low[i] = '\0';
		found = strstr(low, "multipart/signed") != NULL ||
		    strstr(low, "pkcs7-mime") != NULL;
	}
	return found;
}

static const char *
parse_message(const char *buf, size_t n, struct input *in, char *why,
    size_t whysz)
{
	unsigned char *der = NULL;
	BIO *b, *bcont = NULL;
	PKCS7 *p7;
	const char *nl;
	int len, i;

	/* An mbox "From " line is not a header field for OpenSSL. */
	if (n > 5 && memcmp(buf, "From ", 5) == 0 &&
	    (nl = memchr(buf, '\n', n)) != NULL) {
		n -= (size_t)(nl + 1 - buf);
		buf = nl + 1;
	}
	b = BIO_new_mem_buf(buf, (int)n);
	p7 = b != NULL ? SMIME_read_PKCS7(b, &bcont) : NULL;
	BIO_free(b);
	ERR_clear_error();
	if (p7 == NULL || !PKCS7_type_is_signed(p7) || p7->d.sign == NULL) {
		PKCS7_free(p7);
		BIO_free(bcont);
		return "an S/MIME message that is neither signed nor a "
		    "certificate bundle, or a broken one";
	}
	if (sk_PKCS7_SIGNER_INFO_num(PKCS7_get_signer_info(p7)) <= 0) {
		p7_certs(p7, in);	/* smime-type=certs-only */
		PKCS7_free(p7);
		BIO_free(bcont);
		return NULL;
	}
	len = i2d_PKCS7(p7, &der);
	PKCS7_free(p7);
	if (len <= 0)
		xdie_ssl(ERR_TEMP, "cannot encode a signature");
	/* The signature only: the certificates meet the policy one by one
	 * after this, as those of a bundle do. */
	cms_verify(der, (size_t)len, bcont, bcont != NULL, NULL, 0, &in->v);
	OPENSSL_free(der);
	BIO_free(bcont);
	in->verified = 1;
	if (in->v.status != CMSV_VALID) {
		snprintf(why, whysz, "the signature is not valid (%s)",
		    in->v.why);
		return why;
	}
	for (i = 0; i < sk_X509_num(in->v.certs); i++) {
		X509_up_ref(sk_X509_value(in->v.certs, i));
		push_cert(in, sk_X509_value(in->v.certs, i));
	}
	for (i = 0; i < in->v.nsigners; i++) {
		X509_up_ref(in->v.signers[i].cert);
		push_cert(in, in->v.signers[i].cert);
	}
	return NULL;
}

/* What buf holds: certificates into in, or why not. */
static const char *
parse_input(const char *buf, size_t n, struct input *in, char *why,
    size_t whysz)
{
	char type[128];
	const char *err;

	memset(in, 0, sizeof(*in));
	if ((in->certs = sk_X509_new_null()) == NULL)
		xdie(ERR_TEMP, "out of memory");
	if (n == 0)
		return "it is empty";
	/* libmagic tells text from binary; the content decides the rest. */
	magic_mime(buf, n < 65536 ? n : 65536, type, sizeof(type));
	if (strncmp(type, "text/", 5) != 0 &&
	    strncmp(type, "message/", 8) != 0)
		err = parse_der((const unsigned char *)buf, n, type, in, why,
		    whysz);
	else if (smime_message(buf, n))
		err = parse_message(buf, n, in, why, whysz);
	else
		err = parse_pem(buf, n, in, why, whysz);
	if (err != NULL) {
		sk_X509_pop_free(in->certs, X509_free);
		in->certs = sk_X509_new_null();
	}
	return err;
}

/* Reads a named input (or stdin for NULL or "-"), at most INPUT_MAX
 * bytes.  Dies 66 if it cannot be opened; NULL if it is too large. */
int
store_parse(const char *buf, size_t n, char *why, size_t whysz)
{
	struct input in;
	const char *err;
	int count;

	*why = '\0';
	err = parse_input(buf, n, &in, why, whysz);
	if (err != NULL && *why == '\0')
		snprintf(why, whysz, "%s", err);
	count = err != NULL ? -1 : sk_X509_num(in.certs);
	input_release(&in);
	return count;
}

static char *
read_input(const char *path, size_t *n)
{
	char *p = NULL;
	size_t cap = 0, k;
	int fd = io_in_open(path);

	*n = 0;
	for (;;) {
		if (*n == cap) {
			if (cap > INPUT_MAX)
				break;
			cap = cap == 0 ? 65536 : cap * 2;
			if (cap > INPUT_MAX + 1)
				cap = INPUT_MAX + 1;
			p = xrealloc(p, cap + 1);
		}
		if ((k = io_read(fd, p + *n, cap - *n)) == 0)
			break;
		*n += k;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	if (*n > INPUT_MAX) {
		free(p);
		return NULL;
	}
	io_in_eof();
	p[*n] = '\0';
	return p;
}

static const char *
input_name(const char *path)
{
	return path == NULL || strcmp(path, "-") == 0 ? "standard input" :
	    path;
}

/*
 * The policy of `add` (certstore(1)), certificate by certificate.
 */
struct ca_ref {
	unsigned long hash;	/* subject name hash */
	X509 *x;
};

struct judge {
	struct store *s;
	X509_STORE *anchors;	/* NULL under --policy signature */
	struct ca_ref *cas;	/* the inputs' CA certificates, by hash */
	size_t ncas;
	struct {
		unsigned long hash;
		STACK_OF(X509) *sk;
	} cache[64];		/* CA certificates of certs/, by hash */
	size_t ncache;
};

static int
ca_ref_cmp(const void *a, const void *b)
{
	const struct ca_ref *x = a, *y = b;

	return x->hash < y->hash ? -1 : x->hash > y->hash;
}

static void
judge_init(struct judge *j, struct store *s, STACK_OF(X509) *certs)
{
	int i;

	memset(j, 0, sizeof(*j));
	j->s = s;
	if (opt.policy != POLICY_SIGNATURE)
		j->anchors = cms_anchors(opt.ca, opt.no_system_ca, s->dir);
	j->cas = xcalloc((size_t)sk_X509_num(certs) + 1, sizeof(*j->cas));
	for (i = 0; i < sk_X509_num(certs); i++)
		if (is_ca(sk_X509_value(certs, i))) {
			j->cas[j->ncas].x = sk_X509_value(certs, i);
			j->cas[j->ncas].hash =
			    X509_subject_name_hash(j->cas[j->ncas].x);
			j->ncas++;
		}
	qsort(j->cas, j->ncas, sizeof(*j->cas), ca_ref_cmp);
}

static void
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
	ix_find(j->s, key, &hits);
	for (i = 0; i < hits.n && i < CHAIN_CANDS; i++)
		if ((x = load_cert(j->s, "certs", hits.v[i].fp)) != NULL)
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

static void issuers(struct judge *, X509 *, STACK_OF(X509) *, int);

static void
issuer_push(struct judge *j, X509 *c, X509 *x, STACK_OF(X509) *out,
    int depth)
{
	int i;

	if (X509_NAME_cmp(X509_get_subject_name(c),
	    X509_get_issuer_name(x)) != 0)
		return;
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
static void
issuers(struct judge *j, X509 *x, STACK_OF(X509) *out, int depth)
{
	struct ca_ref key, *r;
	STACK_OF(X509) *sk;
	int i;

	if (depth > (int)opt.lim.chain || X509_check_issued(x, x) == X509_V_OK)
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

/* Why x does not meet the policy, or NULL if it does. */
static const char *
judge(struct judge *j, X509 *x)
{
	STACK_OF(X509) *untrusted;
	X509_STORE_CTX *ctx;
	EVP_PKEY *pk;
	struct addrs a;
	const char *why = NULL;
	int err;

	if (opt.policy == POLICY_SIGNATURE)
		return NULL;
	if ((untrusted = sk_X509_new_null()) == NULL ||
	    (ctx = X509_STORE_CTX_new()) == NULL ||
	    !X509_STORE_CTX_init(ctx, j->anchors, x, untrusted))
		xdie_ssl(ERR_TEMP, "cannot check a chain");
	issuers(j, x, untrusted, 0);
	/* Any purpose: fitness for mail is checked below, by hand, because
	 * smimesign refuses encryption-only certificates and smimeencrypt
	 * keyAgreement-only ones. */
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY);
	X509_VERIFY_PARAM_set_depth(X509_STORE_CTX_get0_param(ctx),
	    (int)opt.lim.chain);
	if (opt.policy == POLICY_STRICT)
		X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_CRL_CHECK |
		    X509_V_FLAG_CRL_CHECK_ALL);
	if (X509_verify_cert(ctx) <= 0) {
		err = X509_STORE_CTX_get_error(ctx);
		why = X509_verify_cert_error_string(err);
	}
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	ERR_clear_error();
	if (why != NULL || is_ca(x))
		return why;
	if (!fit_for_mail(x))
		return "key usage not fit for mail";
	cert_addrs(x, &a);
	if (a.n == 0)
		why = "it names no mail address";
	addrs_free(&a);
	pk = X509_get0_pubkey(x);
	if (why == NULL && opt.policy == POLICY_STRICT && (weak_sig(x) ||
	    (pk != NULL && EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA &&
	    EVP_PKEY_get_bits(pk) < 2048)))
		why = "weak algorithm";
	return why;
}

/* "alice@example.com (sha256:3f0c5e7a...)" for messages, escaped. */
static const char *
cert_label(X509 *x, struct buf *b)
{
	char fp[FPLEN + 1], cn[128];
	struct addrs a;

	cert_fp(x, fp);
	b->n = 0;
	buf_add(b, "", 0);
	cert_addrs(x, &a);
	if (a.n > 0)
		buf_escape(b, a.v[0].p, a.v[0].n);
	else if (X509_NAME_get_text_by_NID(X509_get_subject_name(x),
	    NID_commonName, cn, sizeof(cn)) > 0)
		buf_escape(b, (unsigned char *)cn, strlen(cn));
	else
		buf_puts(b, "a certificate without a name");
	addrs_free(&a);
	ERR_clear_error();
	buf_printf(b, " (sha256:%.16s...)", fp);
	return b->p;
}

/*
 * Writing certificates.
 */
struct put {
	const char *source;
	const char *caps;	/* the signature's SMIMECapabilities */
	const char *msgid;
	int seen;		/* in a valid signature, now */
	int keypref;		/* named by SMIMEEncryptionKeyPreference */
};

/*
 * Stages certs/<fp>.pem if it is new and its .meta if anything changed,
 * and appends its index lines to ix if it is new.  An existing
 * certificate is never rewritten and its first-seen never changed.
 * key-preference holds when a signature last named it: it counts only
 * while no later signature of the sender has been seen (store_best).
 * Returns 1 if it is new.
 */
static int
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

static int
same_cert(X509 *a, X509 *b)
{
	return a != NULL && b != NULL && X509_cmp(a, b) == 0;
}

/* Do a and b share an address? */
static int
same_person(X509 *a, X509 *b)
{
	struct addrs x;
	char key[ADDR_MAX + 1];
	size_t i;
	int same = 0;

	cert_addrs(a, &x);
	for (i = 0; i < x.n && !same; i++)
		same = index_addr(x.v[i].p, x.v[i].n, key) &&
		    cert_names(b, key);
	addrs_free(&x);
	return same;
}

/*
 * smime-verify --import.  The signer passed; the other certificates the
 * message carries are stored only if they are CAs (intermediates: never
 * anchors, and never chosen to encrypt to) or certificates of the
 * signer's own addresses (its encryption certificate, say) that meet
 * the policy.  Any other certificate would let one valid signer plant a
 * key for somebody else's address.
 */
void
store_import(struct store *s, X509 *signer, STACK_OF(X509) *certs,
    const char *capabilities, X509 *preferred, const char *message_id)
{
	struct put w = { "smime-verify --import", capabilities, message_id,
		1, 0 };
	struct put other = { "smime-verify --import", NULL, NULL, 0, 0 };
	struct buf ix = { 0 }, label = { 0 };
	struct judge j;
	const char *why;
	X509 *x;
	int i, njudge = 0;

	if (s->lock == -1)
		xdie(ERR_SOFTWARE, "store_import: the store is not locked");
	w.keypref = same_cert(signer, preferred);
	store_put(s, signer, &w, &ix);
	memset(&j, 0, sizeof(j));
	for (i = 0; i < sk_X509_num(certs); i++) {
		x = sk_X509_value(certs, i);
		if (same_cert(x, signer))
			continue;
		if (is_ca(x)) {
			other.caps = NULL;
			other.keypref = 0;
			store_put(s, x, &other, &ix);
			continue;
		}
		if (!same_cert(x, preferred) && !same_person(x, signer)) {
			verbosex("not stored: %s, not the signer's",
			    cert_label(x, &label));
			continue;
		}
		if (njudge++ == 0)
			judge_init(&j, s, certs);
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
	commit(s);
	ix_add(s, &ix);
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

/* Lowercases addr into key; 0 if it is no address the index holds. */
static int
addr_key(const char *addr, char *key)
{
	return addr != NULL && index_addr((const unsigned char *)addr,
	    strlen(addr), key);
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

/* The intermediates of certs/ above our certificate, for smime-sign to
 * send along (the PKCS#12 file brought them); roots are left out. */
static void
identity_chain(struct store *s, struct identity *id)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	struct judge j;
	X509 *x;
	int i;

	if (sk == NULL)
		xdie(ERR_TEMP, "out of memory");
	memset(&j, 0, sizeof(j));
	j.s = s;
	issuers(&j, id->cert, sk, 0);
	for (i = 0; i < sk_X509_num(sk); i++) {
		x = sk_X509_value(sk, i);
		if (X509_check_issued(x, x) == X509_V_OK)
			continue;
		X509_up_ref(x);
		if (!sk_X509_push(id->chain, x))
			xdie(ERR_TEMP, "out of memory");
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
	keys_load_identity(id, kpath, cpath, NULL, passin);
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
	keys_load_identity(id, kpath, cpath, NULL, passin);
	identity_chain(s, id);
}

/*
 * The verbs' output: stdout or -o, LF unless --crlf.
 */
static struct io_wr out;

static void
out_begin(void)
{
	io_wr_init(&out, io_out_open(opt.out), opt.eol);
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

/* A space-separated list as a JSON array of strings. */
static void
buf_json_words(struct buf *b, const char *s, char sep)
{
	const char *e;
	int first = 1;

	buf_add(b, "[", 1);
	while (s != NULL && *s != '\0') {
		e = strchr(s, sep);
		if (e == NULL)
			e = s + strlen(s);
		if (e > s) {
			if (!first)
				buf_add(b, ",", 1);
			buf_json(b, (const unsigned char *)s, (size_t)(e - s));
			first = 0;
		}
		s = *e != '\0' ? e + 1 : e;
	}
	buf_add(b, "]", 1);
}

/*
 * One line of `list` (certstore(1)): fingerprint, notAfter, flags and
 * addresses separated by tabs, or with --json one object.  folder is
 * certs or ca.
 */
static void
list_line(struct store *s, const char *folder, const char *fp, X509 *x)
{
	char na[21], nb[21], flags[64] = "", subj[1024], iss[1024], ser[128];
	struct buf b = { 0 };
	struct addrs a;
	struct meta m = { 0 };
	size_t i;

	if (strcmp(folder, "certs") == 0) {
		if (is_identity(s, fp))
			strcat(flags, ",identity");
		meta_load(s, fp, &m);
	}
	if (expired(x))
		strcat(flags, ",expired");
	if (revoked(s, x))
		strcat(flags, ",revoked");
	if (!can_encrypt(x))
		strcat(flags, ",no-encrypt");
	iso_asn1(X509_get0_notAfter(x), na);
	cert_addrs(x, &a);
	if (!opt.json) {
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
			buf_json(&b, a.v[i].p, a.v[i].n);
		}
		buf_puts(&b, "],\"subject\":");
		buf_json_str(&b, subj);
		buf_puts(&b, ",\"issuer\":");
		buf_json_str(&b, iss);
		buf_puts(&b, ",\"serial\":");
		buf_json_str(&b, ser);
		buf_printf(&b, ",\"not_before\":\"%s\",\"not_after\":\"%s\"",
		    nb, na);
		buf_puts(&b, ",\"first_seen\":");
		buf_json_str(&b, meta_get(&m, "first-seen"));
		buf_puts(&b, ",\"last_seen\":");
		buf_json_str(&b, meta_get(&m, "last-seen"));
		buf_puts(&b, ",\"capabilities\":");
		buf_json_words(&b, meta_get(&m, "capabilities"), ' ');
		buf_puts(&b, ",\"flags\":");
		buf_json_words(&b, flags, ',');
		buf_add(&b, "}", 1);
	}
	buf_add(&b, "\n", 1);
	io_wr_write(&out, b.p, b.n);
	buf_free(&b);
	addrs_free(&a);
	meta_free(&m);
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

	if (addr == NULL) {
		list_fps(s, "certs", f);
		return;
	}
	memset(f, 0, sizeof(*f));
	if (!addr_key(addr, key))
		return;
	ix_find(s, key, &h);
	for (i = 0; i < h.n; i++)
		if ((x = load_cert(s, "certs", h.v[i].fp)) != NULL) {
			if (cert_names(x, key))
				fps_add(s, h.v[i].fp, f);
			X509_free(x);
		}
	free(h.v);
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

/*
 * init
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

static enum err_class
verb_init(const char **args)
{
	struct store s = { NULL, -1, 0 };
	char path[PATH_MAX], *dir;
	int i, fd;

	want_args("init", args, 0, 0);
	dir = xstrdup(opts_store_dir());
	umask(077);
	if (store_exists(dir)) {
		verbosex("'%s' is a store already: left as it is", dir);
		free(dir);
		return ERR_OK;
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
	/* The lock last: with it the folder is a store. */
	spath(path, &s, "lock");
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1 || fsync(fd) == -1 || close(fd) == -1)
		die_write("create", path, errno);
	fsync_dir(dir);
	verbosex("created the store '%s'", dir);
	free(dir);
	return ERR_OK;
}

/*
 * add
 */
struct cert_ref {
	char fp[FPLEN + 1];
	X509 *x;
};

static int
cert_ref_cmp(const void *a, const void *b)
{
	return memcmp(((const struct cert_ref *)a)->fp,
	    ((const struct cert_ref *)b)->fp, FPLEN);
}

/* What the signed messages among the inputs say about x. */
static void
signed_facts(struct input *ins, size_t nin, X509 *x, struct put *w)
{
	size_t i;
	int k;

	for (i = 0; i < nin; i++) {
		if (!ins[i].verified || ins[i].v.status != CMSV_VALID)
			continue;
		for (k = 0; k < ins[i].v.nsigners; k++) {
			struct cms_signer *sg = &ins[i].v.signers[k];

			if (same_cert(sg->cert, x)) {
				w->seen = 1;
				w->caps = sg->caps;
			}
			if (same_cert(sg->preferred, x)) {
				w->keypref = 1;
				w->caps = sg->caps;
			}
		}
	}
}

/* Reads and parses every input; returns the certificates found, one
 * of each, sorted by fingerprint. */
static struct cert_ref *
gather(const char **files, struct input *ins, size_t nin, size_t *count,
    int *bad)
{
	struct cert_ref *v = NULL;
	size_t i, n = 0, k, uniq = 0;
	const char *err;
	char why[256], *buf;
	size_t len;
	int j;

	for (i = 0; i < nin; i++) {
		const char *f = files != NULL ? files[i] : opt.in;

		buf = read_input(f, &len);
		if (buf == NULL) {
			warnx("'%s': larger than %d MiB: refused",
			    input_name(f), INPUT_MAX >> 20);
			*bad = 1;
			memset(&ins[i], 0, sizeof(ins[i]));
			continue;
		}
		err = parse_input(buf, len, &ins[i], why, sizeof(why));
		free(buf);
		if (err != NULL) {
			warnx("'%s': %s", input_name(f), err);
			*bad = 1;
			continue;
		}
		k = (size_t)sk_X509_num(ins[i].certs);
		v = xrealloc(v, (n + k + 1) * sizeof(*v));
		for (j = 0; j < (int)k; j++) {
			v[n].x = sk_X509_value(ins[i].certs, j);
			cert_fp(v[n].x, v[n].fp);
			n++;
		}
	}
	if (n > 0)
		qsort(v, n, sizeof(*v), cert_ref_cmp);
	for (i = 0; i < n; i++)
		if (uniq == 0 || memcmp(v[uniq - 1].fp, v[i].fp, FPLEN) != 0)
			v[uniq++] = v[i];
	*count = uniq;
	return v;
}

static enum err_class
verb_add(const char **args)
{
	struct store *s = store_open(opts_store_dir(), 0);
	size_t nin = nargs(args) > 0 ? nargs(args) : 1, n, i, added = 0;
	struct input *ins = xcalloc(nin, sizeof(*ins));
	struct buf ix = { 0 }, label = { 0 };
	STACK_OF(X509) *all;
	struct cert_ref *v;
	struct judge j;
	const char *why;
	char *ok;
	int bad = 0;

	v = gather(nargs(args) > 0 ? args : NULL, ins, nin, &n, &bad);
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
	store_lock(s);
	for (i = 0, s->bulk = 0; i < n; i++)
		s->bulk += ok[i];
	s->bulk = s->bulk > BULK_FILES;
	for (i = 0; i < n; i++) {
		struct put w = { "certstore add", NULL, NULL, 0, 0 };

		if (!ok[i])
			continue;
		signed_facts(ins, nin, v[i].x, &w);
		if (store_put(s, v[i].x, &w, &ix)) {
			added++;
			verbosex("added %s", cert_label(v[i].x, &label));
		}
	}
	commit(s);
	ix_add(s, &ix);
	verbosex("%zu certificate%s added, %zu known already", added,
	    added == 1 ? "" : "s", n - added);
	for (i = 0; i < nin; i++)
		input_release(&ins[i]);
	sk_X509_free(all);
	free(ins);
	free(v);
	free(ok);
	buf_free(&ix);
	buf_free(&label);
	store_close(s);
	return bad ? ERR_DATA : ERR_OK;
}

/*
 * get, list, export
 */
static enum err_class
verb_get(const char **args)
{
	struct store *s;
	struct buf b = { 0 };
	X509 *x;

	want_args("get", args, 1, 1);
	s = store_open(opts_store_dir(), 0);
	if ((x = store_best(s, args[0], NULL, 0)) == NULL) {
		buf_escape(&b, (const unsigned char *)args[0],
		    strlen(args[0]));
		xdie(ERR_NOUSER, "no usable certificate for '%s' in the store",
		    b.p);
	}
	out_begin();
	out_pem(x);
	out_end();
	X509_free(x);
	store_close(s);
	return ERR_OK;
}

static enum err_class
verb_list(const char **args)
{
	struct store *s;
	struct fps f;
	size_t i;
	X509 *x;

	want_args("list", args, 0, 1);
	s = store_open(opts_store_dir(), 0);
	select_fps(s, args != NULL ? args[0] : NULL, &f);
	out_begin();
	for (i = 0; i < f.n; i++) {
		if ((x = load_cert(s, "certs", f.v[i])) == NULL) {
			warnx("certs/%s.pem does not parse (certstore fsck)",
			    f.v[i]);
			continue;
		}
		list_line(s, "certs", f.v[i], x);
		X509_free(x);
	}
	out_end();
	free(f.v);
	store_close(s);
	return ERR_OK;
}

static enum err_class
verb_export(const char **args)
{
	struct store *s;
	struct fps f;
	size_t i;
	X509 *x;

	want_args("export", args, 0, 1);
	s = store_open(opts_store_dir(), 0);
	select_fps(s, args != NULL ? args[0] : NULL, &f);
	out_begin();
	for (i = 0; i < f.n; i++)
		if ((x = load_cert(s, "certs", f.v[i])) != NULL) {
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
static void
remove_certs(struct store *s, struct fps *f)
{
	char rel[80];
	size_t i;

	/* The index first: it never names a certificate that is gone. */
	ix_drop(s, f->v, f->n);
	for (i = 0; i < f->n; i++) {
		snprintf(rel, sizeof(rel), "certs/%s.pem", f->v[i]);
		stage_unlink(s, rel);
		snprintf(rel, sizeof(rel), "certs/%s.meta", f->v[i]);
		stage_unlink(s, rel);
	}
	commit(s);
}

static enum err_class
verb_remove(const char **args)
{
	char fp[FPLEN + 1];
	struct store *s;
	struct fps f = { 0 };
	size_t i;

	want_args("remove", args, 1, 1);
	s = store_open(opts_store_dir(), STORE_WRITE);
	if (parse_fp(args[0], fp)) {
		if (has_file(s, "certs", fp, ".pem"))
			fps_add(s, fp, &f);
	} else
		select_fps(s, args[0], &f);
	if (f.n == 0)
		xdie(ERR_NOUSER, "no certificate '%s' in the store",
		    args[0]);
	for (i = 0; i < f.n; i++)
		if (is_identity(s, f.v[i]))
			xdie(ERR_USAGE, "certificate %s is one of our "
			    "identities: move keys/%s.pem out of the store "
			    "first", f.v[i], f.v[i]);
	remove_certs(s, &f);
	verbosex("removed %zu certificate%s", f.n, f.n == 1 ? "" : "s");
	free(f.v);
	store_close(s);
	return ERR_OK;
}

struct expiry {
	time_t limit;
	struct fps drop;
};

static void
expire_one(struct store *s, const char *fp, void *arg)
{
	struct expiry *e = arg;
	X509 *x;

	if (is_identity(s, fp) || (x = load_cert(s, "certs", fp)) == NULL)
		return;
	if (X509_cmp_time(X509_get0_notAfter(x), &e->limit) < 0)
		fps_add(s, fp, &e->drop);
	X509_free(x);
}

static enum err_class
verb_expire(const char **args)
{
	struct expiry e = { 0 };
	struct store *s;

	want_args("expire", args, 0, 0);
	s = store_open(opts_store_dir(), STORE_WRITE);
	e.limit = time(NULL) - (time_t)opt.grace_days * 86400;
	each_file(s, "certs", ".pem", expire_one, &e);
	if (e.drop.n > 0)
		remove_certs(s, &e.drop);
	verbosex("%zu expired certificate%s removed", e.drop.n,
	    e.drop.n == 1 ? "" : "s");
	free(e.drop.v);
	store_close(s);
	return ERR_OK;
}

/*
 * identity
 */

static int
no_pass(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return -1;
}

/* Does the PEM key file need a passphrase?  (It loaded with one.) */
static int
key_encrypted(const char *path)
{
	size_t n;
	char *p = read_file(path, SMALL_MAX, &n);
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

static enum err_class
identity_add(const char **args)
{
	char pass[PASS_MAX + 5] = "pass:", fp[FPLEN + 1], rel[80];
	struct put w = { "certstore identity add", NULL, NULL, 0, 0 };
	struct buf ix = { 0 }, scratch = { 0 };
	struct identity id;
	struct store *s;
	const EVP_CIPHER *enc = NULL;
	BIO *b;
	char *pem;
	long n;
	int i;

	want_args("identity add", args, 0, 0);
	if ((opt.p12 != NULL) == (opt.key != NULL || opt.cert != NULL) ||
	    (opt.p12 == NULL && (opt.key == NULL || opt.cert == NULL)))
		xdie(ERR_USAGE, "certstore identity add: -p FILE.p12, or -k "
		    "KEY with -c CERT");
	s = store_open(opts_store_dir(), 0);
	if (opt.passin != NULL)
		/* Read once: identity add needs the text itself, to store
		 * the key encrypted under it, and an fd: source can be read
		 * only once, so keys_load_identity() gets it as "pass:". */
		keys_passphrase(opt.passin, pass + 5, sizeof(pass) - 5);
	keys_load_identity(&id, opt.key, opt.cert, opt.p12,
	    opt.passin != NULL ? pass : NULL);
	/* The key keeps its protection (certstore(1)). */
	if (opt.p12 != NULL ? opt.passin != NULL : key_encrypted(opt.key))
		enc = EVP_aes_256_cbc();
	if ((b = BIO_new(BIO_s_secmem())) == NULL ||
	    !PEM_write_bio_PKCS8PrivateKey(b, id.key, enc, enc != NULL ?
	    pass + 5 : NULL, enc != NULL ? (int)strlen(pass + 5) : 0, NULL,
	    NULL))
		xdie_ssl(ERR_SOFTWARE, "cannot encode the private key");
	OPENSSL_cleanse(pass, sizeof(pass));
	store_lock(s);
	cert_fp(id.cert, fp);
	store_put(s, id.cert, &w, &scratch);
	for (i = 0; i < sk_X509_num(id.chain); i++)
		store_put(s, sk_X509_value(id.chain, i), &w, &ix);
	n = BIO_get_mem_data(b, &pem);
	snprintf(rel, sizeof(rel), "keys/%s.pem", fp);
	stage_data(s, rel, pem, (size_t)n);
	BIO_free(b);
	commit(s);
	/* Its lines again, now with the identity flag: they override. */
	ix_cert_lines(&ix, id.cert, fp, 1);
	ix_add(s, &ix);
	verbosex("added the identity sha256:%s", fp);
	identity_release(&id);
	buf_free(&ix);
	buf_free(&scratch);
	store_close(s);
	return ERR_OK;
}

static enum err_class
identity_list(const char **args)
{
	char key[ADDR_MAX + 1];
	struct store *s;
	struct fps f;
	size_t i;
	X509 *x;

	want_args("identity list", args, 0, 0);
	if (opt.as != NULL && !addr_key(opt.as, key))
		xdie(ERR_USAGE, "bad --as address '%s'", opt.as);
	s = store_open(opts_store_dir(), 0);
	list_fps(s, "keys", &f);
	out_begin();
	for (i = 0; i < f.n; i++) {
		if ((x = load_cert(s, "certs", f.v[i])) == NULL) {
			warnx("keys/%s.pem has no certificate (certstore "
			    "fsck)", f.v[i]);
			continue;
		}
		if (opt.as == NULL || cert_names(x, key))
			list_line(s, "certs", f.v[i], x);
		X509_free(x);
	}
	out_end();
	free(f.v);
	store_close(s);
	return ERR_OK;
}

static enum err_class
verb_identity(const char **args)
{
	if (args == NULL || args[0] == NULL)
		xdie(ERR_USAGE, "certstore identity: add or list (see "
		    "--help)");
	if (strcmp(args[0], "add") == 0)
		return identity_add(args + 1);
	if (strcmp(args[0], "list") == 0)
		return identity_list(args + 1);
	xdie(ERR_USAGE, "certstore identity: unknown '%s' (add or list)",
	    args[0]);
}

/*
 * Hash links (openssl-rehash(1)): folder/HASH.N (ca) or HASH.rN (crl),
 * numbered from 0 without gaps, for OpenSSL's by_dir lookup stops at
 * the first missing number.
 */
#define LINKS_MAX	64

/* The targets of the links of hash, in order; returns how many. */
static size_t
links_of(struct store *s, const char *folder, const char *r,
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
relink(struct store *s, const char *folder, const char *r,
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
trust_add(const char **args)
{
	char fp[FPLEN + 1], rel[80], t[LINKS_MAX + 1][FPLEN + 5];
	size_t nin = nargs(args), n, i, k;
	struct input *ins;
	struct cert_ref *v;
	struct store *s;
	unsigned long h;
	BIO *b;
	char *pem;
	long len;
	int bad = 0;

	want_args("trust add", args, 1, SIZE_MAX);
	s = store_open(opts_store_dir(), 0);
	ins = xcalloc(nin, sizeof(*ins));
	v = gather(args, ins, nin, &n, &bad);
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
		if (!is_ca(v[i].x))
			warnx("trusting sha256:%.16s..., which is not a CA "
			    "certificate", fp);
		verbosex("trusted sha256:%s", fp);
	}
	for (i = 0; i < nin; i++)
		input_release(&ins[i]);
	free(ins);
	free(v);
	store_close(s);
	return bad ? ERR_DATA : ERR_OK;
}

static enum err_class
trust_list(const char **args)
{
	struct store *s;
	struct fps f;
	size_t i;
	X509 *x;

	want_args("trust list", args, 0, 0);
	s = store_open(opts_store_dir(), 0);
	list_fps(s, "ca", &f);
	out_begin();
	for (i = 0; i < f.n; i++)
		if ((x = load_cert(s, "ca", f.v[i])) != NULL) {
			list_line(s, "ca", f.v[i], x);
			X509_free(x);
		} else
			warnx("ca/%s.pem does not parse (certstore fsck)",
			    f.v[i]);
	out_end();
	free(f.v);
	store_close(s);
	return ERR_OK;
}

static enum err_class
trust_remove(const char **args)
{
	char fp[FPLEN + 1], rel[80], t[LINKS_MAX][FPLEN + 5];
	char keep[LINKS_MAX][FPLEN + 5];
	struct store *s;
	unsigned long h;
	size_t n, i, k = 0;
	X509 *x;

	want_args("trust remove", args, 1, 1);
	if (!parse_fp(args[0], fp))
		xdie(ERR_USAGE, "certstore trust remove: '%s' is not a "
		    "SHA-256 fingerprint", args[0]);
	s = store_open(opts_store_dir(), STORE_WRITE);
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
	store_close(s);
	return ERR_OK;
}

static enum err_class
verb_trust(const char **args)
{
	if (args == NULL || args[0] == NULL)
		xdie(ERR_USAGE, "certstore trust: add, list or remove (see "
		    "--help)");
	if (strcmp(args[0], "add") == 0)
		return trust_add(args + 1);
	if (strcmp(args[0], "list") == 0)
		return trust_list(args + 1);
	if (strcmp(args[0], "remove") == 0)
		return trust_remove(args + 1);
	xdie(ERR_USAGE, "certstore trust: unknown '%s' (add, list or "
	    "remove)", args[0]);
}

/*
 * crl
 */
static X509_CRL *
parse_crl(const char *buf, size_t n)
{
	X509_CRL *c = d2i_X509_CRL_whole((const unsigned char *)buf, n);

	return c != NULL ? c : pem_crl(buf, n);
}

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

/* Does a certificate of the store (ca/, or a CA of certs/) sign c? */
static int
crl_signed(struct store *s, X509_CRL *c, int *issuer_found)
{
	const X509_NAME *iss = X509_CRL_get_issuer(c);
	unsigned long h = X509_NAME_hash_ex(iss, NULL, NULL, NULL);
	char t[LINKS_MAX][FPLEN + 5], key[16], fp[FPLEN + 1];
	STACK_OF(X509) *sk = sk_X509_new_null();
	struct hits hits;
	size_t n, i;
	int ok = 0, k;
	X509 *x;

	if (sk == NULL)
		xdie(ERR_TEMP, "out of memory");
	n = links_of(s, "ca", "", h, t);
	for (i = 0; i < n; i++)
		if (fp_name(t[i], ".pem", fp) &&
		    (x = load_cert(s, "ca", fp)) != NULL)
			sk_X509_push(sk, x);
	snprintf(key, sizeof(key), "ca:%08lx", h);
	ix_find(s, key, &hits);
	for (i = 0; i < hits.n && i < CHAIN_CANDS; i++)
		if ((x = load_cert(s, "certs", hits.v[i].fp)) != NULL)
			sk_X509_push(sk, x);
	free(hits.v);
	*issuer_found = 0;
	for (k = 0; k < sk_X509_num(sk) && !ok; k++) {
		x = sk_X509_value(sk, k);
		if (X509_NAME_cmp(X509_get_subject_name(x), iss) != 0)
			continue;
		*issuer_found = 1;
		ok = X509_CRL_verify(c, X509_get0_pubkey(x)) == 1;
	}
	sk_X509_pop_free(sk, X509_free);
	ERR_clear_error();
	return ok;
}

static enum err_class
verb_crl(const char **args)
{
	char fp[FPLEN + 1], rel[80], ofp[FPLEN + 1], *buf, *pem;
	char t[LINKS_MAX + 1][FPLEN + 5], keep[LINKS_MAX + 1][FPLEN + 5];
	STACK_OF(X509_CRL) *old;
	struct store *s;
	X509_CRL *c;
	unsigned long h;
	size_t n, i, k = 0;
	int found;
	BIO *b;
	long len;

	if (args == NULL || args[0] == NULL || strcmp(args[0], "add") != 0)
		xdie(ERR_USAGE, "certstore crl: add FILE (see --help)");
	want_args("crl add", args + 1, 1, 1);
	s = store_open(opts_store_dir(), 0);
	if ((buf = read_input(args[1], &n)) == NULL)
		xdie(ERR_DATA, "'%s': larger than %d MiB: refused", args[1],
		    INPUT_MAX >> 20);
	c = parse_crl(buf, n);
	free(buf);
	if (c == NULL)
		xdie(ERR_DATA, "'%s' is not a CRL (PEM or DER)", args[1]);
	if (!crl_signed(s, c, &found))
		xdie(ERR_DATA, "'%s': %s", args[1], found ? "the CRL's "
		    "signature does not verify under its issuer's key" :
		    "the CRL's issuer is not in the store (certstore trust "
		    "add, or add)");
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
	store_close(s);
	return ERR_OK;
}

/*
 * fsck
 */
struct fsck {
	struct store *s;
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
	if (opt.repair)
		fixed = chmod(path, want) == 0;
	fsck_say(f, fixed, "%s: mode %04o, not %04o", rel,
	    (unsigned)(st->st_mode & 07777), (unsigned)want);
}

static void
fsck_tmp(struct fsck *f, const char *rel)
{
	char path[PATH_MAX];

	spath(path, f->s, "%s", rel);
	fsck_say(f, opt.repair && unlink(path) == 0, "%s: a temporary file "
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
	if ((p = read_file(path, strcmp(rel, "index") == 0 ? SIZE_MAX / 4 :
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
	x = pem_cert(p, n);
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
		fsck_say(f, opt.repair && unlink(path) == 0, "%s: no "
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
			if (opt.repair) {
				gmtime_r(&st.st_mtime, &tm);
				strftime(when, sizeof(when),
				    "%Y-%m-%dT%H:%M:%S.000000Z", &tm);
				meta_set(&m, "first-seen", when);
				meta_set(&m, "source", "certstore fsck --repair");
				meta_stage(f->s, fp, &m);
				meta_free(&m);
			}
			fsck_say(f, opt.repair, "certs/%s.meta: missing", fp);
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
	if (opt.repair && nf <= LINKS_MAX) {
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
	fsck_say(f, opt.repair && nf <= LINKS_MAX, "%s/%08lx.%s*: hash links "
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
			if ((c = pem_crl(p, len)) != NULL) {
				crl_fp(c, got);
				v[n].hash = X509_NAME_hash_ex(
				    X509_CRL_get_issuer(c), NULL, NULL, NULL);
				X509_CRL_free(c);
			}
		} else if ((x = pem_cert(p, len)) != NULL) {
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
		else if (!fp_name(d->d_name, ".pem", fp))
			fsck_say(f, 0, "%s: does not belong in the store", rel);
		else
			fsck_key(f, rel, fp, &st);
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
		if (opt.repair)
			ix_write(f->s, 0, f->expect.p != NULL ? f->expect.p :
			    "", f->expect.n, NULL, 0);
		fsck_say(f, opt.repair, "index: does not match certs/");
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
		"dirty", NULL };
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
			fsck_say(f, opt.repair && mkdir(path, 0700) == 0,
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
				else if (strcmp(files[i], "lock") == 0)
					fsck_mode(f, "lock", &st, 0600);
			}
		if (is_tmp(d->d_name))
			fsck_tmp(f, d->d_name);
		else if (!known)
			fsck_say(f, 0, "%s: does not belong in the store",
			    d->d_name);
	}
	closedir(dp);
}

static void
store_recover(struct store *s)
{
	struct fsck f = { 0 };
	int repair = opt.repair;

	f.s = s;
	f.quiet = 1;
	opt.repair = 1;
	fsck_root(&f);
	fsck_certs(&f);
	fsck_keys(&f);
	fsck_hashed(&f, "ca");
	fsck_hashed(&f, "crl");
	fsck_index(&f);
	buf_free(&f.expect);
	opt.repair = repair;
	if (f.left > 0)
		warnx("the store '%s' has %d problem%s an interrupted writer "
		    "did not leave: see certstore fsck", s->dir, f.left,
		    f.left == 1 ? "" : "s");
	else
		verbosex("the store '%s': an interrupted writer's changes "
		    "completed (%d)", s->dir, f.fixed);
}

static enum err_class
verb_fsck(const char **args)
{
	struct fsck f = { 0 };

	want_args("fsck", args, 0, 0);
	/* The lock, even to look: a consistent view, and repairs. */
	f.s = store_open(opts_store_dir(), STORE_WRITE);
	fsck_root(&f);
	fsck_certs(&f);
	fsck_keys(&f);
	fsck_hashed(&f, "ca");
	fsck_hashed(&f, "crl");
	fsck_index(&f);
	buf_free(&f.expect);
	store_close(f.s);
	if (f.left > 0)
		xdie(ERR_CONFIG, "fsck: %d problem%s left%s", f.left,
		    f.left == 1 ? "" : "s", opt.repair ? "" :
		    " (certstore fsck --repair)");
	if (f.fixed > 0)
		verbosex("fsck: %d problem%s repaired", f.fixed,
		    f.fixed == 1 ? "" : "s");
	return ERR_OK;
}

/*
 * certstore VERB
 */
static const struct {
	const char *name;
	enum err_class (*fn)(const char **);
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
};

enum err_class
store_main(const char *verb, const char **args)
{
	size_t i;

	if (verb == NULL)
		xdie(ERR_USAGE, "no verb given (see --help)");
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(verb, verbs[i].name) == 0)
			return verbs[i].fn(args);
	xdie(ERR_USAGE, "unknown verb '%s' (see --help)", verb);
}
