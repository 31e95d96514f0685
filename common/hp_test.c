/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * hp_test: what a payload claims, which fields it brings, what is
 * refused, and where its Legacy Display Element is, for payloads fed
 * whole and one byte at a time.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hp.h"
#include "tap.h"

static void
cb(void *arg, const struct mime_event *ev)
{
	hp_event(arg, ev);
}

/* Parses s in pieces of step bytes (0: whole). */
static void
parse(struct hp *hp, unsigned flags, const char *s, size_t step)
{
	struct mime_parser *p = mime_parser_new(cb, hp);
	size_t n = strlen(s), i, k;

	hp_init(hp, flags);
	for (i = 0; i < n; i += k) {
		k = step == 0 || n - i < step ? n - i : step;
		mime_parser_feed(p, s + i, k);
	}
	mime_parser_finish(p);
	mime_parser_free(p);
}

static int
field_is(const struct hp *hp, int i, const char *want)
{
	return hp->has[i] && hp->field[i].n == strlen(want) &&
	    memcmp(hp->field[i].p, want, hp->field[i].n) == 0;
}

/* The claim of s, fed whole and byte by byte alike. */
static void
claims(const char *s, unsigned flags, enum hp_scheme want, int refused,
    const char *what)
{
	struct hp a, b;

	parse(&a, flags, s, 0);
	parse(&b, flags, s, 1);
	tap_ok(a.scheme == want && b.scheme == want &&
	    (a.refused != NULL) == refused && (b.refused != NULL) == refused,
	    "%s: %s%s%s", what, hp_scheme_name(a.scheme),
	    a.refused != NULL ? ", refused: " : "",
	    a.refused != NULL ? a.refused : "");
	hp_free(&a);
	hp_free(&b);
}

