/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * hcp: the sending side of RFC 9788 header protection, for smime-sign
 * and smime-encrypt.  Pure: header fields in, buffers out, no I/O.
 *
 * The caller hands every top-level header field but Content-* to
 * hcp_add(), whole (folds and line end included), in order.  hcp keeps
 *  - inner: the fields copied into the Cryptographic Payload (Injected
 *    Headers, RFC 9788 2.2): every non-structural field but Bcc, trace
 *    and transport fields, and our own fields (hcp_copied());
 *  - outer: every field as the outside carries it under the policy
 *    (the Header Confidentiality Policy, RFC 9788 3.2), in order;
 *  - hidden: the outside's version of the fields the policy changed or
 *    dropped (what smime-encrypt writes in place of the removed ones);
 *  - hpouter: one "HP-Outer: Name: value" field per copied field that
 *    the outside still carries, with the outside's value (RFC 9788 2.2.1),
 *    with a policy only;
 *  - lde: the lines of the Legacy Display Element (RFC 9788 2.1.2,
 *    4.5.3): "Name: value" of each user-facing field the policy hid, in
 *    CRLF, then an empty line; empty when nothing was hidden.
 * A user-facing field given twice (names compared without regard to
 * case) sets `dup`: which one would a reader show?
 *
 * The list of user-facing fields is kept here; the receiving side keeps
 * its own in hp.c (to be one list).
 */
#ifndef SMIMETOOLS_HCP_H
#define SMIMETOOLS_HCP_H

#include <stddef.h>

#include "buf.h"
#include "mime_cte.h"

/* HCP_OFF: no --protect-headers (smime-sign: hp="clear", copies only). */
enum hcp_policy { HCP_OFF, HCP_BASELINE, HCP_SHY, HCP_NO_CONF };

/* The names --protect-headers takes, in enum order from HCP_BASELINE. */
extern const char *const hcp_names[];

struct hcp {
	enum hcp_policy pol;
	struct buf inner, outer, hidden, hpouter, lde;
	unsigned seen;		/* user-facing fields seen, a bit each */
	const char *dup;	/* the first one given twice, or NULL */
};

void hcp_init(struct hcp *h, enum hcp_policy pol);
/* One whole top-level field (not Content-*). */
void hcp_add(struct hcp *h, const char *field, size_t len);
void hcp_release(struct hcp *h);

/* Is the field copied into the payload? */
int hcp_copied(const char *field, size_t len);
/* May the policy change or drop this field outside (by its name)? */
int hcp_hides(enum hcp_policy pol, const char *field, size_t len);

/*
 * An RFC 5322 date-time (the value of Date) as the same instant in UTC,
 * "Mon, 02 Jan 2006 15:04:05 +0000", into out (at least 32 bytes);
 * 0, or -1 if the value is not a date-time this reads.
 */
int hcp_date_utc(const char *v, size_t len, char *out, size_t outsz);

/*
 * A Content-Type field (raw, line end included or not) with one more
 * parameter: its line end is taken off and ";" CRLF TAB param CRLF
 * added.
 */
void hcp_ct_param(struct buf *ct, const char *param);

/*
 * The Legacy Display Element written into a text part's body, by the
 * part's transfer encoding: as it is (7bit, 8bit, binary), encoded
 * (quoted-printable), or the body decoded and encoded again with the
 * element first (base64).  Any other encoding takes none: hcp_lde_how()
 * says so.
 */
enum hcp_lde_how { HCP_LDE_NONE, HCP_LDE_RAW, HCP_LDE_QP, HCP_LDE_B64 };
enum hcp_lde_how hcp_lde_how(const char *cte);

struct mime_part;
/* Can this entity take the element: a text/plain leaf outside any
 * message/rfc822, of an encoding above, without one already?  The first
 * such part (at its MIME_EV_HEADER_END) is the one that gets it. */
int hcp_lde_target(const struct mime_part *part);
/* Does the element hold 8-bit bytes (a 7bit part must be re-encoded)? */
int hcp_lde_8bit(const struct buf *lde);

typedef void (*hcp_put)(void *arg, const char *p, size_t n);

struct hcp_lde {
	enum hcp_lde_how how;
	hcp_put put;
	void *arg;
	/* HCP_LDE_B64 */
	struct b64dec dec;
	struct b64enc enc;
};

/* Starts the part's body: writes the element (base64: into the encoder). */
void hcp_lde_begin(struct hcp_lde *l, const char *cte, const struct buf *lde,
    hcp_put put, void *arg);
/* The part's body as received. */
void hcp_lde_body(struct hcp_lde *l, const char *p, size_t n);
/* The part's end. */
void hcp_lde_end(struct hcp_lde *l);

#endif
