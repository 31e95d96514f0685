/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * sign: see sign.h.
 *
 * Two passes over the message, so that nothing is held in memory:
 *  1. read it into a spool and decide, per entity, what must change:
 *     a leaf declared 8bit or binary, or declared 7bit but holding 8-bit
 *     bytes, NULs or lines over 998 octets, is re-encoded (text as
 *     quoted-printable, anything else as base64); a multipart or message
 *     declared 8bit or binary is relabelled 7bit (RFC 8551 3.1.2).
 *  2. parse the spool again and write the signed entity: the top-level
 *     Content-* fields, then the body, canonicalised to CRLF (RFC 8551
 *     3.1.1) into the signature, and in the output's line ends into an
 *     output spool.  The other top-level fields stay outside.
 * Header protection (RFC 9788): pass 1 also hands each top-level field
 * to hcp, which says what is copied into the entity (hp="clear", or with
 * --protect-headers hp="cipher" and HP-Outer) and what the outside
 * carries; pass 2 writes the copies first in the entity's header, adds
 * the hp parameter to its Content-Type, and the Legacy Display Element
 * to the first text/plain part (hcp.h).  What it adds is bounded like
 * the header it comes from.
 * A pipe gets the output only once the signature is made (from a spool);
 * -o and a regular stdout get it as it is made, and a failure takes it
 * back (io_out_direct).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "buf.h"
#include "cms.h"
#include "filter.h"
#include "hcp.h"
#include "hdr.h"
#include "io.h"
#include "keys.h"
#include "magic_type.h"
#include "mime.h"
#include "mime_cte.h"
#include "opts.h"
#include "sign.h"
#include "store.h"

#define OUTER_MAX	(4 << 20)	/* the header kept outside */
#define LINE_MAX_7BIT	998		/* RFC 5322 2.1.1 */

enum { KEEP, AS_QP, AS_B64, AS_7BIT };

struct sign {
	const struct opts *o;
	const char *digest;	/* cms_sign_digest(): what micalg says */
	unsigned root_fields;	/* a message has a header */
	int root_binary;	/* ... of text: a file with "I:" first is not */
	int nfrom;		/* From addresses, for the default identity */
	char from[320];
	const char *ambig;	/* readers would differ on the structure */
	/* pass 1: the decision per entity, by serial */
	unsigned char *enc;
	size_t nenc;
	int dirty;		/* current leaf holds 8-bit data */
	int cr;			/* its last byte so far was a CR */
	size_t linelen;
	/* pass 2 */
	struct io_wr canon;	/* CRLF: into the signature (and part1) */
	struct io_wr part1;	/* detached: the entity in output line ends */
	struct cms_sign *sig;
	struct b64enc b64;
	struct qpenc qp;
	struct buf outer;	/* From line and fields kept outside */
	/* header protection (hcp.h); none with --wrap */
	int hp_on, has_hp, wrapped;
	struct hcp hp;
	struct buf field;	/* pass 1: the top-level field being read */
	size_t hdrbytes;	/* all of them, bounded by OUTER_MAX */
	int lde_set;		/* the Legacy Display Element goes ... */
	unsigned lde_serial;	/* ... into this entity */
	struct buf ct;		/* pass 2: a Content-Type held back */
	int ct_hold;
	int lde_on;		/* in the target's body */
	struct hcp_lde lde;
	struct buf sigtext;	/* detached: base64 of the signature */
	int to_outer, skip, has_mime_version;
	int midline;		/* the entity so far ends no line */
	size_t ncr;		/* CRs held back by put() */
	int eats_eol;		/* a reader takes the next line break as ours */
	const char *eol;	/* the output's */
	char bnd[64];		/* detached: the multipart boundary */
};

/* outer and sigtext, each at most OUTER_MAX. */
static void
bounded_add(struct buf *b, const void *p, size_t n)
{
	if (b->n + n > OUTER_MAX)
		xdie(ERR_DATA, "the header is too large to sign");
	buf_add(b, p, n);
}

static int
bounded_sink(void *arg, const char *p, size_t n)
{
	bounded_add(arg, p, n);
	return 0;
}

static int
is_identity(const char *cte)
{
	return strcmp(cte, "7bit") == 0 || strcmp(cte, "8bit") == 0 ||
	    strcmp(cte, "binary") == 0;
}

