/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * filter: the driver smime-verify, smime-decrypt and smime-encrypt share
 * (smime-sign parses its input twice and has its own, sign.c).
 *
 * It opens input and output, parses the message as it reads it, removes
 * the top-level header fields the command says to remove, and keeps the
 * rest in a private spool (a regular file is read a second time instead),
 * because the result header goes at the top of the header and the result
 * is known only at the end.  Then it asks the command for its result,
 * writes the mbox From line (if any), the result header and the message,
 * or the outer header and the entity that replaces the Content-* fields
 * and body (unwrapped, decrypted, encrypted), flushes and checks the
 * output, renames -o into place, appends to --report, and returns the
 * exit class.
 *
 * The commands differ only in their ops: which fields to drop, what to
 * watch in the event stream, and what to conclude.
 */
#ifndef SMIMETOOLS_FILTER_H
#define SMIMETOOLS_FILTER_H

#include "err.h"
#include "hdr.h"
#include "hp.h"
#include "mime.h"
#include "opts.h"

struct filter;

struct filter_result {
	struct hdr_field field;	/* put at the top; empty: none */
	const char *result;	/* for --report: "none", "pass", ... */
	char *comment;		/* for --report, or NULL; freed by filter */
	int negative;		/* exit 1 under --strict (and verify -q) */
	int no_output;		/* write nothing to stdout (verify -q) */
	/* Unwrapping: a file holding an entity (its Content-* fields and
	 * body) that replaces the root's Content-* fields and body; -1 for
	 * none.  crlf: it is in CRLF and goes out in the output's ends. */
	int body_fd;
	int body_crlf;
	/* Header protection: the scheme for --report's "hp" (NULL: none
	 * said), and whether the Legacy Display Element leaves body_fd (it
	 * is under no signature in the output). */
	const char *hp;
	int strip_lde;
};

struct filter_ops {
	const char *name;	/* in --report */
	/* A top-level header field (raw, folds included): remove it? */
	int (*drop_field)(void *ctx, const char *field, size_t len);
	/* Every event, after the driver has seen it; may be NULL. */
	void (*event)(void *ctx, struct filter *f, const struct mime_event *ev);
	/* The end: fill in the result. */
	void (*finish)(void *ctx, struct filter *f, struct filter_result *res);
};

/*
 * Runs the filter over o->in / o->out (o: also the line ends, --report,
 * --strict); returns the exit class.  The command has loaded whatever it
 * trusts into ctx before: this is where the input is first read.
 */
enum err_class filter_main(const struct filter_ops *ops, void *ctx,
    const struct opts *o);

/* --report: appends {"tool":..., "result":..., "comment":...} as one
 * line; for commands that do not run through filter_main (smime-sign). */
void filter_report(const struct opts *o, const char *tool,
    const char *result, const char *comment);

/*
 * For ops, in finish: the payload's protected header (hp_claimed) takes
 * the place of the outer user-facing fields in the output.  An outer
 * field stays where it is if it is the only one of its name and says
 * what its protected copy says (a pass-through stays byte-exact); the
 * other outer fields of those names are left out, and the protected ones
 * are written after the outer header.  Under "v1" an outer field without
 * a protected copy stays; under the other schemes it goes, the payload's
 * header being the whole of what the author said.  Appends to notes the
 * outer fields that differ from their protected copy (or, for "cipher",
 * from their HP-Outer record).  hp must live until filter_main returns.
 * Returns -1, promoting nothing, when the header has more such fields
 * than are tracked.
 */
int filter_promote(struct filter *f, const struct hp *hp, struct buf *notes);

/* For ops, at the end of the top-level header: the command will give a
 * body_fd, so the driver need not keep the body. */
void filter_body_replaced(struct filter *f);
/* For ops, at the end of the top-level header, when the command will
 * replace the Content-* fields and body and writes no result field
 * (smime-encrypt): if the output can be taken back on failure
 * (io_out_direct), writes the mbox From line and the header less its
 * Content-* fields now, and returns the writer for the entity, which is
 * given in CRLF and goes out in the output's line ends; else NULL, and
 * the entity comes as body_fd at the end. */
struct io_wr *filter_out_now(struct filter *f);
/* For ops: the line end our fields use (the output's). */
const char *filter_eol(const struct filter *f);
/* The input is a bare CMS object (DER, PEM or base64), not a message. */
int filter_bare_cms(const struct filter *f);
/* The root entity's flags, as of the last event. */
unsigned filter_root_flags(const struct filter *f);

#endif
