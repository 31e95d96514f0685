/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * hcp_test: which fields are copied, what each policy leaves outside,
 * HP-Outer, the Legacy Display Element, dates in UTC, duplicates.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hcp.h"
#include "hp.h"
#include "tap.h"

static int
buf_is(const struct buf *b, const char *want)
{
	return b->n == strlen(want) && memcmp(b->p, want, b->n) == 0;
}

static void
copied(const char *field, int want)
{
	tap_ok(hcp_copied(field, strlen(field)) == want, "%s: [%s]",
	    want ? "copied" : "not copied", field);
}

static void
date(const char *in, const char *want)
{
	char out[64];
	int rc = hcp_date_utc(in, strlen(in), out, sizeof(out));

	tap_ok(want == NULL ? rc == -1 : rc == 0 && strcmp(out, want) == 0,
	    "date [%s] -> %s", in, want == NULL ? "(none)" : want);
}

/* A header run through a policy. */
static void
run(struct hcp *h, enum hcp_policy pol, const char *const *fields)
{
	hcp_init(h, pol);
	for (; *fields != NULL; fields++)
		hcp_add(h, *fields, strlen(*fields));
}

static const char *const header[] = {
	"Received: from x by y\n",
	"From: Alice Example <Alice@Example.com>\n",
	"To: bob@example.org\n",
	"Subject: the Jones\n contract\n",
	"Date: Wed, 11 Jan 2023 16:08:43 -0500\n",
	"Keywords: secret\n",
	"Bcc: carol@example.net\n",
	"MIME-Version: 1.0\n",
	"Message-ID: <1@example.com>\n",
	NULL
};

static void
policies(void)
{
	struct hcp h;

	run(&h, HCP_OFF, header);
	tap_ok(buf_is(&h.inner, "From: Alice Example <Alice@Example.com>\n"
	    "To: bob@example.org\nSubject: the Jones\n contract\n"
	    "Date: Wed, 11 Jan 2023 16:08:43 -0500\nKeywords: secret\n"
	    "Message-ID: <1@example.com>\n"),
	    "off: copies all but Received, Bcc, MIME-Version");
	tap_ok(h.outer.n == 0 ? 0 : strstr(h.outer.p, "Subject: the Jones") !=
	    NULL && h.hpouter.n == 0 && h.lde.n == 0 && h.hidden.n == 0,
	    "off: outside unchanged, no HP-Outer, no LDE");
	hcp_release(&h);

	run(&h, HCP_BASELINE, header);
	buf_add(&h.outer, "", 1);
	tap_ok(strstr(h.outer.p, "Subject: [...]\n") != NULL &&
	    strstr(h.outer.p, "Keywords") == NULL &&
	    strstr(h.outer.p, "From: Alice Example <Alice@Example.com>\n")
	    != NULL, "baseline: Subject [...], no Keywords, From kept");
	tap_ok(buf_is(&h.hidden, "Subject: [...]\n"), "baseline: hidden");
	tap_ok(buf_is(&h.hpouter,
	    "HP-Outer: From: Alice Example <Alice@Example.com>\n"
	    "HP-Outer: To: bob@example.org\n"
	    "HP-Outer: Subject: [...]\n"
	    "HP-Outer: Date: Wed, 11 Jan 2023 16:08:43 -0500\n"
	    "HP-Outer: Message-ID: <1@example.com>\n"),
	    "baseline: HP-Outer of each copied field left outside");
	tap_ok(buf_is(&h.lde, "Subject: the Jones contract\r\n\r\n"),
	    "baseline: LDE has the Subject, unfolded");
	hcp_release(&h);

	run(&h, HCP_SHY, header);
	buf_add(&h.outer, "", 1);
	tap_ok(strstr(h.outer.p, "From: <Alice@Example.com>\n") != NULL,
	    "shy: From without display name, address as written");
	tap_ok(strstr(h.outer.p, "Date: Wed, 11 Jan 2023 21:08:43 +0000\n")
	    != NULL, "shy: Date in UTC");
	tap_ok(buf_is(&h.lde, "From: Alice Example <Alice@Example.com>\r\n"
	    "Subject: the Jones contract\r\n"
	    "Date: Wed, 11 Jan 2023 16:08:43 -0500\r\n\r\n"),
	    "shy: LDE lists From, Subject, Date in header order");
	hcp_release(&h);

	run(&h, HCP_NO_CONF, header);
	tap_ok(h.lde.n == 0 && h.hidden.n == 0 && h.hpouter.n > 0 &&
	    strstr(h.hpouter.p, "HP-Outer: Subject: the Jones\n contract\n")
	    != NULL, "no_confidentiality: HP-Outer, nothing hidden");
	hcp_release(&h);
}

