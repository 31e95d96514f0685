/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * hdr: header fields, read and written for the filters.
 *
 * Recognising the fields we must remove (RFC 8601 5: a forged
 * Authentication-Results of our authserv-id, in any case, folding,
 * comments or quoting; the control field SMIME-Encrypt, also behind a
 * bare CR), reading the addresses of From, To and Cc (and the one From a
 * reader is shown), and building the field we add: folded at 78 columns,
 * every value taken from the message or a certificate quoted or dropped
 * so that no byte of it can end the field or start another.
 */
#ifndef SMIMETOOLS_HDR_H
#define SMIMETOOLS_HDR_H

#include <stddef.h>

#include "buf.h"

/* Is this raw field (name, colon, value, folds) an Authentication-Results
 * whose authserv-id is `id` (compared without regard to case and to a
 * trailing dot)? */
int hdr_is_ar_of(const char *field, size_t len, const char *id);

/* Is this raw field our control field SMIME-Encrypt (any case, white
 * space before the colon), or does it hide one after a bare CR, where
 * a reader that ends lines there (Python's email package) would see one
 * and a reply built by it carry it?  Inbound, it is the sender's, never
 * ours: the inbound filters remove it. */
int hdr_is_control(const char *field, size_t len);
/* Does the field hold a CR not followed by LF (readers disagree on
 * where it ends)? */
int hdr_bare_cr(const char *field, size_t len);
/* The longest value hdr_token_or_quoted() or hdr_comment() renders. */
#define HDR_VALUE_MAX	900

/* A field being built: "Name: item; item ..." folded as it grows. */
struct hdr_field {
	struct buf b;		/* the field so far, NUL-terminated */
	size_t col;		/* column of the end of the last line */
	const char *eol;
};

void hdr_field_init(struct hdr_field *f, const char *name, const char *eol);
/* Appends sep (e.g. ";" or "") then a space then item; folds before the
 * item if the line would pass 78 columns.  item must be safe already
 * (from hdr_token_or_quoted(), hdr_comment() or our own constants). */
void hdr_field_add(struct hdr_field *f, const char *sep, const char *item);
/* Ends the field with the line end; b holds the whole field. */
void hdr_field_end(struct hdr_field *f);
void hdr_field_release(struct hdr_field *f);

/*
 * Safe renderings of untrusted text (malloc'd, NUL-terminated).  Bytes
 * outside printable ASCII (controls, CR, LF, NUL, 8-bit) become '?':
 * header fields are ASCII (RFC 5322 2.2), and a CR or LF must never reach
 * one.  No "=?" is left in either (an RFC 2047 decoder would take it for
 * an encoded-word), and neither is longer than HDR_VALUE_MAX (cut, "..."
 * at the cut), so a line of ours stays under 998 octets.
 *  - hdr_token_or_quoted: s as is if it is an RFC 2045 token or a plain
 *    addr-spec (local@domain of atom characters, no "=?"), else a
 *    quoted-string with '"', '\' and a '?' after '=' escaped;
 *  - hdr_comment: "(s)" with '(', ')', '\' and a '?' after '=' escaped.
 */
char *hdr_token_or_quoted(const char *s, size_t len);
char *hdr_comment(const char *s, size_t len);

/*
 * The addresses of a From (or To, Cc) field value: RFC 5322 3.4 mailboxes
 * and groups, display names and comments skipped, angle brackets taken.
 * Writes the first address into out (NUL-terminated, lowercased) and
 * returns how many there are (0: none found).
 */
int hdr_addresses(const char *value, size_t len, char *out, size_t outsz);
/* The same, calling fn with each address (lowercased) in turn. */
int hdr_address_each(const char *value, size_t len,
    void (*fn)(void *arg, const char *addr), void *arg);

/*
 * The address of a From field value as a reader is shown it, or why
 * there is none that every reader agrees on.  HDR_FROM_ONE is one
 * mailbox of the plain shapes (an addr-spec, or a display name and an
 * angle-addr, comments and folding around them) whose display name and
 * comments, RFC 2047 encoded-words decoded, hold nothing that looks like
 * an address; the address (a dot-atom local part, a dot-atom domain) is
 * written into out, lowercased.  Anything a reader could take another
 * way is HDR_FROM_AMBIGUOUS: group syntax, a route, a quoted local part,
 * a comment inside the address, an '@', '<' or '>' (or a fullwidth one)
 * in a display name or comment, a control character, a bare line end.
 */
enum hdr_from {
	HDR_FROM_ONE, HDR_FROM_NONE, HDR_FROM_SEVERAL, HDR_FROM_AMBIGUOUS
};
enum hdr_from hdr_from(const char *value, size_t len, char *out,
    size_t outsz);

#endif
