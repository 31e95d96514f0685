/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * ber.h - split a CMS ContentInfo into a small skeleton and its content
 *
 * d2i_CMS_bio() and SMIME_read_CMS() parse a whole ContentInfo, content
 * included, into memory: 2.4 to 3 times the message.  CMS_verify() and
 * CMS_decrypt() take the content as a separate BIO (dcont) instead, and
 * the content fields are OPTIONAL (RFC 5652 5.2, 6.1; RFC 5083 2.1).  So
 * this module reads the incoming BER or DER and splits it into
 *
 *  - the skeleton: the same ContentInfo with the content element left
 *    out, small (certificates and CRLs are the bulk of it) and re-encoded
 *    so that d2i_CMS_bio() parses it, and
 *  - the content octets, de-chunked, handed to a callback as they arrive,
 *    never held in memory.
 *
 * This is the only hand-written ASN.1 in smimetools, and it is kept to a
 * streaming TLV reader (identifier, definite and indefinite lengths,
 * end-of-contents) plus the handful of RFC 5652 / RFC 5083 productions on
 * the way from the ContentInfo to the content.  Nothing else is decoded:
 * certificates, CRLs, signer and recipient infos and attributes are copied
 * into the skeleton as they came (BER stays BER) and left to OpenSSL.  Of
 * those, a definite-length element is copied without looking inside, as
 * OpenSSL itself copies ANY values; an indefinite-length one is walked
 * down to its end-of-contents, its definite-length children again
 * skipped whole.
 *
 * What is split, and what the skeleton leaves out:
 *   SignedData          encapContentInfo.eContent, the whole [0] EXPLICIT
 *   EnvelopedData       encryptedContentInfo.encryptedContent, [0] IMPLICIT
 *   AuthEnvelopedData   authEncryptedContentInfo.encryptedContent, [0]
 * The elements on the path to the content (ContentInfo, its [0], the
 * SignedData / EnvelopedData / AuthEnvelopedData SEQUENCE and the
 * encapContentInfo / encryptedContentInfo SEQUENCE) are re-encoded with
 * definite lengths, and their tags and order checked; everything else is
 * copied byte for byte.  A message without content (a detached signature)
 * gives the re-encoded structure and had_content 0.  Any other content
 * type (data, digestedData, compressedData, authData, unknown OIDs) is not
 * split: BER_E_TYPE, with ber_split_type() saying BER_OTHER, so the caller
 * can fall back to OpenSSL on the whole message under its own size limit.
 *
 * The content is an OCTET STRING: primitive, or constructed (BER, usually
 * indefinite length) from primitive and, recursively, constructed OCTET
 * STRING segments; the callback sees the concatenation of the primitive
 * segments' contents.  Segments must carry the OCTET STRING tag (X.690
 * 8.7.3.2); OpenSSL accepts any tag there, we do not.
 *
 * Memory is bounded whatever the input: the skeleton up to
 * BER_SKELETON_MAX, a fixed stack of BER_DEPTH_MAX open elements and a
 * header buffer of a few bytes.  The input may be fed in any pieces; the
 * skeleton, the content octets, the flags and the verdict are the same for
 * every way of cutting it (only the callback's slices differ).
 *
 * Using the result: d2i_CMS_bio() on the skeleton, then CMS_verify() or
 * CMS_decrypt() with the content as dcont.  CMS_verify() needs CMS_BINARY
 * then: without it OpenSSL takes dcont for text and turns its line ends
 * into CRLF before digesting, and binary content fails.  AuthEnvelopedData
 * carries its mac after the content, so its skeleton is complete only at
 * the end: decrypt from ber_split_prefix() as the content comes, keep
 * the plaintext private, and set the tag from the final skeleton.
 *
 * Every input byte is untrusted.  Checked, with the error each gives:
 * identifiers (high tag numbers up to 28 bits, minimally encoded:
 * BER_E_TAG), lengths (short and long form up to 8 octets, each element
 * inside its parent, no overflow: BER_E_LENGTH), indefinite length only on
 * constructed elements (BER_E_INDEF), end-of-contents only where an
 * indefinite element may end (BER_E_EOC), nesting (BER_E_DEPTH), the
 * skeleton's size (BER_E_LIMIT, as soon as a definite length shows it),
 * the CMS structure on the path (BER_E_STRUCT).
 */
#ifndef SMIMETOOLS_BER_H
#define SMIMETOOLS_BER_H

#include <stddef.h>
#include <stdint.h>

/* Certificates and CRLs live in the skeleton; real ones are far below. */
#define BER_SKELETON_MAX	(4u << 20)
/*
 * Open constructed elements, the content's segments included.  Real
 * messages stay near 10 (a certificate extension inside a SignedData);
 * OpenSSL's template decoder gives up at 30 (ASN1_MAX_CONSTRUCTED_NEST).
 */
#define BER_DEPTH_MAX		64

enum ber_type {
	BER_UNKNOWN,		/* the contentType OID has not been read yet */
	BER_SIGNED,		/* id-signedData, RFC 5652 5 */
	BER_ENVELOPED,		/* id-envelopedData, RFC 5652 6 */
	BER_AUTHENVELOPED,	/* id-ct-authEnvelopedData, RFC 5083 */
	BER_OTHER		/* anything else: not split (BER_E_TYPE) */
};

/* Errors: ber_split_feed() and ber_split_finish() return 0 or one of these. */
enum ber_err {
	BER_E_TRUNCATED = 1,	/* input ended inside the ContentInfo */
	BER_E_TAG,		/* malformed or reserved identifier octets */
	BER_E_LENGTH,		/* bad length, or past the enclosing element */
	BER_E_INDEF,		/* indefinite length on a primitive element */
	BER_E_EOC,		/* end-of-contents where none may be */
	BER_E_DEPTH,		/* nested deeper than BER_DEPTH_MAX */
	BER_E_LIMIT,		/* skeleton larger than BER_SKELETON_MAX */
	BER_E_STRUCT,		/* not the CMS structure RFC 5652 gives */
	BER_E_TYPE,		/* a content type this module does not split */
	BER_E_TRAILING,		/* data after the ContentInfo */
	BER_E_STOPPED,		/* the content callback asked to stop */
	BER_E_STATE		/* fed or finished after ber_split_finish() */
};

/*
 * What was seen on the way (ber_split_flags()), for diagnostics; none of
 * it is an error.
 */
#define BER_F_INDEF	0x01	/* an indefinite length where we looked */
#define BER_F_SEGMENTED	0x02	/* the content was a constructed OCTET STRING */
#define BER_F_TRAILING	0x04	/* NUL or white space after the end, ignored */

struct ber_split;

/*
 * content is called with consecutive slices of the content octets, never
 * empty ones, each pointing into the buffer given to ber_split_feed(); it
 * returns 0 to go on and non-zero to stop, which makes ber_split_feed()
 * fail with BER_E_STOPPED.  content may be NULL: the octets are then only
 * counted.  Allocation failure exits (xmalloc); this never returns NULL.
 */
struct ber_split *ber_split_new(int (*content)(void *arg,
    const unsigned char *p, size_t n), void *arg);

/*
 * Feeds the next n bytes of the DER/BER input.  Returns 0, or a BER_E_*
 * error; errors stick, every later call returns the same one.
 */
int	ber_split_feed(struct ber_split *b, const unsigned char *p, size_t n);

/*
 * End of input.  Returns 0 if the input was one complete ContentInfo of a
 * type we split, followed by nothing but NUL bytes and white space (CR,
 * LF, space, tab, any number: file padding and a final newline some tools
 * add; ignored, BER_F_TRAILING says they were there).  Any other byte
 * after the end is BER_E_TRAILING, reported by ber_split_feed() when it
 * arrives.  Input that stops short is BER_E_TRUNCATED.
 *
 * On success *skel is the skeleton, malloc'd, for the caller to free(),
 * *skellen its length.  *type, *had_content (1 if the content element was
 * there, even empty) and *content_len (octets passed to the callback) are
 * set on failure too, to what was seen before it.  Any pointer may be
 * NULL; a skeleton not taken is freed by ber_split_free().  Call it once.
 */
int	ber_split_finish(struct ber_split *b, unsigned char **skel,
	    size_t *skellen, enum ber_type *type, int *had_content,
	    uint64_t *content_len);

void	ber_split_free(struct ber_split *b);

/*
 * While an (Auth)EnvelopedData's content is arriving (from the content
 * callback on): the skeleton so far, closed as if the content were its
 * last element, with a stand-in mac of 16 zero octets for
 * AuthEnvelopedData.  Everything a key and a cipher need precedes the
 * content (RecipientInfos, algorithm, IV or nonce), so decryption can
 * start before the end; the real mac, and the elements after the content,
 * are in ber_split_finish()'s skeleton.  0, or BER_E_STATE; *der is
 * allocated.
 */
int	ber_split_prefix(const struct ber_split *b, unsigned char **der,
	    size_t *len);

/* The type, known once the ContentInfo's contentType has been read. */
enum ber_type	ber_split_type(const struct ber_split *b);
/* BER_F_* bits seen so far. */
unsigned	ber_split_flags(const struct ber_split *b);
/*
 * Input bytes consumed.  After an error: just past the byte that showed
 * it, for messages ("malformed CMS at offset 1234").
 */
uint64_t	ber_split_offset(const struct ber_split *b);

/*
 * The DER length octets of len (X.690 10.1) into p, which has room for
 * 9; how many.  For the few DER headers written by hand elsewhere
 * (cms.c, kari.c): one encoder of lengths.
 */
size_t	ber_der_len(unsigned char *p, uint64_t len);

/* "truncated", "bad length", ...: lowercase, for "...: %s" messages. */
const char	*ber_strerror(int e);

#endif /* SMIMETOOLS_BER_H */