static void
dups(void)
{
	static const char *const twice[] = {
		"To: a@example.com\n", "Subject: x\n", "tO : b@example.com\n",
		NULL
	};
	static const char *const once[] = {
		"To: a@example.com\n", "X-To: b\n", "Resent-To: c\n", NULL
	};
	struct hcp h;

	run(&h, HCP_OFF, twice);
	tap_ok(h.dup != NULL && strcmp(h.dup, "To") == 0, "To twice: dup");
	hcp_release(&h);
	run(&h, HCP_OFF, once);
	tap_ok(h.dup == NULL, "To once: no dup");
	hcp_release(&h);
}

static void
ct(void)
{
	struct buf b = { 0 };

	buf_puts(&b, "Content-Type: text/plain; charset=utf-8\r\n");
	hcp_ct_param(&b, "hp=\"clear\"");
	tap_ok(buf_is(&b, "Content-Type: text/plain; charset=utf-8;\r\n"
	    "\thp=\"clear\"\r\n"), "Content-Type gets hp");
	b.n = 0;
	buf_puts(&b, "Content-Type: text/plain;\n");
	hcp_ct_param(&b, "hp=\"cipher\"");
	tap_ok(buf_is(&b, "Content-Type: text/plain;\r\n\thp=\"cipher\"\r\n"),
	    "a trailing ';' is not doubled");
	buf_free(&b);
}

static void
put_buf(void *arg, const char *p, size_t n)
{
	buf_add(arg, p, n);
}

static void
lde(void)
{
	struct buf text = { 0 }, out = { 0 };
	struct hcp_lde l;

	buf_puts(&text, "Subject: caf\xc3\xa9\r\n\r\n");
	hcp_lde_begin(&l, "base64", &text, put_buf, &out);
	hcp_lde_body(&l, "aGVs", 4);
	hcp_lde_body(&l, "bG8K\r\n", 6);
	hcp_lde_end(&l);
	tap_ok(buf_is(&out, "U3ViamVjdDogY2Fmw6kNCg0KaGVsbG8K\r\n"),
	    "base64: decoded and encoded again, LDE first");
	out.n = 0;
	hcp_lde_begin(&l, "quoted-printable", &text, put_buf, &out);
	hcp_lde_body(&l, "hell=C3=A9\r\n", 12);
	hcp_lde_end(&l);
	tap_ok(buf_is(&out, "Subject: caf=C3=A9\r\n\r\nhell=C3=A9\r\n"),
	    "quoted-printable: LDE encoded, body as it is");
	out.n = 0;
	hcp_lde_begin(&l, "7bit", &text, put_buf, &out);
	hcp_lde_body(&l, "x\n", 2);
	tap_ok(buf_is(&out, "Subject: caf\xc3\xa9\r\n\r\nx\n"), "7bit: raw");
	tap_ok(hcp_lde_how("x-uuencode") == HCP_LDE_NONE,
	    "other encodings: none");
	buf_free(&text);
	buf_free(&out);
}

int
main(void)
{
	copied("Subject: x\n", 1);
	copied("X-Mailer: y\n", 1);
	copied("Content-Type: text/plain\n", 0);
	copied("MIME-Version: 1.0\n", 0);
	copied("bcc: a@example.com\n", 0);
	copied("Received: from a\n", 0);
	copied("Return-Path: <a@example.com>\n", 0);
	copied("Delivered-To: a@example.com\n", 0);
	copied("X-Original-To: a@example.com\n", 0);
	copied("Resent-From: a@example.com\n", 0);
	copied("DKIM-Signature: v=1\n", 0);
	copied("ARC-Seal: i=1\n", 0);
	copied("Authentication-Results: x; smime=pass\n", 0);
	copied("SMIME-Decrypt: pass\n", 0);
	copied("SMIME-Encrypt: no\n", 0);
	copied("HP-Outer: Subject: x\n", 0);
	tap_ok(hp_index("message-id: <a@b>\n", 18) == 6,
	    "Message-ID is user-facing in any case");
	date("Wed, 11 Jan 2023 16:08:43 -0500", "Wed, 11 Jan 2023 21:08:43 +0000");
	date("1 Jan 2024 00:30 +0100", "Sun, 31 Dec 2023 23:30:00 +0000");
	date(" Thu, 13 Feb 69 23:32:54 -0330 (Newfoundland)",
	    "Fri, 14 Feb 1969 03:02:54 +0000");
	date("Mon, 2 Jan 2006 15:04:05 EST", "Mon, 02 Jan 2006 20:04:05 +0000");
	date("yesterday", NULL);
	date("Mon, 2 Foo 2006 15:04:05 +0000", NULL);
	policies();
	dups();
	ct();
	lde();
	return tap_done();
}