static int
is_8bit(const char *cte)
{
	return strcmp(cte, "8bit") == 0 || strcmp(cte, "binary") == 0;
}

/*
 * Pass 1: does this leaf's content need a 7-bit encoding?  8-bit bytes,
 * NULs, long lines, and a CR that does not end a line: RFC 2045 2.7 lets
 * CR occur only in CRLF, transports turn a bare one into a line break,
 * and one at the very end would merge with the boundary's line break
 * (written in LF line ends, "\r" then "\n--b" is read back as CRLF, and
 * the signature no longer matches).
 */
static void
scan(struct sign *s, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && !s->dirty; i++) {
		unsigned char c = (unsigned char)p[i];

		if (s->cr && c != '\n')
			s->dirty = 1;
		s->cr = c == '\r';
		if (c == '\n')
			s->linelen = 0;
		else if (c >= 0x80 || c == 0 || ++s->linelen > LINE_MAX_7BIT)
			s->dirty = 1;
	}
}

/*
 * Whether a header line holds a byte no message header does: a C0 control
 * but HT, CR, LF and ESC (raw ISO-2022-JP subjects exist), or DEL.  8-bit
 * bytes are allowed (RFC 6532 UTF-8, and raw legacy charsets).  A binary
 * file starts with a field name and a colon once in about 700 files.
 */
static int
binary_text(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if ((c < 32 && c != '\t' && c != '\r' && c != '\n' &&
		    c != 0x1b) || c == 127)
			return 1;
	}
	return 0;
}

/* A top-level field but Content-*: it stays outside the signed entity. */
static int
kept_outside(const struct mime_part *part, const char *field)
{
	return part->depth == 0 && strncasecmp(field, "Content-", 8) != 0;
}

/* Pass 1: a top-level field to keep outside, in pieces. */
static void
add_field(struct sign *s, const char *p, size_t n)
{
	s->hdrbytes += n;
	if (s->hdrbytes > OUTER_MAX)
		xdie(ERR_DATA, "the header is too large to sign");
	buf_add(&s->field, p, n);
}

/* ... whole: hcp decides what it becomes, inside and out. */
static void
field_done(struct sign *s)
{
	if (s->field.n > 0)
		hcp_add(&s->hp, s->field.p, s->field.n);
	s->field.n = 0;
}

/* A payload that already says hp= was protected by someone else: a
 * second label would contradict the first (RFC 9788 2.1.1). */
static void
root_header_end(struct sign *s, const struct mime_part *part)
{
	char v[16];

	field_done(s);
	if (part->ctype != NULL && mime_param(part->ctype, part->ctypelen,
	    "hp", v, sizeof(v)) >= 0)
		s->has_hp = 1;
	/* A message/rfc822 content is a whole message whose own header is
	 * the one signed (RFC 8551 3.1, the wrapped form): a copy of the
	 * outer one beside it would be a second, different header. */
	if (mime_type_is(part, "message", "rfc822") ||
	    mime_type_is(part, "message", "global")) {
		s->hp_on = 0;
		s->wrapped = 1;
	}
}

