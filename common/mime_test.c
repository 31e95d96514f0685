/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * mime_test: the parser against the corpus and against hostile shapes.
 *
 * - every message of testdata/corpus, as it is and converted to LF and to
 *   CRLF, fed in chunks of several sizes: the events give back the input
 *   byte for byte, their offsets are contiguous, and the MIME tree equals
 *   the one written down in testdata/corpus.trees (made with an
 *   independent parser and checked by hand);
 * - hostile shapes: deep nesting, endless lines, NUL bytes, missing and
 *   prefix boundaries, empty input, a header without body;
 * - RFC 2045 / 2231 parameter parsing;
 * - random mutations of corpus messages, randomly chunked: still exact.
 *
 * Prints TAP.  Run from the top of the tree (or set SMIME_TESTDATA).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "mime.h"
#include "tap.h"

#define report tap_ok

struct buf {
	char *p;
	size_t len, cap;
};

static void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap ? b->cap * 2 : 4096;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* What a parse produced: the data, the tree, and any broken invariant. */
struct result {
	struct buf data, tree;
	uint64_t next;		/* offset the next data event must have */
	int bad_offset, nevents, depth_max;
	unsigned root_flags, all_flags;
};

static void
collect(void *arg, const struct mime_event *ev)
{
	struct result *r = arg;
	char line[400];
	unsigned i;

	r->nevents++;
	if (ev->len > 0) {
		if (ev->offset != r->next)
			r->bad_offset = 1;
		r->next += ev->len;
		buf_add(&r->data, ev->data, ev->len);
	}
	if ((int)ev->part->depth > r->depth_max)
		r->depth_max = (int)ev->part->depth;
	if (ev->type == MIME_EV_END) {
		r->all_flags |= ev->part->flags;
		if (ev->part->depth == 0)
			r->root_flags = ev->part->flags;
	}
	if (ev->type != MIME_EV_HEADER_END)
		return;
	for (i = 0; i < ev->part->depth; i++)
		buf_str(&r->tree, "  ");
	snprintf(line, sizeof(line), "%s %s/%s %s\n", ev->part->section,
	    ev->part->type, ev->part->subtype, ev->part->cte);
	buf_str(&r->tree, line);
}

/* Parses s in chunks of `chunk` bytes (0: random sizes). */
static void
parse(const char *s, size_t len, size_t chunk, struct result *r)
{
	struct mime_parser *p;
	size_t off = 0, k;

	memset(r, 0, sizeof(*r));
	p = mime_parser_new(collect, r);
	while (off < len) {
		k = chunk ? chunk : 1 + (size_t)rand() % 3000;
		if (k > len - off)
			k = len - off;
		mime_parser_feed(p, s + off, k);
		off += k;
	}
	mime_parser_finish(p);
	mime_parser_free(p);
}

static void
result_free(struct result *r)
{
	free(r->data.p);
	free(r->tree.p);
}

static char *
slurp(const char *path, size_t *len)
{
	struct buf b = { 0 };
	char chunk[65536];
	size_t n;
	FILE *fp = fopen(path, "rb");

	if (fp == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&b, chunk, n);
	fclose(fp);
	*len = b.len;
	return b.p != NULL ? b.p : xcalloc(1, 1);
}

/* LF (crlf = 0) or CRLF (crlf = 1) line ends throughout. */
static char *
convert(const char *s, size_t len, int crlf, size_t *outlen)
{
	struct buf b = { 0 };
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
			continue;
		if (s[i] == '\n' && crlf)
			buf_add(&b, "\r", 1);
		buf_add(&b, s + i, 1);
	}
	*outlen = b.len;
	return b.p != NULL ? b.p : xcalloc(1, 1);
}

