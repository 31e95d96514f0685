/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * mime_cte.h - streaming Content-Transfer-Encoding codecs (RFC 2045 6.7, 6.8)
 *
 * Base64 and quoted-printable, each an encoder and a decoder driven as
 * init, any number of update calls, one final call.  They are written here
 * rather than borrowed from OpenSSL's EVP_Encode/EVP_Decode for three
 * reasons:
 *
 *  - Streaming.  A MIME entity arrives in whatever pieces the reader hands
 *    us.  Every codec gives byte-identical output (and the same verdict)
 *    for any split of its input across update calls, keeps a few bytes of
 *    state, never allocates, and states how much output one call can write,
 *    so the caller sizes one buffer and never loops on "output full".
 *  - Strictness reporting.  RFC 2045 tells decoders to be liberal; a mail
 *    filter that verifies signatures also wants to know when the input was
 *    not what a conforming encoder writes.  The decoders produce the
 *    liberal result and report each departure as a bit in their final
 *    return value, so the caller chooses between warning and refusing.
 *  - Layering.  The mime module never includes OpenSSL, and neither
 *    does this file: it needs libc alone.
 *
 * Update functions write to out and return the number of bytes written;
 * out must hold the stated bound for that call, and bytes of it past the
 * count returned may have been scribbled on.  A final call flushes what
 * the state still holds and resets the state to what init left, keeping
 * the settings (line length, eol, mode), so one struct can code several
 * streams in turn.  Nothing here writes a terminating NUL.
 */
#ifndef MIME_CTE_H
#define MIME_CTE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Base64 decoder.  Whitespace (space, tab, CR, LF) is ignored wherever it
 * appears.  Decoding stops at the padding: characters after a complete
 * "==" or "=" are dropped and reported, which is what a reader that stops
 * at the end of the encoded data sees.  Bits left over in the last quantum
 * (the 4 low bits of "QR==") are dropped silently, as RFC 2045 allows.
 */
#define B64_E_CHAR	0x01	/* byte outside the alphabet and not space */
#define B64_E_TRAIL	0x02	/* alphabet data after the '=' padding */
#define B64_E_LEN	0x04	/* truncated: last quantum short of 4 chars */
#define B64_E_PAD	0x08	/* '=' at quantum position 1 or 2, or extra */

struct b64dec {
	uint32_t	 acc;		/* sextets of the open quantum */
	unsigned char	 n;		/* how many, 0..3 */
	unsigned char	 pad;		/* B64D_* padding state, in .c */
	unsigned char	 err;		/* B64_E_* seen so far */
};

void	b64dec_init(struct b64dec *d);
/* Most bytes one b64dec_update(inlen) writes: (inlen / 4 + 1) * 3. */
size_t	b64dec_bound(size_t inlen);
size_t	b64dec_update(struct b64dec *d, const char *in, size_t inlen,
	    unsigned char *out);
/*
 * Writes at most 3 bytes (the decoded rest of a truncated quantum) and
 * stores their count in *outlen.  Returns 0 if the whole input was
 * well-formed base64, else the B64_E_* bits of every problem seen.  The
 * bytes written are the liberal decoding either way.
 */
int	b64dec_final(struct b64dec *d, unsigned char *out, size_t *outlen);

/*
 * Base64 encoder.  Lines of linelen characters, each ended by eol.  linelen
 * is rounded down to a multiple of 4 so that a line break never splits a
 * quantum (76 for MIME, RFC 2045 6.8); 0 means one line with no eol at
 * all.  eol is "\r\n" or "\n" (at most 2 bytes are used; NULL is "\r\n").
 * Every line the encoder writes, the last included, ends with eol: the
 * output is whole lines, ready for a boundary delimiter after it.
 */
struct b64enc {
	unsigned	 linelen;
	unsigned	 col;		/* characters on the current line */
	unsigned char	 pend[2];	/* input bytes short of a quantum */
	unsigned char	 npend;
	unsigned char	 eollen;
	char		 eol[2];
};

void	b64enc_init(struct b64enc *e, unsigned linelen, const char *eol);
/* Most bytes one b64enc_update(inlen) writes, for any linelen. */
size_t	b64enc_bound(size_t inlen);
size_t	b64enc_update(struct b64enc *e, const unsigned char *in, size_t inlen,
	    char *out);
/* The last 1-2 bytes padded, then eol if the line is not empty; <= 8. */
size_t	b64enc_final(struct b64enc *e, char *out);
#define B64ENC_FINAL_MAX	8