static void
decide(void *arg, const struct mime_event *ev)
{
	struct sign *s = arg;
	const struct mime_part *part = ev->part;
	unsigned char how = KEEP;

	switch (ev->type) {
	case MIME_EV_FROM:
		bounded_add(&s->outer, ev->data, ev->len);
		break;
	case MIME_EV_FIELD_MORE:
		if (s->to_outer)
			add_field(s, ev->data, ev->len);
		if (part->depth == 0 && binary_text(ev->data, ev->len))
			s->root_binary = 1;
		break;
	case MIME_EV_FIELD:
		/* The fields kept outside are known after this pass, so
		 * that the output can start before the next. */
		if (part->depth == 0)
			field_done(s);
		s->to_outer = kept_outside(part, ev->data);
		if (s->to_outer) {
			add_field(s, ev->data, ev->len);
			if (mime_field_is(ev->data, ev->len, "MIME-Version"))
				s->has_mime_version = 1;
		}
		if (part->depth == 0) {
			s->root_fields++;
			if (binary_text(ev->data, ev->len))
				s->root_binary = 1;
		}
		if (part->depth == 0 && mime_field_is(ev->data, ev->len,
		    "From")) {
			size_t v;
			char addr[320];
			int n;

			mime_field_name(ev->data, ev->len, &v);
			n = hdr_addresses(ev->data + v, ev->len - v, addr,
			    sizeof(addr));
			if (s->nfrom == 0)
				memcpy(s->from, addr, sizeof(addr));
			s->nfrom += n;
		}
		break;
	case MIME_EV_HEADER_END:
		s->dirty = s->cr = 0;
		s->linelen = 0;
		if (part->depth == 0)
			root_header_end(s, part);
		if (s->hp.lde.n > 0 && !s->o->no_legacy_display &&
		    !s->lde_set && hcp_lde_target(part)) {
			s->lde_set = 1;
			s->lde_serial = part->serial;
		}
		break;
	case MIME_EV_BODY:
		if (is_identity(part->cte))
			scan(s, ev->data, ev->len);
		break;
	case MIME_EV_END:
		if ((part->flags & MIME_F_AMBIG) && s->ambig == NULL)
			s->ambig = part->ambig;
		s->dirty |= s->cr;	/* a CR last of all */
		if (part->nchildren > 0 || mime_is_multipart(part))
			how = is_8bit(part->cte) ? AS_7BIT : KEEP;
		else if (is_identity(part->cte) &&
		    (is_8bit(part->cte) || s->dirty))
			how = strcmp(part->type, "text") == 0 ? AS_QP : AS_B64;
		/* An 8-bit element in a 7bit part: quoted-printable too. */
		else if (is_identity(part->cte) && s->lde_set &&
		    part->serial == s->lde_serial && hcp_lde_8bit(&s->hp.lde))
			how = AS_QP;
		if (part->serial >= s->nenc) {
			s->nenc = part->serial + 1024;
			s->enc = xrealloc(s->enc, s->nenc);
		}
		s->enc[part->serial] = how;
		s->dirty = s->cr = 0;
		break;
	default:
		break;
	}
}

static int
canon_sink(void *arg, const char *p, size_t n)
{
	struct sign *s = arg;

	cms_sign_write(s->sig, p, n);
	if (!s->o->opaque)
		io_wr_write(&s->part1, p, n);
	return 0;
}

/*
 * Into the signed entity, with a run of CRs before a LF made one CR:
 * a bare CR that ends a line cannot be written in LF line ends ("a\r\r\n"
 * goes out as "a\r\n" and is read back as one line end), and OpenSSL
 * canonicalises it so too.  Other bare CRs are kept (a leaf's are
 * re-encoded: scan()).
 */
static void
put(struct sign *s, const void *v, size_t n)
{
	const char *p = v, *end = p + n, *cr;
	size_t k;

	if (n == 0)
		return;
	s->midline = end[-1] != '\n';
	s->eats_eol = 0;
	while (p < end) {
		if (s->ncr > 0) {
			if (*p == '\r') {
				s->ncr++;
				p++;
				continue;
			}
			/* Before a LF one CR, before anything else all. */
			for (k = *p == '\n' ? 1 : s->ncr; k > 0; k--)
				io_wr_write(&s->canon, "\r", 1);
			s->ncr = 0;
		}
		if ((cr = memchr(p, '\r', (size_t)(end - p))) == NULL) {
			io_wr_write(&s->canon, p, (size_t)(end - p));
			return;
		}
		io_wr_write(&s->canon, p, (size_t)(cr - p));
		s->ncr = 1;
		p = cr + 1;
	}
}

static int
is_target(const struct sign *s, const struct mime_part *part)
{
	return s->lde_set && part->serial == s->lde_serial;
}

/* The parameters the entity's Content-Type gets: hp on the root, the
 * element's mark on its part. */
static void
ct_params(struct sign *s, const struct mime_part *part, struct buf *ct)
{
	if (part->depth == 0 && s->hp_on)
		hcp_ct_param(ct, s->hp.pol != HCP_OFF ? "hp=\"cipher\"" :
		    "hp=\"clear\"");
	if (is_target(s, part))
		hcp_ct_param(ct, "hp-legacy-display=\"1\"");
}

