/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * mime: a streaming RFC 5322 / 2045 / 2046 / 2231 message parser.
 *
 * Hand-written because no well-kept C library parses MIME as a stream:
 * GMime and libetpan build the whole tree in memory, mblaze maps the whole
 * file.  We must handle a 1 GiB message in a few MiB, so the parser is a
 * push parser: the caller feeds bytes in any chunks and receives events.
 *
 * The one promise everything else relies on: every input byte is in the
 * data of exactly one event, in order.  Concatenating the events' data
 * gives back the input, byte for byte, whatever the input is (binary,
 * truncated, hostile).  Editing a message is therefore dropping or
 * replacing events, and nothing else changes.
 *
 * Entities.  The message is the root entity.  A multipart's body holds a
 * preamble, delimiter lines each followed by a child entity, a close
 * delimiter and an epilogue (RFC 2046 5.1.1).  A message/rfc822 entity
 * whose transfer encoding is an identity one holds one child, the
 * encapsulated message.  The line end before a delimiter belongs to the
 * delimiter (RFC 2046: "the CRLF preceding the boundary delimiter line is
 * conceptually attached to the boundary") wherever it is: after content,
 * after a header field (the field's event then has no line end and the
 * header no empty line), as what would be a header's empty line, or after
 * a close delimiter.  So an entity's events hold exactly its bytes, as a
 * signature covers them and as OpenSSL splits them.  A delimiter of any open
 * enclosing multipart ends the inner entities, as RFC 2046 says; a line
 * that starts with a boundary but goes on with other characters is not a
 * delimiter.
 *
 * Limits bound memory and work: nesting depth (deeper multiparts are
 * treated as leaves), field size (the first MIME_FIELD_MAX bytes of a
 * field are parsed and given in MIME_EV_FIELD, the rest follows in
 * MIME_EV_FIELD_MORE events and is not parsed), and the number of
 * entities (counted; past the limit MIME_F_TOOMANY is set on the root).
 * Memory is a fixed buffer plus one small struct per open entity.
 *
 * Ambiguity.  Where common readers (Python's email package, GMime, mail
 * clients) would resolve the structure otherwise than this parser does,
 * the entity gets MIME_F_AMBIG and a one-line reason; the parse itself is
 * unchanged.  The shapes: a Content-Type or Content-Transfer-Encoding
 * field given twice; a structural parameter (boundary, protocol, micalg,
 * smime-type, name) given twice, in any case or RFC 2231 form; a
 * multipart's Content-Type outside RFC 2045's grammar (comments, escapes
 * or folds inside quotes, junk after a value); a boundary RFC 2046
 * forbids (empty, over 70 characters, a trailing space, a control or
 * non-ASCII character, a quote or backslash); a bare CR in a header field
 * or white space before the colon of a Content- field (readers split
 * lines and fields there or not); a bare CR before
 * "--" and a boundary, or after a boundary on its line (a delimiter to
 * some readers only).
 */
#ifndef SMIMETOOLS_MIME_H
#define SMIMETOOLS_MIME_H

#include <stddef.h>
#include <stdint.h>

#define MIME_FIELD_MAX		(64 * 1024)
#define MIME_BOUNDARY_MAX	200	/* RFC 2046 says 70; be lenient */
#define MIME_DEPTH_MAX		1000	/* the most --limit depth= allows */

/* The limits in force (--limit depth=, parts=): 100 and 10000. */
extern unsigned mime_depth_max, mime_parts_max;

enum mime_ev {
	MIME_EV_FROM,		/* the mbox "From " line, line end included */
	MIME_EV_BEGIN,		/* an entity starts (no data) */
	MIME_EV_FIELD,		/* a header field, folds and line end included
				   (none before a delimiter) */
	MIME_EV_FIELD_MORE,	/* more of a field longer than MIME_FIELD_MAX */
	MIME_EV_HEADER_END,	/* the empty line ending the header; empty data
				   if the header ended otherwise (see flags) */
	MIME_EV_BODY,		/* content of a leaf entity */
	MIME_EV_PREAMBLE,	/* a multipart's preamble */
	MIME_EV_DELIM,		/* line end before, "--b", padding, line end */
	MIME_EV_CLOSE,		/* the same, "--b--" (its line end is the next
				   delimiter's if one follows at once) */
	MIME_EV_EPILOGUE,	/* after the close delimiter */
	MIME_EV_END		/* an entity ends (no data) */
};

/* Entity flags: what was odd about it. */
#define MIME_F_NOSEP		0x0001	/* header not ended by an empty line */
#define MIME_F_LONGFIELD	0x0002	/* a field exceeded MIME_FIELD_MAX */
#define MIME_F_BADFIELD		0x0004	/* header held a line that is no field */
#define MIME_F_NOBOUNDARY	0x0008	/* multipart without usable boundary */
#define MIME_F_NOCLOSE		0x0010	/* multipart without close delimiter */
#define MIME_F_DEPTH		0x0020	/* multipart/message too deep: a leaf */
#define MIME_F_TOOMANY		0x0040	/* root: more than mime_parts_max */
#define MIME_F_BADCT		0x0080	/* Content-Type unparseable */
#define MIME_F_DUPCT		0x0100	/* more than one Content-Type */
#define MIME_F_NUL		0x0200	/* header holds a NUL byte */
#define MIME_F_EOF		0x0400	/* input ended inside the header */
#define MIME_F_AMBIG		0x0800	/* common readers would see another
					   structure: see `ambig` */

struct mime_part {
	struct mime_part *parent;
	unsigned depth;		/* root: 0 */
	unsigned index;		/* 1-based among the parent's children */
	unsigned serial;	/* 0-based in document order: the same on
				   every parse of the same input */
	unsigned nchildren;
	unsigned flags;
	char type[32], subtype[64];	/* lowercase; text/plain default */
	char cte[32];			/* lowercase; "7bit" default */
	char *ctype;		/* the Content-Type value as received, or NULL */
	size_t ctypelen;
	char *boundary;		/* multipart with usable boundary, else NULL */
	size_t boundarylen;
	char *section;		/* IMAP section, valid from HEADER_END on */
	uint64_t offset;	/* input offset of the entity's first byte */
	uint64_t body_offset;	/* of its body; valid from HEADER_END on */
	const char *ambig;	/* with MIME_F_AMBIG: the first reason */
	int state;		/* the parser's */
	int saw_ct, saw_cte;
};

struct mime_event {
	enum mime_ev type;
	struct mime_part *part;	/* the entity the event belongs to */
	const char *data;
	size_t len;
	uint64_t offset;	/* input offset of data[0] */
};

typedef void (*mime_cb)(void *arg, const struct mime_event *ev);

struct mime_parser;

struct mime_parser *mime_parser_new(mime_cb cb, void *arg);
/* Feeds input: any chunk sizes, events are delivered during the call. */
void mime_parser_feed(struct mime_parser *p, const char *data, size_t len);
/* End of input: delivers what is left and ends every open entity. */
void mime_parser_finish(struct mime_parser *p);
void mime_parser_free(struct mime_parser *p);
/* Number of entities seen so far. */
unsigned mime_parser_count(const struct mime_parser *p);
/* The line ending of the first line, "" if none seen yet. */
const char *mime_parser_eol(const struct mime_parser *p);

/* True for multipart/ with a usable boundary (the parser descends). */
int mime_is_multipart(const struct mime_part *part);
int mime_type_is(const struct mime_part *part, const char *type,
    const char *subtype);

/*
 * RFC 5322 / 2045 / 2231 lexing, on field values as received (folds
 * included).  None of these allocate; all take lengths, not NUL ends.
 */

/* Length of the field name of a header line, or 0 if it is not a field
 * (RFC 5322 2.2: printable characters but ':', then optional WSP (obsolete
 * syntax), then ':'); *value is set to the offset after the colon. */
size_t mime_field_name(const char *line, size_t len, size_t *value);
/* True if the field's name is `name`, compared without regard to case. */
int mime_field_is(const char *field, size_t len, const char *name);
/* Skips folding white space and (nested) comments from *pos. */
void mime_skip_cfws(const char *s, size_t len, size_t *pos);
/*
 * Reads an RFC 2045 token (or, with quoted, also a quoted-string, without
 * its quotes and escapes) at *pos into out (NUL-terminated, cut at
 * outsz - 1).  Returns the full length of the value, or -1 if there is
 * none.  *pos moves past it.
 */
long mime_lex_value(const char *s, size_t len, size_t *pos, char *out,
    size_t outsz, int quoted);
/* Parses "type/subtype" of a Content-Type value; 0 or -1. */
int mime_ct_parse(const char *s, size_t len, char *type, size_t typesz,
    char *subtype, size_t subsz);
/*
 * The value of parameter `name` in a Content-Type or Content-Disposition
 * value, RFC 2231 continuations (name*0, name*1*, ...) joined and
 * %-encoded octets decoded (the charset is not converted).  Writes at most
 * outsz - 1 bytes and a NUL; returns the full length, or -1 if absent.
 */
long mime_param(const char *s, size_t len, const char *name, char *out,
    size_t outsz);

/* How often parameter `name` is given (plain, extended, first segment
 * and repeated segments each count): more than 1 is ambiguous. */
int mime_param_count(const char *s, size_t len, const char *name);
/* 0 if a Content-Type value is type/subtype and parameters as RFC 2045
 * 5.1 has them, folds allowed, no comments, no escape or fold in a
 * quoted-string, no junk after a value (every reader reads it alike);
 * else -1. */
int mime_params_strict(const char *s, size_t len);
/* True if b[0..n) is a boundary RFC 2046 5.1.1 allows (printable ASCII
 * but '"' and '\\' allowed beyond its bchars: readers agree on them). */
int mime_boundary_ok(const char *b, size_t n);

/* What an entity is to S/MIME, by its Content-Type (RFC 8551 3.2). */
enum mime_smime {
	MIME_SMIME_NONE,
	MIME_SMIME_SIGNED,	/* multipart/signed, PKCS#7 protocol */
	MIME_SMIME_OPAQUE,	/* pkcs7-mime; smime-type=signed-data */
	MIME_SMIME_ENVELOPED,	/* smime-type=enveloped-data */
	MIME_SMIME_AUTHENVELOPED, /* smime-type=authEnveloped-data */
	MIME_SMIME_CERTS,	/* smime-type=certs-only */
	MIME_SMIME_COMPRESSED,	/* smime-type=compressed-data */
	MIME_SMIME_P7M		/* pkcs7-mime (or a .p7m file) without a known
				   smime-type: the CMS content type decides */
};

enum mime_smime mime_smime_kind(const struct mime_part *part);

#endif