/* The expected tree of one corpus file, re-indented as we print it. */
static int
check_file(const char *dir, const char *name, const char *want)
{
	static const size_t chunks[] = { 65536, 1, 7, 0 };
	struct result r;
	char path[1024], *orig, *v[3];
	size_t len, vlen[3], i, c;
	int good = 1;

	snprintf(path, sizeof(path), "%s/corpus/%s", dir, name);
	orig = slurp(path, &len);
	if (orig == NULL) {
		report(0, "corpus %s: cannot read", name);
		return 0;
	}
	v[0] = orig;
	vlen[0] = len;
	v[1] = convert(orig, len, 0, &vlen[1]);
	v[2] = convert(orig, len, 1, &vlen[2]);
	for (i = 0; i < 3; i++)
		for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
			parse(v[i], vlen[i], chunks[c], &r);
			if (r.data.len != vlen[i] ||
			    memcmp(r.data.p, v[i], vlen[i]) != 0 ||
			    r.bad_offset || strcmp(r.tree.p ? r.tree.p : "",
			    want) != 0) {
				if (good)
					printf("# %s (%s, chunk %zu):\n# want:\n"
					    "%s# got:\n%s", name, i == 0 ?
					    "as is" : i == 1 ? "LF" : "CRLF",
					    chunks[c], want, r.tree.p);
				good = 0;
			}
			result_free(&r);
		}
	free(v[0]);
	free(v[1]);
	free(v[2]);
	report(good, "corpus %s: tree and bytes, as is, LF, CRLF", name);
	return good;
}

static void
test_corpus(const char *dir)
{
	struct buf want = { 0 };
	char path[1024], line[1024], name[1024] = "";
	int files = 0, good = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/corpus.trees", dir);
	fp = fopen(path, "r");
	if (fp == NULL) {
		report(0, "cannot read %s", path);
		return;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (strncmp(line, "== ", 3) == 0) {
			if (*name != '\0') {
				files++;
				good += check_file(dir, name, want.p);
			}
			snprintf(name, sizeof(name), "%.*s",
			    (int)strcspn(line + 3, "\n"), line + 3);
			want.len = 0;
			buf_str(&want, "");
			continue;
		}
		buf_str(&want, line);
	}
	if (*name != '\0') {
		files++;
		good += check_file(dir, name, want.p);
	}
	fclose(fp);
	free(want.p);
	report(files >= 80, "corpus: %d files listed (80 expected)", files);
}

/* A shape must round-trip exactly and give the expected tree/flags. */
static void
shape(const char *what, const char *s, size_t len, const char *tree,
    unsigned flags)
{
	struct result r;
	int exact, good = 1;
	size_t c;

	for (c = 0; c < 3; c++) {
		parse(s, len, c == 0 ? 65536 : c == 1 ? 1 : 0, &r);
		exact = r.data.len == len && (len == 0 ||
		    memcmp(r.data.p, s, len) == 0) && !r.bad_offset;
		if (!exact || (tree != NULL && strcmp(r.tree.p, tree) != 0) ||
		    (r.all_flags & flags) != flags) {
			if (good)
				printf("# %s: exact %d flags %#x tree:\n%s",
				    what, exact, r.all_flags, r.tree.p);
			good = 0;
		}
		result_free(&r);
		if (len > (1 << 20))
			break;	/* one-byte chunks of 16 MiB: too slow */
	}
	report(good, "shape: %s", what);
}

/* Readers agree on it: no chunking makes it ambiguous. */
static void
unambiguous(const char *what, const char *s, size_t len)
{
	struct result r;
	int good = 1;
	size_t c;

	for (c = 0; c < 3; c++) {
		parse(s, len, c == 0 ? 65536 : c == 1 ? 1 : 0, &r);
		if (r.all_flags & MIME_F_AMBIG)
			good = 0;
		result_free(&r);
	}
	report(good, "unambiguous: %s", what);
}