static void
ct_flush(struct sign *s, const struct mime_part *part)
{
	if (!s->ct_hold)
		return;
	ct_params(s, part, &s->ct);
	put(s, s->ct.p, s->ct.n);
	s->ct.n = 0;
	s->ct_hold = 0;
}

/* An entity that gets a parameter but has no Content-Type: the
 * default's (RFC 2045 5.2), with it. */
static void
ct_default(struct sign *s, const struct mime_part *part)
{
	if (part->saw_ct || !((part->depth == 0 && s->hp_on) ||
	    is_target(s, part)))
		return;
	buf_puts(&s->ct, is_target(s, part) && hcp_lde_8bit(&s->hp.lde) ?
	    "Content-Type: text/plain; charset=utf-8" :
	    "Content-Type: text/plain; charset=us-ascii");
	s->ct_hold = 1;
	ct_flush(s, part);
}

static void
put_cb(void *arg, const char *p, size_t n)
{
	put(arg, p, n);
}

/* The target's body starts: the element, as its encoding wants it. */
static void
lde_begin(struct sign *s, const struct mime_part *part, unsigned char how)
{
	char buf[16384];
	size_t off, k;

	if (!is_target(s, part))
		return;
	if (how == AS_QP) {
		/* Re-encoded anyway: the element goes into the same
		 * encoder, ahead of the body (4000-byte steps fit buf). */
		for (off = 0; off < s->hp.lde.n; off += k) {
			k = s->hp.lde.n - off < 4000 ? s->hp.lde.n - off : 4000;
			put(s, buf, qpenc_update(&s->qp, (const unsigned char *)
			    s->hp.lde.p + off, k, buf));
		}
		return;
	}
	hcp_lde_begin(&s->lde, part->cte, &s->hp.lde, put_cb, s);
	s->lde_on = 1;
}

/* Pass 2: the signed entity. */
static void
emit(void *arg, const struct mime_event *ev)
{
	struct sign *s = arg;
	const struct mime_part *part = ev->part;
	unsigned char how = s->enc[part->serial];
	char buf[16384];
	size_t k, off;

	switch (ev->type) {
	case MIME_EV_FROM:
		return;		/* in s->outer since pass 1 */
	case MIME_EV_BEGIN:
		/* RFC 9788 2.2: the copies, then HP-Outer, first in the
		 * payload's header. */
		if (part->depth == 0 && s->hp_on) {
			put(s, s->hp.inner.p, s->hp.inner.n);
			put(s, s->hp.hpouter.p, s->hp.hpouter.n);
		}
		return;
	case MIME_EV_FIELD:
		ct_flush(s, part);
		s->skip = (how != KEEP &&
		    mime_field_is(ev->data, ev->len,
		    "Content-Transfer-Encoding")) ||
		    kept_outside(part, ev->data);
		if (!s->skip && mime_field_is(ev->data, ev->len,
		    "Content-Type") && ((part->depth == 0 && s->hp_on) ||
		    is_target(s, part)))
			s->ct_hold = 1;
		/* FALLTHROUGH */
	case MIME_EV_FIELD_MORE:
		if (s->ct_hold)
			buf_add(&s->ct, ev->data, ev->len);
		else if (!s->skip)
			put(s, ev->data, ev->len);
		return;
	case MIME_EV_HEADER_END:
		ct_flush(s, part);
		ct_default(s, part);
		if (how == AS_QP || how == AS_B64 || how == AS_7BIT) {
			snprintf(buf, sizeof(buf),
			    "Content-Transfer-Encoding: %s\r\n",
			    how == AS_QP ? "quoted-printable" :
			    how == AS_B64 ? "base64" : "7bit");
			put(s, buf, strlen(buf));
		}
		/* A header that ended without its empty line gets one, and
		 * its last field, if the input ended in it, a line end:
		 * RFC 2046 gives the boundary's line break to the boundary,
		 * but many readers take it for the empty line, and would
		 * read a byte more than was signed. */
		if (ev->len == 0 && s->midline)
			put(s, "\r\n", 2);
		put(s, ev->len > 0 ? ev->data : "\r\n",
		    ev->len > 0 ? ev->len : 2);
		s->eats_eol = mime_type_is(part, "message", "rfc822") &&
		    is_identity(part->cte);
		if (how == AS_QP)
			qpenc_init(&s->qp, "\r\n", 0);
		else if (how == AS_B64)
			b64enc_init(&s->b64, 76, "\r\n");
		lde_begin(s, part, how);
		return;
	case MIME_EV_BODY:
		if (s->lde_on) {
			hcp_lde_body(&s->lde, ev->data, ev->len);
			return;
		}
		if (how != AS_QP && how != AS_B64)
			break;
		/* qpenc_bound(n) = 4n + 32 and b64enc_bound(n) = (n/3+1)*6
		 * both fit buf for 4000-byte steps. */
		for (off = 0; off < ev->len; off += k) {
			k = ev->len - off < 4000 ? ev->len - off : 4000;
			put(s, buf, how == AS_QP ?
			    qpenc_update(&s->qp, (const unsigned char *)
			    ev->data + off, k, buf) :
			    b64enc_update(&s->b64, (const unsigned char *)
			    ev->data + off, k, buf));
		}
		return;
	case MIME_EV_END:
		if (s->lde_on && is_target(s, part)) {
			hcp_lde_end(&s->lde);
			s->lde_on = 0;
		}
		if (how == AS_QP)
			put(s, buf, qpenc_final(&s->qp, buf));
		else if (how == AS_B64)
			put(s, buf, b64enc_final(&s->b64, buf));
		return;
	case MIME_EV_DELIM:
	case MIME_EV_CLOSE:
		/* Cut short by the end of the input, a delimiter line
		 * would end in the boundary's line break: see below. */
		put(s, ev->data, ev->len);
		s->eats_eol = s->midline;
		return;
	default:
		break;
	}
	put(s, ev->data, ev->len);
}

