/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * hp: header protection as a receiver reads it (RFC 9788; the older
 * protected-headers="v1" of draft-autocrypt-lamps-protected-headers; the
 * message/rfc822 wrapping of RFC 8551 3.1).
 *
 * Given the events of a Cryptographic Payload (a decrypted entity, or a
 * signed content), it learns whether the payload claims to carry the
 * message's header, under which scheme, and the protected values of the
 * user-facing fields (and, for hp="cipher", the HP-Outer records of what
 * the sender left outside).  Only the payload's own Content-Type may make
 * the claim: the caller feeds nothing but a part inside a cryptographic
 * layer.  Written by hand because no library reads RFC 9788.
 *
 * Memory is bounded: only the user-facing fields and HP-Outer are kept,
 * HP_MAX bytes in all; a payload that brings more, or a user-facing field
 * twice, is refused (`refused` says why) and nothing is promoted.
 */
#ifndef SMIMETOOLS_HP_H
#define SMIMETOOLS_HP_H

#include <stdint.h>

#include "buf.h"
#include "mime.h"

#define HP_NFIELDS	9
#define HP_MAX		(64 * 1024)

enum hp_scheme { HP_NONE, HP_CIPHER, HP_CLEAR, HP_V1, HP_WRAPPED };

/* HP_LOOK_SIGNED: a multipart/signed payload's signed part may make the
 * claim (smime-decrypt of sign-then-encrypt). */
#define HP_LOOK_SIGNED	1

struct hp {
	enum hp_scheme scheme;	/* HP_NONE: no claim, or refused */
	const char *refused;	/* a claim seen and not honoured: why */
	int nested;		/* the claim is the signed part's, not the
				   payload's own */
	int signed_root;	/* the payload is a signed entity */
	struct buf field[HP_NFIELDS];	/* raw, folds and line end */
	int has[HP_NFIELDS];
	struct buf outer[HP_NFIELDS];	/* HP-Outer values (hp="cipher") */
	int has_outer[HP_NFIELDS];
	/* the parse */
	unsigned flags;
	int state;		/* 0 root header, 1 candidate header, 2 done */
	unsigned cand_depth;
	enum hp_scheme pending;
	size_t total;
	int kept;		/* the field being read is kept */
	char dupname[16];
};

/* The user-facing fields, in the order they are written. */
extern const char *const hp_names[HP_NFIELDS];
/* The index of a field's name among them, or -1. */
int hp_index(const char *field, size_t len);
/* "cipher", "clear", "v1", "wrapped", "none". */
const char *hp_scheme_name(enum hp_scheme s);

void hp_init(struct hp *hp, unsigned flags);
/* Every event of the payload, in order. */
void hp_event(struct hp *hp, const struct mime_event *ev);
/* Reads the payload from the start of fd (it is left anywhere). */
void hp_scan_fd(struct hp *hp, int fd);
void hp_free(struct hp *hp);
/* The claim is to be honoured: promote its fields. */
int hp_claimed(const struct hp *hp);

/* Two field values (what follows the colon) say the same, folds and runs
 * of white space aside. */
int hp_value_eq(const char *a, size_t alen, const char *b, size_t blen);

/*
 * The Legacy Display Element of a payload under scheme s, as a range
 * [*from, *to) of fd from its start: the first paragraph of the first
 * text/plain part labelled hp-legacy-display="1" (RFC 9788 4.5.3; 7bit,
 * 8bit or quoted-printable, a paragraph under 64 KiB), or for "v1" a
 * first subpart labelled protected-headers="v1" with its delimiter.
 * Returns 0 when there is one.
 */
int hp_lde(int fd, enum hp_scheme s, uint64_t *from, uint64_t *to);

#endif