static void
test_shapes(void)
{
	struct buf b = { 0 };
	struct result r;
	clock_t t0;
	char *big;
	int i;

	/* 5,000 nested multiparts: past MIME_DEPTH_MAX they are leaves. */
	for (i = 0; i < 5000; i++) {
		char l[128];

		snprintf(l, sizeof(l), "Content-Type: multipart/mixed; "
		    "boundary=\"b%d\"\n\n--b%d\n", i, i);
		buf_str(&b, l);
	}
	buf_str(&b, "Content-Type: text/plain\n\nhi\n");
	for (i = 4999; i >= 0; i--) {
		char l[32];

		snprintf(l, sizeof(l), "--b%d--\n", i);
		buf_str(&b, l);
	}
	t0 = clock();
	parse(b.p, b.len, 65536, &r);
	report(r.data.len == b.len && memcmp(r.data.p, b.p, b.len) == 0 &&
	    (r.all_flags & MIME_F_DEPTH) && r.depth_max < MIME_DEPTH_MAX,
	    "shape: 5000-deep nesting stops at depth %d, exact", r.depth_max);
	report((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0,
	    "shape: 5000-deep nesting in bounded time");
	result_free(&r);
	free(b.p);

	big = xmalloc(16 << 20);
	memcpy(big, "X-Long: ", 8);
	memset(big + 8, 'a', (16 << 20) - 8);
	shape("16 MiB header field without newline", big, 16 << 20,
	    "1 text/plain 7bit\n", MIME_F_LONGFIELD | MIME_F_EOF);
	memset(big, 'a', 16 << 20);
	shape("16 MiB line without colon or newline", big, 16 << 20,
	    "1 text/plain 7bit\n", MIME_F_BADFIELD);
	big[0] = 'S';
	memcpy(big, "Subject: x\n\n", 12);
	shape("16 MiB body line", big, 16 << 20, "1 text/plain 7bit\n", 0);
	free(big);

#define S(x) x, sizeof(x) - 1
	shape("NUL bytes in header and body",
	    S("Subject: a\0b\nContent-Type: text/plain\n\nbo\0dy\n"),
	    "1 text/plain 7bit\n", MIME_F_NUL);
	shape("missing close delimiter",
	    S("Content-Type: multipart/mixed; boundary=x\n\n--x\n"
	    "Content-Type: text/html\n\nbody\n"),
	    "TEXT multipart/mixed 7bit\n  1 text/html 7bit\n",
	    MIME_F_NOCLOSE);
	shape("boundary that is a prefix of another",
	    S("Content-Type: multipart/mixed; boundary=abc\n\n--abc\n"
	    "Content-Type: multipart/alternative; boundary=abcd\n\n"
	    "--abcd\n\ninner\n--abcd--\n--abc\n\nsecond\n--abc--\n"),
	    "TEXT multipart/mixed 7bit\n  1 multipart/alternative 7bit\n"
	    "    1.1 text/plain 7bit\n  2 text/plain 7bit\n", 0);
	shape("line starting with the boundary is not a delimiter",
	    S("Content-Type: multipart/mixed; boundary=abc\n\n--abc\n\n"
	    "--abcdef\n--abc x\n--abc--\n"),
	    "TEXT multipart/mixed 7bit\n  1 text/plain 7bit\n", 0);
	shape("outer delimiter ends the inner multipart",
	    S("Content-Type: multipart/mixed; boundary=o\n\n--o\n"
	    "Content-Type: multipart/mixed; boundary=i\n\n--i\n\nx\n"
	    "--o\n\ny\n--o--\n"),
	    "TEXT multipart/mixed 7bit\n  1 multipart/mixed 7bit\n"
	    "    1.1 text/plain 7bit\n  2 text/plain 7bit\n",
	    MIME_F_NOCLOSE);
	shape("empty input", "", 0, "1 text/plain 7bit\n", MIME_F_EOF);
	shape("header without body", S("From: a\nSubject: b\n"),
	    "1 text/plain 7bit\n", MIME_F_EOF);
	shape("header without body, CRLF, no final newline",
	    S("From: a\r\nSubject: b"), "1 text/plain 7bit\n", MIME_F_EOF);
	shape("multipart without boundary is a leaf",
	    S("Content-Type: multipart/mixed\n\n--x\n\ny\n"),
	    "1 multipart/mixed 7bit\n", MIME_F_NOBOUNDARY);
	shape("delimiter inside a header ends it",
	    S("Content-Type: multipart/mixed; boundary=q\n\n--q\n"
	    "Subject: x\n--q\n\nb\n--q--\n"),
	    "TEXT multipart/mixed 7bit\n  1 text/plain 7bit\n"
	    "  2 text/plain 7bit\n", MIME_F_NOSEP);
	shape("boundary with a colon",
	    S("Content-Type: multipart/mixed; boundary=\"a:b\"\n\n--a:b\n"
	    "\nx\n--a:b--\n"),
	    "TEXT multipart/mixed 7bit\n  1 text/plain 7bit\n", 0);
	shape("transport padding after a delimiter",
	    S("Content-Type: multipart/mixed; boundary=q\n\n--q \t \n\nx\n"
	    "--q--  \n"), "TEXT multipart/mixed 7bit\n  1 text/plain 7bit\n",
	    0);
	shape("message/rfc822 in base64 is not descended",
	    S("Content-Type: message/rfc822\nContent-Transfer-Encoding: "
	    "base64\n\nU3ViamVjdDogeAoKeQo=\n"),
	    "1 message/rfc822 base64\n", 0);
	shape("multipart/digest children default to message/rfc822",
	    S("Content-Type: multipart/digest; boundary=d\n\n--d\n\n"
	    "Subject: a\n\nx\n--d--\n"),
	    "TEXT multipart/digest 7bit\n  1 message/rfc822 7bit\n"
	    "    1.1 text/plain 7bit\n", 0);
	shape("two Content-Type fields: the first wins, flagged",
	    S("Content-Type: text/html\nContent-Type: multipart/mixed; "
	    "boundary=x\n\n--x\n"), "1 text/html 7bit\n", MIME_F_DUPCT);
	shape("unparseable Content-Type defaults to text/plain",
	    S("Content-Type: ;;;\n\nx\n"), "1 text/plain 7bit\n",
	    MIME_F_BADCT);
	shape("mbox From line",
	    S("From a@b Mon Nov 23 00:00:00 2026\nSubject: x\n\ny\n"),
	    "1 text/plain 7bit\n", 0);
	/* Ambiguous shapes: the parse is unchanged, the entity flagged. */
	shape("ambiguous: two Content-Transfer-Encoding fields",
	    S("Content-Transfer-Encoding: 7bit\nContent-Transfer-Encoding: "
	    "base64\n\naGk=\n"), "1 text/plain base64\n", MIME_F_AMBIG);
	shape("ambiguous: boundary twice",
	    S("Content-Type: multipart/mixed; boundary=a; boundary=b\n\n"
	    "--a\n\nx\n--a--\n"), "TEXT multipart/mixed 7bit\n"
	    "  1 text/plain 7bit\n", MIME_F_AMBIG);
	shape("ambiguous: boundary twice, in other case",
	    S("Content-Type: multipart/mixed; boundary=a; BOUNDARY=b\n\n"
	    "--a\n\nx\n--a--\n"), NULL, MIME_F_AMBIG);
	shape("ambiguous: RFC 2231 boundary beside a plain one",
	    S("Content-Type: multipart/mixed; boundary=a; boundary*=''b\n\n"
	    "--b\n\nx\n--b--\n"), NULL, MIME_F_AMBIG);
	shape("ambiguous: RFC 2231 segment beside a plain one",
	    S("Content-Type: multipart/mixed; boundary*0=b; boundary=a\n\n"
	    "--b\n\nx\n--b--\n"), NULL, MIME_F_AMBIG);
	shape("ambiguous: protocol twice",
	    S("Content-Type: multipart/signed; protocol=\"application/"
	    "pkcs7-signature\"; protocol=x/y; boundary=s\n\n--s\n\nx\n"
	    "--s--\n"), NULL, MIME_F_AMBIG);
	shape("ambiguous: boundary with a trailing space",
	    S("Content-Type: multipart/mixed; boundary=\"a \"\n\n--a \n\n"
	    "x\n--a --\n"), NULL, MIME_F_AMBIG);
	shape("ambiguous: boundary of 71 characters",
	    S("Content-Type: multipart/mixed; boundary=aaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n\nx\n"),
	    NULL, MIME_F_AMBIG);
	shape("ambiguous: empty boundary",
	    S("Content-Type: multipart/mixed; boundary=\"\"\n\n--\n\nx\n"),
	    "1 multipart/mixed 7bit\n", MIME_F_AMBIG | MIME_F_NOBOUNDARY);
	shape("ambiguous: comment after the boundary",
	    S("Content-Type: multipart/mixed; boundary=a (c)\n\n--a\n\nx\n"
	    "--a--\n"), NULL, MIME_F_AMBIG);
	shape("ambiguous: backslash in a quoted boundary",
	    S("Content-Type: multipart/mixed; boundary=\"a\\b\"\n\n--ab\n\n"
	    "x\n--ab--\n"), NULL, MIME_F_AMBIG);
	shape("ambiguous: white space before a Content-Type's colon",
	    S("Content-Type : multipart/mixed; boundary=a\n\n--a\n\nx\n"
	    "--a--\n"), "TEXT multipart/mixed 7bit\n  1 text/plain 7bit\n",
	    MIME_F_AMBIG);
	shape("ambiguous: a bare CR in a header field",
	    S("Content-Type: text/plain\rContent-Type: text/html\n\nx\n"),
	    "1 text/plain 7bit\n", MIME_F_AMBIG);
	shape("ambiguous: a bare CR line in a header",
	    S("Content-Type: text/plain\n\rX: y\n\nx\n"), "1 text/plain 7bit\n",
	    MIME_F_AMBIG);
	shape("ambiguous: a delimiter behind a bare CR",
	    S("Content-Type: multipart/mixed; boundary=a\n\n--a\n\nx-y\r--a"
	    "\n\ny\n--a--\n"), "TEXT multipart/mixed 7bit\n"
	    "  1 text/plain 7bit\n", MIME_F_AMBIG);
	shape("ambiguous: a bare CR after a boundary",
	    S("Content-Type: multipart/mixed; boundary=a\n\n--a\n\nx\n"
	    "--a\rz\n\ny\n--a--\n"), "TEXT multipart/mixed 7bit\n"
	    "  1 text/plain 7bit\n", MIME_F_AMBIG);
	unambiguous("padding, RFC 2231 alone, braces, CR-dash in a line",
	    S("Content-Type: multipart/mixed; boundary*=''{a}\n\n--{a} \t\n"
	    "\nx\r\ny-\r-z\r--{b}\n--{a}--\n"));
	unambiguous("outlook's unquoted boundary, a trailing ';'",
	    S("Content-Type: multipart/mixed; boundary=----=_NextPart_0.1;\n"
	    "\n------=_NextPart_0.1\n\nx\n------=_NextPart_0.1--\n"));
	shape("lone CR line endings",
	    S("Subject: x\r\r\nContent-Type: multipart/mixed; boundary=q"
	    "\r\n\r\n--q\r\r\n\r\nx\r\n--q--\r\n"), NULL, 0);
#undef S
}

static void
param(const char *value, const char *name, const char *want)
{
	char out[256];
	long n = mime_param(value, strlen(value), name, out, sizeof(out));

	report(want == NULL ? n == -1 : n >= 0 && strcmp(out, want) == 0,
	    "param %s of [%s]: %s", name, value, n >= 0 ? out : "(absent)");
}

static void
test_params(void)
{
	char t[32], s[64];

	param("text/plain; charset=us-ascii", "charset", "us-ascii");
	param("text/plain; CHARSET=\"us-ascii\"", "charset", "us-ascii");
	param("multipart/mixed; boundary=----=_Part_0_1.2", "boundary",
	    "----=_Part_0_1.2");
	param("multipart/mixed; boundary=\"a \\\"q\\\" b\"", "boundary",
	    "a \"q\" b");
	param("text/plain (comment; x=y); a=b (c)", "a", "b");
	param("text/plain (comment; x=y); a=b", "x", NULL);
	param("text/plain;\n\tname=\"folded\n value\"", "name",
	    "folded value");
	/* RFC 2231 3, 4 and 5 examples. */
	param("message/external-body; access-type=URL;\n URL*0=\"ftp://\";"
	    "\n URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"",
	    "URL", "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar");
	param("application/x-stuff;\n title*=us-ascii'en-us'This%20is%20"
	    "%2A%2A%2Afun%2A%2A%2A", "title", "This is ***fun***");
	param("application/x-stuff; title*0*=us-ascii'en'This%20is%20even"
	    "%20more%20; title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2=\"isn't"
	    " it!\"", "title", "This is even more ***fun*** isn't it!");
	param("a/b; n*1=second; n*0=first", "n", "firstsecond");
	param("a/b; n*0=first; n*2=third", "n", "first");
	param("a/b; n*00=x", "n", NULL);
	param("a/b; n=plain; n*=utf-8''ext", "n", "ext");
	param("a/b; name=\"unterminated", "name", "unterminated");
	param("a/b; =x; name", "name", NULL);
	report(mime_ct_parse(" (c) Text / HTML ; x=y", 21, t, sizeof(t), s,
	    sizeof(s)) == 0 && strcmp(t, "text") == 0 &&
	    strcmp(s, "html") == 0, "content type with comments and case");
	report(mime_ct_parse("text", 4, t, sizeof(t), s, sizeof(s)) == -1,
	    "content type without subtype is refused");
}

/* Random bytes changed, removed and repeated; random chunks. */
static void
test_mutations(const char *dir)
{
	static const char *const seeds[] = {
		"thunderbird-nss/browser-smime/nested-sigs.eml",
		"bouncycastle/multi-alternative.eml",
		"simple-java-mail/test-messages/#486 TestValidSignedMimeMessage.eml",
	};
	static const char alphabet[] = "-\r\n: ;=\"\tab";
	struct result r;
	char path[1024], *s, *m;
	size_t len, mlen, i, k, pos;
	int iter, good = 1;

	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		snprintf(path, sizeof(path), "%s/corpus/%s", dir, seeds[i]);
		s = slurp(path, &len);
		if (s == NULL) {
			report(0, "mutations: cannot read %s", seeds[i]);
			continue;
		}
		m = xmalloc(len * 2 + 64);
		for (iter = 0; iter < 300; iter++) {
			memcpy(m, s, len);
			mlen = len;
			for (k = 0; k < 1 + (size_t)rand() % 20; k++) {
				pos = (size_t)rand() % mlen;
				if (rand() % 3 == 0 && mlen > 1) {
					memmove(m + pos, m + pos + 1,
					    mlen - pos - 1);
					mlen--;
				} else if (rand() % 2 == 0 && mlen < len * 2)
				{
					memmove(m + pos + 1, m + pos,
					    mlen - pos);
					mlen++;
					m[pos] = alphabet[rand() %
					    (sizeof(alphabet) - 1)];
				} else
					m[pos] = (char)rand();
			}
			parse(m, mlen, 0, &r);
			if (r.data.len != mlen || memcmp(r.data.p, m, mlen) ||
			    r.bad_offset)
				good = 0;
			result_free(&r);
		}
		free(m);
		free(s);
	}
	report(good, "mutations: 900 damaged messages round-trip exactly");
}