static void
parse_fd(int fd, mime_cb cb, void *arg, struct io_wr *copy,
    const char **eol)
{
	static char buf[IO_BUFSIZE];
	struct mime_parser *p = mime_parser_new(cb, arg);
	uint64_t total = 0;
	size_t n;

	while ((n = io_read(fd, buf, sizeof(buf))) > 0) {
		if (copy != NULL)
			io_wr_write(copy, buf, n);
		mime_parser_feed(p, buf, n);
		total += n;
	}
	mime_parser_finish(p);
	if (eol != NULL)
		*eol = strcmp(mime_parser_eol(p), "\r\n") == 0 ? "\r\n" : "\n";
	mime_parser_free(p);
	if (total == 0)
		xdie(ERR_DATA, "empty input: nothing to sign");
}

static void
out_str(struct io_wr *w, const char *s, const char *eol)
{
	io_wr_puts(w, s);
	io_wr_puts(w, eol);
}

/* The output up to where part1 goes: the header kept outside, ours, and
 * (detached) the preamble and the first delimiter. */
static void
write_head(struct sign *s, struct io_wr *out)
{
	unsigned char rnd[12];
	char line[256];
	const char *eol = s->eol;
	size_t i;

	io_wr_write(out, s->outer.p, s->outer.n);
	/* The input ended in an outer field: end its line before ours. */
	if (s->outer.n > 0 && s->outer.p[s->outer.n - 1] != '\n')
		io_wr_puts(out, eol);
	if (!s->has_mime_version)
		out_str(out, "MIME-Version: 1.0", eol);
	if (s->o->opaque) {
		out_str(out, "Content-Type: application/pkcs7-mime; "
		    "smime-type=signed-data;", eol);
		out_str(out, "\tname=\"smime.p7m\"", eol);
		out_str(out, "Content-Transfer-Encoding: base64", eol);
		out_str(out, "Content-Disposition: attachment; "
		    "filename=\"smime.p7m\"", eol);
		io_wr_puts(out, eol);
		return;
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		xdie_ssl(ERR_TEMP, "no random boundary");
	strcpy(s->bnd, "----=_smimetools_");
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(s->bnd + strlen(s->bnd), 3, "%02x", rnd[i]);
	out_str(out, "Content-Type: multipart/signed; "
	    "protocol=\"application/pkcs7-signature\";", eol);
	snprintf(line, sizeof(line), "\tmicalg=%s; boundary=\"%s\"",
	    cms_micalg(s->digest), s->bnd);
	out_str(out, line, eol);
	io_wr_puts(out, eol);
	out_str(out, "This is an S/MIME signed message.", eol);
	snprintf(line, sizeof(line), "--%s", s->bnd);
	io_wr_puts(out, eol);
	out_str(out, line, eol);
}

/* The output after part1: (detached) the signature part and the close
 * delimiter. */
static void
write_tail(struct sign *s, struct io_wr *out)
{
	char line[256];
	const char *eol = s->eol;

	if (s->o->opaque)
		return;
	snprintf(line, sizeof(line), "--%s", s->bnd);
	io_wr_puts(out, eol);
	out_str(out, line, eol);
	out_str(out, "Content-Type: application/pkcs7-signature; "
	    "name=\"smime.p7s\"", eol);
	out_str(out, "Content-Transfer-Encoding: base64", eol);
	out_str(out, "Content-Disposition: attachment; "
	    "filename=\"smime.p7s\"", eol);
	out_str(out, "Content-Description: S/MIME Cryptographic "
	    "Signature", eol);
	io_wr_puts(out, eol);
	io_wr_write(out, s->sigtext.p, s->sigtext.n);
	snprintf(line, sizeof(line), "--%s--", s->bnd);
	io_wr_puts(out, eol);
	out_str(out, line, eol);
}

static void
flush_out(struct io_wr *w)
{
	if (io_wr_flush(w) != 0)
		xdie(io_errclass(w->err), "cannot write output: %s",
		    strerror(w->err));
}

/*
 * A file name for Content-Type's name and Content-Disposition's
 * filename: a quoted-string when it is printable ASCII, else RFC 2231's
 * name*=utf-8''%XX form.
 */
static void
name_param(struct io_wr *w, const char *param, const char *name)
{
	const unsigned char *p;
	char buf[8];
	int plain = 1;

	for (p = (const unsigned char *)name; *p != '\0'; p++)
		plain &= *p >= 32 && *p < 127;
	io_wr_puts(w, ";\r\n\t");
	io_wr_puts(w, param);
	io_wr_puts(w, plain ? "=\"" : "*=utf-8''");
	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if (plain && (*p == '"' || *p == '\\'))
			snprintf(buf, sizeof(buf), "\\%c", *p);
		else if (!plain && !(isalnum(*p) || strchr("!#$&+-.^_`|~",
		    *p) != NULL))
			snprintf(buf, sizeof(buf), "%%%02X", *p);
		else
			snprintf(buf, sizeof(buf), "%c", *p);
		io_wr_puts(w, buf);
	}
	if (plain)
		io_wr_puts(w, "\"");
}