static int
memfd(const char *s)
{
	int fd = memfd_create("hp_test", 0);

	if (fd == -1 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		abort();
	return fd;
}

static void
lde(const char *s, enum hp_scheme sc, const char *left, const char *what)
{
	int fd = memfd(s);
	uint64_t a, b;
	int r = hp_lde(fd, sc, &a, &b);
	char out[4096];
	size_t n;

	if (r == 0) {
		n = (size_t)a;
		memcpy(out, s, n);
		strcpy(out + n, s + b);
	} else
		strcpy(out, s);
	tap_ok(strcmp(out, left) == 0, "%s", what);
	if (strcmp(out, left) != 0)
		printf("# got:\n%s\n", out);
	close(fd);
}

int
main(void)
{
	struct hp hp;
	const char *cipher =
	    "Content-Type: text/plain; charset=utf-8; hp=\"cipher\"\r\n"
	    "Subject: The real one\r\n"
	    "From: Alice <alice@example.com>\r\n"
	    "To: bob@example.org,\r\n carol@example.org\r\n"
	    "HP-Outer: Subject: [...]\r\n"
	    "HP-Outer: From: alice@example.com\r\n"
	    "X-Other: kept out\r\n"
	    "\r\n"
	    "body\r\n";

	parse(&hp, 0, cipher, 0);
	tap_ok(hp_claimed(&hp) && hp.scheme == HP_CIPHER, "hp=cipher");
	tap_ok(field_is(&hp, 0, "Subject: The real one\r\n") &&
	    field_is(&hp, 2, "To: bob@example.org,\r\n carol@example.org\r\n"),
	    "protected fields kept raw, folds included");
	tap_ok(hp.has_outer[0] && hp_value_eq(hp.outer[0].p, hp.outer[0].n,
	    " [...]", 6) && hp.has_outer[1] && !hp.has_outer[2],
	    "HP-Outer records by name");
	hp_free(&hp);

	claims("Content-Type: text/plain; hp=clear\n\nx\n", 0, HP_CLEAR, 0,
	    "hp=clear, token");
	claims("Content-Type: text/plain; protected-headers=\"v1\"\n"
	    "Subject: s\n\nx\n", 0, HP_V1, 0, "protected-headers=v1");
	claims("Content-Type: text/plain; hp=\"other\"\n\nx\n", 0, HP_NONE, 0,
	    "an unknown hp value claims nothing");
	claims("Content-Type: text/plain\nSubject: s\n\nx\n", 0, HP_NONE, 0,
	    "no label, no claim");
	claims("Content-Type: text/plain; hp=clear; hp=cipher\n\nx\n", 0,
	    HP_CLEAR, 1, "hp given twice: refused");
	claims("Content-Type: text/plain; hp*=''clear; hp=cipher\n\nx\n", 0,
	    HP_CLEAR, 1, "hp in RFC 2231 form beside plain: refused");
	claims("Content-Type: text/plain; hp=clear; protected-headers=v1\n\n"
	    "x\n", 0, HP_CLEAR, 1, "hp beside protected-headers: refused");
	claims("Content-Type: text/plain; hp=clear\nSubject: a\nsubject: b\n"
	    "\nx\n", 0, HP_CLEAR, 1, "a protected field twice: refused");
	claims("Content-Type: message/rfc822\n\nFrom: a@example.com\n"
	    "Subject: s\n\nbody\n", 0, HP_WRAPPED, 0, "wrapped message");
	claims("Content-Type: multipart/signed; boundary=b;"
	    " protocol=\"application/pkcs7-signature\"\n\n--b\n"
	    "Content-Type: text/plain; hp=\"clear\"\nSubject: s\n\nx\n--b\n"
	    "Content-Type: application/pkcs7-signature\n\nAA==\n--b--\n",
	    HP_LOOK_SIGNED, HP_CLEAR, 0, "the signed part's claim, asked");
	claims("Content-Type: multipart/signed; boundary=b;"
	    " protocol=\"application/pkcs7-signature\"\n\n--b\n"
	    "Content-Type: text/plain; hp=\"clear\"\nSubject: s\n\nx\n--b\n"
	    "Content-Type: application/pkcs7-signature\n\nAA==\n--b--\n",
	    0, HP_NONE, 0, "the signed part's claim, not asked");
	claims("Content-Type: multipart/mixed; boundary=b\n\n--b\n"
	    "Content-Type: text/plain; hp=\"cipher\"\nSubject: s\n\nx\n"
	    "--b--\n", HP_LOOK_SIGNED, HP_NONE, 0,
	    "a subpart of an unlabelled payload claims nothing");

	claims("Content-Type: text/plain; hp=\"Clear\"\n\nx\n", 0, HP_CLEAR,
	    1, "hp in another case: refused");
	claims("Content-Type: text/plain; hp*=''clear%00x\n\nx\n", 0,
	    HP_CLEAR, 1, "hp up to a NUL: refused");
	claims("Content-Type: message/rfc822; protected-headers=\"v1\"\n"
	    "Subject: s\n\nFrom: a@example.com\n\nx\n", 0, HP_CLEAR, 1,
	    "a label on a wrapped message: refused");
	claims("Content-Type: message/rfc822; hp=\"clear\"\n"
	    "From: a@example.com\n\nFrom: b@example.com\n\nx\n", 0, HP_CLEAR,
	    1, "hp on a wrapped message: refused");
	{
		/* a field over HP_MAX in an unlabelled signed part */
		size_t n = 3 * HP_MAX;
		char *m = malloc(n + 400), *p = m;

		p += sprintf(p, "Content-Type: multipart/signed; boundary=b; "
		    "protocol=\"application/pkcs7-signature\"\n\n--b\n"
		    "Subject: ");
		memset(p, 'x', n);
		p += n;
		strcpy(p, "\nContent-Type: text/plain\n\nx\n--b--\n");
		parse(&hp, HP_LOOK_SIGNED, m, 0);
		tap_ok(hp.scheme == HP_NONE && hp.refused == NULL,
		    "no claim: nothing refused, however large the part");
		hp_free(&hp);
		free(m);
	}

	parse(&hp, 0, "Content-Type: text/plain; hp=clear\n"
	    "Subject: bare\rCR\nFrom: a@example.com\n\nx\n", 0);
	tap_ok(hp_claimed(&hp) && !hp.has[0] && hp.has[1],
	    "a protected field holding a bare CR is not kept");
	hp_free(&hp);

	tap_ok(hp_value_eq(" a  b\r\n c", 9, "a b c", 5) &&
	    !hp_value_eq("ab", 2, "a b", 3) && !hp_value_eq("a", 1, "a b", 3) &&
	    hp_value_eq("", 0, " \r\n", 3),
	    "values compare with white space runs as one");

	lde("Content-Type: text/plain; hp-legacy-display=\"1\"\r\n\r\n"
	    "Subject: real\r\n\r\nHello\r\n", HP_CIPHER,
	    "Content-Type: text/plain; hp-legacy-display=\"1\"\r\n\r\n"
	    "Hello\r\n", "LDE at the top of a text/plain payload");
	lde("Content-Type: multipart/alternative; boundary=b\n\n--b\n"
	    "Content-Type: text/plain; hp-legacy-display=1\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n"
	    "Subject: real=20one\nCc: x@example.com\n\nHello\n--b\n"
	    "Content-Type: text/html\n\n<p>Hello</p>\n--b--\n", HP_CIPHER,
	    "Content-Type: multipart/alternative; boundary=b\n\n--b\n"
	    "Content-Type: text/plain; hp-legacy-display=1\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n"
	    "Hello\n--b\n"
	    "Content-Type: text/html\n\n<p>Hello</p>\n--b--\n",
	    "LDE in a QP part of a multipart");
	lde("Content-Type: text/plain; hp-legacy-display=1\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n"
	    "Subject: Real=0A=0AI approve.\nMore\n\nRest\n", HP_CIPHER,
	    "Content-Type: text/plain; hp-legacy-display=1\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n"
	    "Subject: Real=0A=0AI approve.\nMore\n\nRest\n",
	    "QP: an encoded line break in the paragraph, nothing removed");
	lde("Content-Type: text/plain; hp-legacy-display=1\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n"
	    "Subject: Real=\n\nRest\n", HP_CIPHER,
	    "Content-Type: text/plain; hp-legacy-display=1\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n"
	    "Subject: Real=\n\nRest\n",
	    "QP: a soft break before the empty line, nothing removed");
	lde("Content-Type: multipart/mixed; boundary=a\n\n--a\n"
	    "Content-Type: multipart/signed; boundary=b; "
	    "protocol=\"application/pkcs7-signature\"\n\n--b\n"
	    "Content-Type: text/plain; hp-legacy-display=1\n\n"
	    "Subject: s\n\nHi\n--b--\n--a--\n", HP_CIPHER,
	    "Content-Type: multipart/mixed; boundary=a\n\n--a\n"
	    "Content-Type: multipart/signed; boundary=b; "
	    "protocol=\"application/pkcs7-signature\"\n\n--b\n"
	    "Content-Type: text/plain; hp-legacy-display=1\n\n"
	    "Subject: s\n\nHi\n--b--\n--a--\n",
	    "an LDE under a nested signature stays");
	lde("Content-Type: text/plain; hp-legacy-display=1\n"
	    "Content-Transfer-Encoding: base64\n\nU3ViamVjdDogcgoKSGkK\n",
	    HP_CIPHER,
	    "Content-Type: text/plain; hp-legacy-display=1\n"
	    "Content-Transfer-Encoding: base64\n\nU3ViamVjdDogcgoKSGkK\n",
	    "a base64 LDE is left");
	lde("Content-Type: text/plain\n\nSubject: x\n\nHi\n", HP_CIPHER,
	    "Content-Type: text/plain\n\nSubject: x\n\nHi\n",
	    "no label, nothing removed");
	lde("Content-Type: text/plain; hp-legacy-display=1\n\n"
	    "Dear Bob,\n\nHi\n", HP_CIPHER,
	    "Content-Type: text/plain; hp-legacy-display=1\n\n"
	    "Dear Bob,\n\nHi\n",
	    "a first paragraph that is no header is left");
	lde("Content-Type: multipart/mixed; boundary=\"6ae\"; "
	    "protected-headers=\"v1\"\n\n--6ae\n"
	    "content-type: text/plain; protected-headers=\"v1\"\n"
	    "Content-Disposition: inline\n\nSubject: s\n\n--6ae\n"
	    "Content-Type: text/plain\n\nHi\n--6ae--\n", HP_V1,
	    "Content-Type: multipart/mixed; boundary=\"6ae\"; "
	    "protected-headers=\"v1\"\n\n"
	    "\n--6ae\nContent-Type: text/plain\n\nHi\n--6ae--\n",
	    "v1 legacy display part removed with its delimiter");
	lde("Content-Type: multipart/mixed; boundary=b; "
	    "protected-headers=v1\n\n--b\nContent-Type: text/plain\n\n"
	    "Subject: s\n\n--b\nContent-Type: text/plain\n\nHi\n--b--\n",
	    HP_V1,
	    "Content-Type: multipart/mixed; boundary=b; "
	    "protected-headers=v1\n\n--b\nContent-Type: text/plain\n\n"
	    "Subject: s\n\n--b\nContent-Type: text/plain\n\nHi\n--b--\n",
	    "v1: an unlabelled first part is content");
	return tap_done();
}