/* The bytes of the top multipart's first part, what a detached signature
 * covers: the events of part 1 and of what is inside it (the top's
 * delimiters are the top's, at depth 0). */
static void
collect_first(void *arg, const struct mime_event *ev)
{
	struct buf *b = arg;
	const struct mime_part *q = ev->part;

	while (q != NULL && q->depth > 1)
		q = q->parent;
	if (q != NULL && q->depth == 1 && q->index == 1 && ev->len > 0)
		buf_add(b, ev->data, ev->len);
}

/* The line end before a delimiter is the delimiter's wherever it is:
 * after a field, as a header's empty line, after a close delimiter. */
static void
first_part(const char *what, const char *body, const char *want)
{
	static const size_t chunks[] = { 65536, 1, 2, 3 };
	char msg[1024];
	size_t c, len;
	int good = 1;

	len = (size_t)snprintf(msg, sizeof(msg), "Content-Type: multipart/"
	    "signed; boundary=B\r\n\r\n--B\r\n%s\r\n--B\r\n"
	    "Content-Type: text/plain\r\n\r\nsig\r\n--B--\r\n", body);
	for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		struct buf f = { 0 };
		struct mime_parser *p = mime_parser_new(collect_first, &f);
		size_t off, k;

		for (off = 0; off < len; off += k) {
			k = len - off < chunks[c] ? len - off : chunks[c];
			mime_parser_feed(p, msg + off, k);
		}
		mime_parser_finish(p);
		mime_parser_free(p);
		if (strcmp(f.p != NULL ? f.p : "", want) != 0) {
			if (good)
				printf("# %s: got \"%s\"\n", what,
				    f.p != NULL ? f.p : "");
			good = 0;
		}
		free(f.p);
	}
	report(good, "first part: %s", what);
}