/*
 * --wrap: the input is a file.  It becomes one entity, typed by
 * libmagic and in base64, so that its bytes come out exactly as they
 * went in, whatever they are.
 */
static void
wrap(const struct opts *opt, int in, struct io_wr *w)
{
	static char buf[IO_BUFSIZE];
	char type[128], out[2 * IO_BUFSIZE];
	const char *name = opt->filename, *slash;
	struct b64enc enc;
	size_t n;

	n = io_read(in, buf, sizeof(buf));
	if (n == 0)
		xdie(ERR_DATA, "empty input: nothing to sign");
	magic_mime(buf, n, type, sizeof(type));
	if (name == NULL && opt->in != NULL && strcmp(opt->in, "-") != 0) {
		slash = strrchr(opt->in, '/');
		name = slash != NULL ? slash + 1 : opt->in;
	}
	io_wr_puts(w, "Content-Type: ");
	io_wr_puts(w, type);
	if (name != NULL)
		name_param(w, "name", name);
	io_wr_puts(w, "\r\nContent-Transfer-Encoding: base64\r\n");
	io_wr_puts(w, "Content-Disposition: attachment");
	if (name != NULL)
		name_param(w, "filename", name);
	io_wr_puts(w, "\r\n\r\n");
	b64enc_init(&enc, 76, "\r\n");
	do
		io_wr_write(w, out, b64enc_update(&enc,
		    (const unsigned char *)buf, n, out));
	while ((n = io_read(in, buf, sizeof(buf))) > 0);
	io_wr_write(w, out, b64enc_final(&enc, out));
}

static void
identity_from_store(const struct sign_ctx *c, const char *addr,
    struct identity *id)
{
	struct store *st = store_open(opts_store_dir(c->o), 0);