/*
 * Quoted-printable decoder (RFC 2045 6.7).  "=XX" decodes to one byte, hex
 * digits in either case.  "=" followed by spaces or tabs and a line break
 * (LF or CRLF) is a soft line break and vanishes; so does "=" (with or
 * without trailing spaces) at the very end of the input, which is how a
 * body ends that does not end in a line break.  Spaces and tabs before a
 * hard line break or the end of input were added by a transport and are
 * deleted (rule 3).  Hard line breaks come out as they came in: LF stays
 * LF, CRLF stays CRLF; a CR not followed by LF is data.  Anything else is
 * copied, including 8-bit bytes and control characters.
 *
 * An "=" not followed by two hex digits or a soft line break is copied
 * literally with what followed it, and reported as QP_E_ESCAPE.  The state
 * holds at most QPDEC_WSMAX pending spaces and tabs: of a longer run
 * before a line break, only the last QPDEC_WSMAX are deleted, the earlier
 * ones are kept and QP_E_WSP reported (a conforming line has at most 76
 * characters, so this never happens to one).
 */
#define QP_E_ESCAPE	0x01	/* "=" not followed by hex hex or a break */
#define QP_E_WSP	0x02	/* trailing white space run over WSMAX kept */

#define QPDEC_WSMAX	64

struct qpdec {
	uint64_t	 ws;		/* pending run: bit i set = tab */
	unsigned char	 nws;		/* its length, 0..QPDEC_WSMAX */
	unsigned char	 st;		/* QPD_* state, in .c */
	unsigned char	 hex;		/* first hex digit after '=' */
	unsigned char	 cr;		/* a CR waits: is LF next? */
	unsigned char	 wsover;	/* the pending run overflowed */
	unsigned char	 err;		/* QP_E_* seen so far */
};

void	qpdec_init(struct qpdec *d);
/* Most bytes one qpdec_update(inlen) writes: inlen + QPDEC_WSMAX + 4. */
size_t	qpdec_bound(size_t inlen);
size_t	qpdec_update(struct qpdec *d, const char *in, size_t inlen,
	    unsigned char *out);
/*
 * Writes at most qpdec_bound(0) bytes, stores their count in *outlen.
 * Returns 0 if the whole input was well-formed, else QP_E_* bits.
 */
int	qpdec_final(struct qpdec *d, unsigned char *out, size_t *outlen);

/*
 * Quoted-printable encoder.  In text mode (binary 0) input lines end in LF
 * or CRLF and each such break is written as eol; a CR not followed by LF is
 * data.  In binary mode CR and LF are data like any other byte.  eol is as
 * for b64enc_init.
 *
 * Output lines are at most 76 characters before eol, the "=" of a soft
 * break included (RFC 2045 6.7 rule 5).  Encoded as =XX (upper-case hex):
 * "=", every byte outside 33..126 except space and tab, a space or tab
 * that would end a line, a "." that would be alone on a line (SMTP and
 * sendmail end the message there), and the "F" of "From " at the start of
 * a line (mbox writers would turn it into ">From ").  The last two apply to
 * every output line, also those begun by a soft break.
 *
 * If the input does not end in a line break, the final call ends the last
 * line with a soft break, so the output is whole lines like the base64
 * encoder's, and a transport that adds a line break at the end of the
 * message cannot change what decodes.  Decoding the output gives the input
 * back exactly in binary mode, and with line breaks turned into eol in
 * text mode.
 */
struct qpenc {
	unsigned	 col;		/* characters on the current line */
	unsigned char	 hold[5];	/* input waiting for lookahead */
	unsigned char	 nhold;
	unsigned char	 cr;		/* text mode: CR waits for LF or not */
	unsigned char	 binary;
	unsigned char	 eollen;
	char		 eol[2];
};

void	qpenc_init(struct qpenc *e, const char *eol, int binary);
/* Most bytes one qpenc_update(inlen) writes: 4 * inlen + 32. */
size_t	qpenc_bound(size_t inlen);
size_t	qpenc_update(struct qpenc *e, const unsigned char *in, size_t inlen,
	    char *out);
/* Flushes held bytes and ends the line; writes at most 16 bytes. */
size_t	qpenc_final(struct qpenc *e, char *out);
#define QPENC_FINAL_MAX	16

#endif /* MIME_CTE_H */