static void
test_first_part(void)
{
	first_part("a body", "X: y\r\n\r\nbody", "X: y\r\n\r\nbody");
	first_part("an empty body", "X: y\r\n\r\n", "X: y\r\n\r\n");
	first_part("a field, no empty line", "X: y", "X: y");
	first_part("a folded field, no empty line", "X: y\r\n z", "X: y\r\n z");
	first_part("fields, then the empty line", "X: y\r\nZ: w\r\n",
	    "X: y\r\nZ: w\r\n");
	first_part("nothing at all", "", "");
	first_part("an empty line only", "\r\n", "\r\n");
	first_part("a multipart, close delimiter last",
	    "Content-Type: multipart/mixed; boundary=in\r\n\r\n--in\r\n"
	    "\r\nx\r\n--in--",
	    "Content-Type: multipart/mixed; boundary=in\r\n\r\n--in\r\n"
	    "\r\nx\r\n--in--");
	first_part("a multipart, close delimiter and its line end",
	    "Content-Type: multipart/mixed; boundary=in\r\n\r\n--in\r\n"
	    "\r\nx\r\n--in--\r\n",
	    "Content-Type: multipart/mixed; boundary=in\r\n\r\n--in\r\n"
	    "\r\nx\r\n--in--\r\n");
	first_part("a multipart, an epilogue",
	    "Content-Type: multipart/mixed; boundary=in\r\n\r\n--in\r\n"
	    "\r\nx\r\n--in--\r\nepi",
	    "Content-Type: multipart/mixed; boundary=in\r\n\r\n--in\r\n"
	    "\r\nx\r\n--in--\r\nepi");
	first_part("a message/rfc822 of one field",
	    "Content-Type: message/rfc822\r\n\r\nSubject: x",
	    "Content-Type: message/rfc822\r\n\r\nSubject: x");
	first_part("an empty message/rfc822",
	    "Content-Type: message/rfc822\r\n\r\n",
	    "Content-Type: message/rfc822\r\n\r\n");
	first_part("an inner part of one field",
	    "Content-Type: multipart/mixed; boundary=in\r\n\r\n--in\r\n"
	    "X: y\r\n--in--",
	    "Content-Type: multipart/mixed; boundary=in\r\n\r\n--in\r\n"
	    "X: y\r\n--in--");
	first_part("a field and a line like a delimiter",
	    "X: y\r\n--Bx", "X: y\r\n--Bx");
}

int
main(void)
{
	const char *dir = getenv("SMIME_TESTDATA");

	if (dir == NULL)
		dir = "testdata";
	srand(20261123);
	test_corpus(dir);
	test_shapes();
	test_first_part();
	test_params();
	test_mutations(dir);
	return tap_done();
}