	store_set_trust(st, &c->trust);
	store_identity(st, addr, c->o->passin, id);
	store_close(st);
}

/*
 * Everything trusted, before the input: the identity of -k and -c, -p
 * (and its passphrase) or --as, and the --chain certificates.  A bad one
 * fails here, whatever the input (smimetools(7) EXIT STATUS).  The
 * default identity is the single From address's: it is looked up once
 * the message is read.
 */
void
sign_ctx_load(struct sign_ctx *c, const struct opts *o)
{
	memset(c, 0, sizeof(*c));
	c->o = o;
	store_trust_of(&c->trust, o);
	if (o->filename != NULL && !o->wrap)
		xdie(ERR_USAGE, "--filename goes with --wrap");
	if (o->key != NULL || o->p12 != NULL)
		keys_load_identity(&c->id, o->key, o->cert, o->p12,
		    o->passin, ERR_CONFIG);
	else if (o->as != NULL)
		identity_from_store(c, o->as, &c->id);
	c->chain = keys_load_certs_all(o->chain);
}

void
sign_ctx_free(struct sign_ctx *c)
{
	sk_X509_pop_free(c->chain, X509_free);
	identity_release(&c->id);
	memset(c, 0, sizeof(*c));
}

enum err_class
sign_run(const struct sign_ctx *c)
{
	static struct sign s;
	static struct io_wr spool, sigw, head;
	/* Static: reachable when a write fails and xdie exits (LSan). */
	static struct identity own;
	const struct opts *opt = c->o;
	const struct identity *id = &c->id;
	struct stat st;
	off_t off0;
	int in, fd1, fd2, out;

	/* Static for its two 64 KiB writers; a second call in one process
	 * (the fuzzer's) must not see the first one's state. */
	memset(&s, 0, sizeof(s));
	memset(&own, 0, sizeof(own));
	s.o = opt;
	/* A file given to --wrap has no header to protect. */
	s.hp_on = !opt->wrap;
	hcp_init(&s.hp, (enum hcp_policy)opt->protect_headers);

	in = io_in_open(opt->in);
	/* A regular file is read twice rather than copied to a spool. */
	if (!opt->wrap && fstat(in, &st) == 0 && S_ISREG(st.st_mode) &&
	    (off0 = lseek(in, 0, SEEK_CUR)) != -1)
		fd1 = in;
	else {
		off0 = 0;
		fd1 = io_spool_open();
		io_wr_init(&spool, fd1, IO_EOL_KEEP);
	}
	if (opt->wrap) {
		/* The entity made of the file is the message to sign. */
		wrap(opt, in, &spool);
		if (io_wr_flush(&spool) != 0 ||
		    lseek(fd1, 0, SEEK_SET) == -1)
			xdie(io_errclass(spool.err), "cannot write the spool: "
			    "%s", strerror(spool.err != 0 ? spool.err : errno));
		in = fd1;
	}
	parse_fd(in, decide, &s, opt->wrap || fd1 == in ? NULL : &spool,
	    &s.eol);
	io_in_eof();
	if (!opt->wrap && s.root_fields == 0)
		xdie(ERR_DATA, "the input is not a message (no header); "
		    "--wrap signs a file");
	if (!opt->wrap && s.root_binary)
		xdie(ERR_DATA, "the input is not a message (control characters "
		    "in its header); --wrap signs a file");
	/* smime-verify would say permerror: which reading did the author
	 * mean?  Nothing we could write says it for every reader. */
	if (s.ambig != NULL)
		xdie(ERR_DATA, "ambiguous MIME structure: %s; not signed",
		    s.ambig);
	/* Which of the two would a reader show, and which did the author
	 * mean to sign?  (RFC 9788 4.1: a payload's user-facing fields are
	 * each given once.) */
	if (s.hp_on && s.hp.dup != NULL)
		xdie(ERR_DATA, "ambiguous header: %s given twice; not signed",
		    s.hp.dup);
	if (s.wrapped && s.hp.pol != HCP_OFF)
		xdie(ERR_DATA, "--protect-headers: the message is a wrapped "
		    "message (message/rfc822) with a header of its own; not "
		    "signed");
	if (s.hp_on && s.has_hp)
		xdie(ERR_DATA, "the message's Content-Type already carries hp= "
		    "(header protection); not signed");
	bounded_add(&s.outer, s.hp.outer.p, s.hp.outer.n);
	if (id->key == NULL) {
		if (s.nfrom != 1)
			xdie(ERR_CONFIG, "no identity: the message has %s From "
			    "address; give --as, -k and -c, or -p",
			    s.nfrom == 0 ? "no" : "more than one");
		identity_from_store(c, s.from, &own);
		id = &own;
	}
	s.digest = cms_sign_digest(id->key, opt->digest);
	if (!opt->wrap && fd1 != in && io_wr_flush(&spool) != 0)
		xdie(io_errclass(spool.err), "cannot write the spool: %s",
		    strerror(spool.err));
	if (lseek(fd1, off0, SEEK_SET) == -1)
		xdie(ERR_TEMP, "cannot rewind the input: %s", strerror(errno));
	if (opt->wrap)
		s.eol = "\n";	/* a file has no line ends to follow */
	if (opt->eol != IO_EOL_KEEP)
		s.eol = io_eol_str(opt->eol);

	/*
	 * part1 holds the entity (detached) or the base64 of the whole
	 * signed-data (opaque), in the output's line ends.  It goes straight
	 * out when a failure can take the output back (-o, a regular
	 * stdout); a pipe gets it from a spool once the signature is made.
	 */
	out = io_out_open(opt->out);
	fd2 = io_out_direct() ? -1 : io_spool_open();
	if (fd2 == -1) {
		io_wr_init(&head, out, opt->eol);
		write_head(&s, &head);
		flush_out(&head);
	}
	io_wr_init(&s.part1, fd2 != -1 ? fd2 : out, strcmp(s.eol, "\r\n") == 0 ?
	    IO_EOL_CRLF : IO_EOL_LF);
	io_wr_init_sink(&sigw, bounded_sink, &s.sigtext, IO_EOL_KEEP);
	s.sig = cms_sign_begin(id, c->chain, s.digest, opt->pss,
	    opt->opaque, opt->opaque ? &s.part1 : &sigw, s.eol);
	io_wr_init_sink(&s.canon, canon_sink, &s, IO_EOL_CRLF);
	parse_fd(fd1, emit, &s, NULL, NULL);
	/* An entity that ends in a bare CR (an epilogue's: a leaf's is
	 * re-encoded) would end, in LF line ends, in "\r" and the
	 * boundary's "\n", read back as CRLF: it is made one here. */
	if (s.ncr > 0)
		put(&s, "\n", 1);
	/* An entity that ends in a delimiter line without its line break,
	 * or in an empty message/rfc822 (the message inside has no header
	 * yet): RFC 2046 gives the boundary's line break to the boundary,
	 * as mime.c does, but many readers take it for the one the
	 * delimiter lacks, or for that header's empty line, and would read
	 * a byte more than was signed.  The entity gets that line break. */
	if (s.eats_eol)
		put(&s, "\r\n", 2);
	if (io_wr_flush(&s.canon) != 0)
		xdie(ERR_SOFTWARE, "cannot digest the content");
	cms_sign_end(s.sig);
	if (io_wr_flush(&sigw) != 0)
		xdie(ERR_SOFTWARE, "cannot keep the signature");
	if (io_wr_flush(&s.part1) != 0)
		xdie(io_errclass(s.part1.err), "cannot write %s: %s",
		    fd2 != -1 ? "the spool" : "output", strerror(s.part1.err));
	io_wr_init(&head, out, opt->eol);
	if (fd2 != -1) {
		write_head(&s, &head);
		if (lseek(fd2, 0, SEEK_SET) == -1)
			xdie(ERR_TEMP, "cannot rewind the spool");
		io_wr_copyfd(&head, fd2);
		close(fd2);
	}
	write_tail(&s, &head);
	flush_out(&head);
	io_out_commit();
	filter_report(opt, "smime-sign", "pass", NULL);

	if (fd1 != in)
		close(fd1);
	free(s.enc);
	hcp_release(&s.hp);
	buf_free(&s.field);
	buf_free(&s.ct);
	buf_free(&s.outer);
	buf_free(&s.sigtext);
	identity_release(&own);
	return ERR_OK;
}
