/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * verify: see verify.h.
 *
 * While the driver spools the message, the events are sorted:
 *  - multipart/signed at the top: the first part's bytes go, canonicalised
 *    to CRLF, into a content spool (and as received into a raw spool, for
 *    --unwrap); the second part's base64 is decoded into memory (bounded:
 *    a signature is small).
 *  - application/pkcs7-mime at the top: its base64 is decoded and split
 *    (ber) into the SignedData skeleton, kept in memory, and the eContent,
 *    streamed into the content spool.
 *  - a signed entity anywhere else: the message is only partly signed.
 * At the end cms_verify() reads the content spool once, policy decides,
 * and the driver writes the header, unwrapping an opaque message whose
 * signature is valid.  No content is written before its signature has
 * been checked.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "buf.h"
#include "cert.h"
#include "cms.h"
#include "filter.h"
#include "mime_cte.h"
#include "opts.h"
#include "p7in.h"
#include "policy.h"
#include "store.h"
#include "verify.h"

#define SIG_MAX		(1 << 20)	/* a detached signature, decoded */

enum mode { M_NONE, M_DETACHED, M_OPAQUE };

/* The From fields of a header: how many, and what hdr_from() made of
 * them (the first's address; the worst status). */
struct from {
	int seen;		/* a header to take a From from was read */
	int n;
	enum hdr_from st;
	char addr[320];
};

struct verify {
	struct verify_ctx *c;
	int layer;		/* 0: the message; 1...: signed inside it */
	enum mode mode;
	const char *perm;	/* a structural problem: permerror */
	const char *ambig;	/* readers would see another structure */
	int too_deep;		/* unsigned top, a part past the depth limit */
	unsigned nested;	/* signed entities inside, not at the top */
	char nested_at[64];
	/* The From of the header (layer 0) or, in the scan of a signed
	 * content (layer 1...), of the message/rfc822 it is; Message-ID */
	struct from from;
	char msgid[256];
	/* The signed content's protected header (layer 1 scans it; the
	 * message keeps it for the output), and whether it was promoted */
	struct hp hp;
	int promoted;
	/* detached */
	int in_first;
	struct io_wr canon, raw;
	int canon_fd, raw_fd;
	struct b64dec dec;
	struct buf sig;		/* the signature, decoded, to SIG_MAX */
	/* opaque */
	struct p7in in;
	struct io_wr content;
	int content_fd;
};

static void verify_release(struct verify *v);

/* The Message-ID's msg-id, "<...>", for the store's .meta: printable
 * ASCII only, nothing that could break a line there. */
static void
message_id(const char *s, size_t len, char *out, size_t outsz)
{
	size_t i, n = 0;
	int in = 0;

	for (i = 0; i < len && n + 2 < outsz; i++) {
		if (s[i] == '<')
			in = 1;
		if (in && (s[i] > 32 && s[i] < 127))
			out[n++] = s[i];
		if (s[i] == '>' && in)
			break;
	}
	out[in ? n : 0] = '\0';
}

/* One From field.  A field the parser cut (MIME_FIELD_MAX) is not read
 * whole: what its rest says is unknown, so it is ambiguous. */
static void
from_field(struct from *fr, const char *field, size_t len)
{
	enum hdr_from st;
	size_t val;
	char addr[320];

	mime_field_name(field, len, &val);
	st = len >= MIME_FIELD_MAX ? HDR_FROM_AMBIGUOUS :
	    hdr_from(field + val, len - val, addr, sizeof(addr));
	if (fr->n++ == 0) {
		fr->st = st;
		if (st == HDR_FROM_ONE)
			memcpy(fr->addr, addr, sizeof(addr));
	} else if (st > fr->st)
		fr->st = st;
}

static int
drop_field(void *arg, const char *field, size_t len)
{
	struct verify *v = arg;
	size_t val;

	if (mime_field_is(field, len, "From"))
		from_field(&v->from, field, len);
	if (mime_field_is(field, len, "Message-ID") && v->msgid[0] == '\0') {
		mime_field_name(field, len, &val);
		message_id(field + val, len - val, v->msgid, sizeof(v->msgid));
	}
	/* An SMIME-Encrypt is the sender's, not ours: a reply built from
	 * this message must not carry it back out to smime-encrypt. */
	/* HP-Outer belongs inside a payload (RFC 9788): outside, anyone
	 * may have written it. */
	return hdr_is_ar_of(field, len, v->c->id) || hdr_is_control(field, len) ||
	    mime_field_is(field, len, "HP-Outer");
}

static void
problem(struct verify *v, const char *why)
{
	if (v->perm == NULL)
		v->perm = why;
}

/* Decodes base64 into a growing buffer, up to SIG_MAX. */
static void
decode_sig(struct verify *v, const char *p, size_t n)
{
	size_t k;

	if (v->perm != NULL)
		return;
	if (v->sig.n + b64dec_bound(n) > SIG_MAX) {
		problem(v, "signature too large");
		return;
	}
	k = b64dec_update(&v->dec, p, n, (unsigned char *)buf_grow(&v->sig,
	    b64dec_bound(n) + 3));
	v->sig.n += k;
}

static int
content_sink(void *arg, const unsigned char *p, size_t n)
{
	struct verify *v = arg;

	io_wr_write(&v->content, p, n);
	return v->content.err != 0;
}

static void
feed_opaque(struct verify *v, const char *p, size_t n)
{
	if (v->perm != NULL)
		return;
	p7in_feed(&v->in, p, n);
	if (v->in.err != 0)
		problem(v, p7in_strerror(v->in.err));
}

static void
start_opaque(struct verify *v)
{
	v->mode = M_OPAQUE;
	v->content_fd = io_spool_open();
	io_wr_init(&v->content, v->content_fd, IO_EOL_KEEP);
	p7in_init(&v->in, content_sink, v);
}

static void
start_root(struct verify *v, const struct mime_part *part)
{
	switch (mime_smime_kind(part)) {
	case MIME_SMIME_SIGNED:
		v->mode = M_DETACHED;
		v->canon_fd = io_spool_open();
		io_wr_init(&v->canon, v->canon_fd, IO_EOL_CRLF);
		/* The signed part as received: only --unwrap writes it. */
		if (v->c->o->unwrap && v->layer == 0) {
			v->raw_fd = io_spool_open();
			io_wr_init(&v->raw, v->raw_fd, IO_EOL_KEEP);
		}
		b64dec_init(&v->dec);
		break;
	case MIME_SMIME_OPAQUE:
	case MIME_SMIME_P7M:
		if (strcmp(part->cte, "base64") != 0)
			problem(v, "signed-data not in base64");
		start_opaque(v);
		break;
	default:
		break;
	}
}

/*
 * In the scan of a signed content: a message/rfc822 (or message/global)
 * signed whole is a message of its own (RFC 8551 3.1), and its From, not
 * the outer one, is what the signer vouches for.  Its header is read when
 * the parser descends into it (an identity transfer encoding); when it
 * does not, the From is unknown, never the outer one.  RFC 9788's
 * protected header would be one more source of this same struct from.
 */
static void
signed_header(struct verify *v, const struct mime_event *ev)
{
	const struct mime_part *part = ev->part;
	const struct mime_part *root = part->depth == 0 ? part : part->parent;

	if (part->depth > 1 || !(mime_type_is(root, "message", "rfc822") ||
	    mime_type_is(root, "message", "global")))
		return;
	if (ev->type == MIME_EV_HEADER_END && part->depth == 0)
		v->from.seen = 1;
	else if (ev->type == MIME_EV_FIELD && part->depth == 1 &&
	    part->index == 1 && mime_field_is(ev->data, ev->len, "From"))
		from_field(&v->from, ev->data, ev->len);
}

static void
event(void *arg, struct filter *f, const struct mime_event *ev)
{
	struct verify *v = arg;
	const struct mime_part *part = ev->part;
	int top = part->parent != NULL && part->parent->depth == 0 &&
	    v->mode == M_DETACHED;

	if (v->in_first && ev->len > 0) {
		io_wr_write(&v->canon, ev->data, ev->len);
		if (v->raw_fd != -1)
			io_wr_write(&v->raw, ev->data, ev->len);
	}
	if (v->layer > 0)
		signed_header(v, ev);
	if (v->layer == 1)
		hp_event(&v->hp, ev);
	switch (ev->type) {
	case MIME_EV_BEGIN:
		if (top && part->index == 1)
			v->in_first = 1;
		else if (top && part->index > 2)
			problem(v, "multipart/signed with more than two parts");
		break;
	case MIME_EV_HEADER_END:
		if (part->depth == 0) {
			start_root(v, part);
			break;
		}
		if (top && part->index == 2 &&
		    !mime_type_is(part, "application", "pkcs7-signature") &&
		    !mime_type_is(part, "application", "x-pkcs7-signature"))
			problem(v, "second part is not a signature");
		else if (top && part->index == 2 &&
		    strcmp(part->cte, "base64") != 0)
			problem(v, "signature not in base64");
		else if (!v->in_first && mime_smime_kind(part) != MIME_SMIME_NONE
		    && mime_smime_kind(part) != MIME_SMIME_ENVELOPED &&
		    mime_smime_kind(part) != MIME_SMIME_AUTHENVELOPED &&
		    mime_smime_kind(part) != MIME_SMIME_CERTS &&
		    !(top && part->index == 2)) {
			if (v->nested++ == 0)
				snprintf(v->nested_at, sizeof(v->nested_at),
				    "%s", part->section);
		}
		break;
	case MIME_EV_BODY:
		if (part->depth == 0 && v->mode == M_NONE && f != NULL &&
		    filter_bare_cms(f)) {
			/* A .p7m/.p7s file: DER, PEM or base64. */
			start_opaque(v);
			p7in_sniff(&v->in, ev->data, ev->len);
		}
		if (top && part->index == 2)
			decode_sig(v, ev->data, ev->len);
		else if (part->depth == 0 && v->mode == M_OPAQUE)
			feed_opaque(v, ev->data, ev->len);
		break;
	case MIME_EV_END:
		/* Where readers could disagree on what the message is or
		 * which part is signed, no verdict of ours holds. */
		if ((part->flags & MIME_F_AMBIG) && v->ambig == NULL)
			v->ambig = part->ambig;
		/* A multipart past the depth limit is a leaf nobody looked
		 * into: a signature may be in it. */
		if ((part->flags & MIME_F_DEPTH) && v->mode == M_NONE)
			v->too_deep = 1;
		if (top && part->index == 1)
			v->in_first = 0;
		if (part->depth == 0 && v->mode == M_DETACHED &&
		    part->nchildren < 2)
			problem(v, "multipart/signed with fewer than two parts");
		break;
	default:
		break;
	}
}

/*
 * What a signature layer concluded.  Results rank from pass to fail;
 * when layers disagree the worst one speaks.
 */
struct outcome {
	int rank;
	char why[160];
	X509 *cert;		/* the signer the properties name, or NULL */
	char addr[320];
	/* for --import: what the signature said about the signer */
	char caps[256];
	X509 *preferred;
	int has_signing_time;
	struct tm signing_time;
	STACK_OF(X509) *certs;
	int fd;			/* content to unwrap, or -1 */
	int crlf;
};

enum { R_NONE, R_PASS, R_NEUTRAL, R_TEMPERROR, R_POLICY, R_PERMERROR,
	R_FAIL };
static const char *const results[] = {
	"none", "pass", "neutral", "temperror", "policy", "permerror", "fail"
};


static void
conclude(struct outcome *o, int rank, const char *why)
{
	o->rank = rank;
	snprintf(o->why, sizeof(o->why), "%s", why != NULL ? why : "");
}

/* What a From says, for the address check. */
static enum addr_status
from_status(const struct from *fr)
{
	if (fr->n > 1)
		return ADDR_SEVERAL_FROM;
	switch (fr->n == 0 ? HDR_FROM_NONE : fr->st) {
	case HDR_FROM_ONE:
		return ADDR_MATCH;
	case HDR_FROM_SEVERAL:
		return ADDR_SEVERAL_FROM;
	case HDR_FROM_AMBIGUOUS:
		return ADDR_AMBIGUOUS;
	default:
		return ADDR_NO_FROM;
	}
}

/* On a pass, the protected From takes the outer one's place in the
 * output (filter_promote): the outer From is then no reader's. */
static int
promotes_from(const struct verify *v, const struct verify *content)
{
	const struct hp *hp = &content->hp;

	return !v->c->o->quiet && hp_claimed(hp) && content->from.seen &&
	    (hp->has[1] || hp->scheme != HP_V1);
}

/*
 * The address check of one signer (--policy chain, smime-verify(1)): the
 * From a reader is shown is the one checked.  The signed header's From,
 * when the content has one (signed_header()), else the outer one, must be
 * one plain mailbox the certificate names; an outer From beside a signed
 * one must then say the same address, or a reader of the outer header is
 * shown someone the signer did not vouch for.  Only the outermost signer
 * is bound to the From: an inner layer is someone's signed content.
 */
static enum addr_status
address_check(const struct verify *v, const struct verify *content,
    X509 *cert, char *addr, size_t addrsz)
{
	const struct from *sig = &content->from;
	const struct from *fr = sig->seen ? sig : &v->from;
	enum addr_status st = from_status(fr);
	int m = cert_address(cert, st == ADDR_MATCH ? fr->addr : "",
	    addr, addrsz);

	if (v->layer > 0)
		return ADDR_MATCH;
	if (st != ADDR_MATCH)
		return st;
	if (m <= 0)
		return m < 0 ? ADDR_NONE_IN_CERT : ADDR_MISMATCH;
	if (promotes_from(v, content))
		return ADDR_MATCH;
	if (sig->seen && v->from.n > 0 && (from_status(&v->from) !=
	    ADDR_MATCH || strcmp(v->from.addr, sig->addr) != 0))
		return ADDR_OUTER_DIFFERS;
	return ADDR_MATCH;
}

/* The verdict over all signers of one layer: every one must pass; the
 * worst decides the comment and whose properties are shown. */
static void
judge(struct verify *v, const struct verify *content,
    struct cms_verified *cv, struct outcome *o)
{
	struct policy_facts facts;
	const char *why;
	enum verdict d, worst = VERDICT_PASS;
	char addr[320];
	int i, pick = 0;

	for (i = 0; i < cv->nsigners; i++) {
		facts.chain = cv->signers[i].chain;
		facts.weak_digest = cv->signers[i].weak_digest;
		facts.rsa_bits = cv->signers[i].rsa_bits;
		facts.addr = address_check(v, content, cv->signers[i].cert,
		    addr, sizeof(addr));
		d = policy_decide(v->c->o->policy, &facts, &why);
		if (i == 0 || d > worst) {
			worst = d;
			pick = i;
			conclude(o, d == VERDICT_PASS ? R_PASS :
			    d == VERDICT_POLICY ? R_POLICY : R_TEMPERROR, why);
			snprintf(o->addr, sizeof(o->addr), "%s", addr);
		}
	}
	if (cv->nsigners > 0) {
		o->cert = cv->signers[pick].cert;
		X509_up_ref(o->cert);
		snprintf(o->caps, sizeof(o->caps), "%s",
		    cv->signers[pick].caps);
		if ((o->preferred = cv->signers[pick].preferred) != NULL)
			X509_up_ref(o->preferred);
		o->has_signing_time = cv->signers[pick].has_signing_time;
		o->signing_time = cv->signers[pick].signing_time;
		o->certs = cv->certs;
		cv->certs = NULL;
	}
}

static void check_layer(struct verify *v, X509_STORE *anchors,
    struct outcome *o);

static void
inner_cb(void *arg, const struct mime_event *ev)
{
	event(arg, NULL, ev);
}

/*
 * The signed content, read back from the spool of its layer: its own
 * header (signed_header()) and whether it is itself a signed entity.
 */
static void
scan_signed(struct verify *outer, int fd, struct verify *w)
{
	static char buf[IO_BUFSIZE];
	struct mime_parser *p;
	size_t n;

	memset(w, 0, sizeof(*w));
	w->c = outer->c;
	w->layer = outer->layer + 1;
	w->canon_fd = w->raw_fd = w->content_fd = -1;
	if (lseek(fd, 0, SEEK_SET) == -1)
		xdie(ERR_TEMP, "cannot rewind the spool");
	p = mime_parser_new(inner_cb, w);
	while ((n = io_read(fd, buf, sizeof(buf))) > 0)
		mime_parser_feed(p, buf, n);
	mime_parser_finish(p);
	mime_parser_free(p);
}

/*
 * The signed content's protected header (smime-verify(1), HEADER
 * PROTECTION): its From is the one the signer must match, as a wrapped
 * message's is (signed_header()); under "v1" only when it has one.
 */
static void
protected_from(struct verify *w)
{
	const struct buf *from = &w->hp.field[1];

	if (!hp_claimed(&w->hp) || w->hp.scheme == HP_WRAPPED ||
	    (w->hp.scheme == HP_V1 && !w->hp.has[1]))
		return;
	memset(&w->from, 0, sizeof(w->from));
	if (w->hp.has[1])
		from_field(&w->from, from->p, from->n);
	w->from.seen = 1;
}

/* A claim that readers could take two ways (two labels, a field twice)
 * is no pass.  The message keeps the header for the output. */
static void
keep_hp(struct verify *v, struct verify *w, struct outcome *o)
{
	if (v->layer > 0)
		return;
	if (w->hp.scheme != HP_NONE && w->hp.refused != NULL &&
	    o->rank < R_PERMERROR) {
		conclude(o, R_PERMERROR, NULL);
		snprintf(o->why, sizeof(o->why),
		    "ambiguous protected header: %s", w->hp.refused);
	}
	hp_free(&v->hp);
	v->hp = w->hp;
	memset(&w->hp, 0, sizeof(w->hp));
}

/*
 * A signed entity that is the whole signed content is another layer
 * (sign-then-sign): a pass needs every signature valid (smime-verify(1)),
 * so it is checked too.
 */
static void
check_inner(struct verify *w, X509_STORE *anchors, struct outcome *o)
{
	struct outcome in = { .fd = -1 };

	if (w->ambig != NULL && o->rank < R_PERMERROR) {
		/* The signed content, unwrapped, is what readers see. */
		conclude(o, R_PERMERROR, NULL);
		snprintf(o->why, sizeof(o->why),
		    "ambiguous MIME structure: %s", w->ambig);
	}
	if (w->mode != M_NONE) {
		if (w->layer >= (int)w->c->o->lim.layers)
			conclude(&in, R_PERMERROR, "signatures nested too deep");
		else
			check_layer(w, anchors, &in);
		if (in.rank > o->rank) {
			conclude(o, in.rank, NULL);
			snprintf(o->why, sizeof(o->why), "inner signature%s%.120s",
			    *in.why != '\0' ? ": " : "", in.why);
		}
	}
	X509_free(in.cert);
	X509_free(in.preferred);
	sk_X509_pop_free(in.certs, X509_free);
	if (in.fd != -1)
		close(in.fd);
}

/*
 * The certificate the store would choose for the From address (any
 * backend: certstore get's choice), after --certfile's: where a signer's
 * certificate is looked for when the message lacks it (KMail and gpgsm
 * send none).  What the store holds was judged when it was stored; the
 * chain and the address are checked again as for any signer.  NULL if
 * there is no store, no single From address or no certificate for it.
 */
static STACK_OF(X509) *
from_store(const struct verify *v)
{
	STACK_OF(X509) *more;
	struct store *st;
	X509 *x;
	char caps[256];
	int i;

	if (!v->c->have_store || from_status(&v->from) != ADDR_MATCH)
		return NULL;
	st = store_open(v->c->store, 0);
	store_set_trust(st, &v->c->trust);
	x = store_best(st, v->from.addr, caps, sizeof(caps));
	store_close(st);
	if (x == NULL)
		return NULL;
	if ((more = sk_X509_new_null()) == NULL)
		xdie(ERR_TEMP, "out of memory");
	for (i = 0; i < sk_X509_num(v->c->certfile); i++)
		if (!X509_up_ref(sk_X509_value(v->c->certfile, i)) ||
		    !sk_X509_push(more, sk_X509_value(v->c->certfile, i)))
			xdie(ERR_TEMP, "out of memory");
	if (!sk_X509_push(more, x))
		xdie(ERR_TEMP, "out of memory");
	return more;
}

/* cms_verify over the content in fd, with --certfile's certificates;
 * again with the store's for the From when the signer's is nowhere. */
static void
verify_over(struct verify *v, const unsigned char *der, size_t len, int fd,
    int detached, X509_STORE *anchors, struct cms_verified *cv)
{
	const struct opts *o = v->c->o;
	STACK_OF(X509) *extra = v->c->certfile, *more = NULL;
	BIO *content;
	int again = 0;

	do {
		if (lseek(fd, 0, SEEK_SET) == -1 ||
		    (content = BIO_new_fd(fd, BIO_NOCLOSE)) == NULL)
			xdie(ERR_TEMP, "cannot rewind the spool: %s",
			    strerror(errno));
		cms_verify(der, len, content, detached, anchors,
		    o->policy == POLICY_STRICT, &o->lim, extra, cv);
		BIO_free(content);
		if (again || cv->status != CMSV_PERMERROR ||
		    strcmp(cv->why, "signer certificate not found") != 0 ||
		    (more = from_store(v)) == NULL)
			break;
		cms_verified_release(cv);
		extra = more;
		again = 1;
	} while (again);
	sk_X509_pop_free(more, X509_free);
}

static void
check_detached(struct verify *v, X509_STORE *anchors, struct outcome *o)
{
	struct verify w;
	struct cms_verified cv;
	unsigned char tail[3];
	size_t n = 0;

	if (v->perm == NULL && (b64dec_final(&v->dec, tail, &n) != 0 ||
	    v->sig.n + n == 0))
		problem(v, "signature is not valid base64");
	if (v->perm != NULL) {
		conclude(o, R_PERMERROR, v->perm);
		return;
	}
	buf_add(&v->sig, tail, n);
	if (io_wr_flush(&v->canon) != 0 ||
	    (v->raw_fd != -1 && io_wr_flush(&v->raw) != 0) ||
	    lseek(v->canon_fd, 0, SEEK_SET) == -1)
		xdie(ERR_TEMP, "cannot write the spool: %s",
		    strerror(v->canon.err != 0 ? v->canon.err :
		    v->raw.err != 0 ? v->raw.err : errno));
	verify_over(v, (const unsigned char *)v->sig.p, v->sig.n, v->canon_fd,
	    1, anchors, &cv);
	if (cv.status == CMSV_VALID) {
		scan_signed(v, v->canon_fd, &w);
		protected_from(&w);
		judge(v, &w, &cv, o);
		check_inner(&w, anchors, o);
		keep_hp(v, &w, o);
		/* Content with two readings is not ours to choose one of:
		 * it stays signed, for the reader's own S/MIME. */
		if (v->c->o->unwrap && w.ambig == NULL) {
			o->fd = v->raw_fd;
			v->raw_fd = -1;
		}
		verify_release(&w);
	} else
		conclude(o, cv.status == CMSV_FAIL ? R_FAIL : R_PERMERROR,
		    cv.why);
	cms_verified_release(&cv);
}

static void
check_opaque(struct verify *v, X509_STORE *anchors, struct outcome *o)
{
	struct verify w;
	struct cms_verified cv;
	unsigned char *skel = NULL;
	size_t skellen;
	enum ber_type type = BER_UNKNOWN;
	int e, had = 0;

	if (v->perm == NULL &&
	    (e = p7in_finish(&v->in, &skel, &skellen, &type, &had)) != 0)
		problem(v, type == BER_OTHER ? "not signed-data" :
		    p7in_strerror(e));
	if (v->perm == NULL && (type == BER_ENVELOPED ||
	    type == BER_AUTHENVELOPED)) {
		/* Encrypted, not signed: for smime-decrypt first. */
		conclude(o, R_NONE, "encrypted: decrypt first");
		goto out;
	}
	if (v->perm == NULL && (type != BER_SIGNED || !had))
		problem(v, "no signed content");
	if (v->perm != NULL) {
		conclude(o, R_PERMERROR, v->perm);
		goto out;
	}
	if (io_wr_flush(&v->content) != 0 ||
	    lseek(v->content_fd, 0, SEEK_SET) == -1)
		xdie(ERR_TEMP, "cannot write the spool: %s", strerror(
		    v->content.err != 0 ? v->content.err : errno));
	verify_over(v, skel, skellen, v->content_fd, 0, anchors, &cv);
	if (cv.status == CMSV_VALID) {
		scan_signed(v, v->content_fd, &w);
		protected_from(&w);
		judge(v, &w, &cv, o);
		check_inner(&w, anchors, o);
		keep_hp(v, &w, o);
		/* Unwrapped only when the signature is valid, and the
		 * content has one reading. */
		if (w.ambig == NULL) {
			o->fd = v->content_fd;
			o->crlf = 1;
			v->content_fd = -1;
		}
		verify_release(&w);
	} else
		conclude(o, cv.status == CMSV_FAIL ? R_FAIL : R_PERMERROR,
		    cv.why);
	cms_verified_release(&cv);
out:
	free(skel);
}

static void
check_layer(struct verify *v, X509_STORE *anchors, struct outcome *o)
{
	if (v->mode == M_DETACHED)
		check_detached(v, anchors, o);
	else
		check_opaque(v, anchors, o);
}

/* One RFC 7281 property, its value quoted as it needs. */
static void
property(struct filter_result *res, const char *name, const char *value)
{
	char *q = hdr_token_or_quoted(value, strlen(value)), *item;
	size_t n = strlen(name) + strlen(q) + 2;

	item = xmalloc(n);
	snprintf(item, n, "%s=%s", name, q);
	hdr_field_add(&res->field, "", item);
	free(item);
	free(q);
}

static void
header(struct verify *v, struct filter *f, struct filter_result *res,
    const struct outcome *o)
{
	char item[64], issuer[1024], serial[128], *c;

	hdr_field_init(&res->field, "Authentication-Results", filter_eol(f));
	hdr_field_add(&res->field, "", v->c->id);
	snprintf(item, sizeof(item), "smime=%s", results[o->rank]);
	hdr_field_add(&res->field, ";", item);
	if (*o->why != '\0') {
		c = hdr_comment(o->why, strlen(o->why));
		hdr_field_add(&res->field, "", c);
		free(c);
		/* --report wants the words, not the header syntax. */
		res->comment = xstrdup(o->why);
	}
	if (o->cert != NULL) {
		if (*o->addr != '\0')
			property(res, "body.smime-identifier", o->addr);
		property(res, "body.smime-part", "1");
		cms_cert_ids(o->cert, issuer, sizeof(issuer), serial,
		    sizeof(serial));
		property(res, "body.smime-serial", serial);
		property(res, "body.smime-issuer", issuer);
	}
	hdr_field_end(&res->field);
	res->result = results[o->rank];
	res->negative = o->rank != R_PASS;
}

/*
 * --import: only a signature that passed puts anything into the store.
 * A failure to store dies before any output: the caller keeps its copy
 * and retries (75) or is told why.
 */
static void
import(struct verify *v, const struct outcome *o)
{
	struct store *st;

	if (o->rank != R_PASS || o->cert == NULL) {
		verbosex("not imported: smime=%s%s%s%s", results[o->rank],
		    *o->why != '\0' ? " (" : "", o->why,
		    *o->why != '\0' ? ")" : "");
		return;
	}
	st = store_open(v->c->store, STORE_WRITE);
	store_set_trust(st, &v->c->trust);
	store_import(st, o->cert, o->certs, o->caps, o->preferred,
	    o->has_signing_time ? &o->signing_time : NULL,
	    v->msgid[0] != '\0' ? v->msgid : NULL);
	store_close(st);
	verbosex("imported the certificate of %s", o->addr);
}

/* The context's anchors, the system's added on first use (unless
 * --no-system-ca), after --ca and the store's as store_anchors() orders
 * them; NULL under --policy signature. */
static X509_STORE *
anchors(struct verify_ctx *c)
{
	if (c->o->policy == POLICY_SIGNATURE)
		return NULL;
	if (c->anchors == NULL)
		c->anchors = store_anchors(c->store, c->o->ca, 1);
	if (!c->o->no_system_ca && !c->system) {
		X509_STORE_set_default_paths(c->anchors);
		ERR_clear_error();
		c->system = 1;
	}
	return c->anchors;
}

/*
 * On a pass, the signed content's protected header takes the outer
 * user-facing fields' place (filter_promote), and the Legacy Display
 * Element leaves a content that is unwrapped, unless it is itself
 * signed.  Under -q nothing is written, so nothing is promoted: the
 * outer From was checked instead.
 */
static void
promote(struct verify *v, struct filter *f, struct filter_result *res,
    struct outcome *o)
{
	struct buf notes = { 0 };

	if (v->c->o->quiet || !hp_claimed(&v->hp))
		return;
	if (filter_promote(f, &v->hp, &notes) == -1) {
		conclude(o, R_PERMERROR,
		    "too many header fields to protect");
		buf_free(&notes);
		return;
	}
	v->promoted = 1;
	if (notes.n > 0)
		snprintf(o->why, sizeof(o->why), "%.*s, hp=%s", (int)notes.n,
		    notes.p, hp_scheme_name(v->hp.scheme));
	res->strip_lde = o->fd != -1 && !v->hp.signed_root;
	buf_free(&notes);
}

static void
finish(void *arg, struct filter *f, struct filter_result *res)
{
	struct verify *v = arg;
	const struct opts *opt = v->c->o;
	struct outcome o = { .fd = -1 };
	char why[96];

	if (filter_root_flags(f) & MIME_F_TOOMANY) {
		/* smimetools(7) LIMITS: refused, not walked. */
		snprintf(why, sizeof(why), "more than %u parts",
		    opt->lim.parts);
		conclude(&o, R_PERMERROR, why);
		goto done;
	}
	if (v->mode != M_NONE)
		check_layer(v, anchors(v->c), &o);
	else if (v->too_deep) {
		/* smimetools(7) LIMITS: not walked, so no "none". */
		snprintf(why, sizeof(why), "nested deeper than %u",
		    opt->lim.depth);
		conclude(&o, R_PERMERROR, why);
	} else if (v->nested > 0) {
		/* RFC 7281 has no word for it; smime-verify(1) says
		 * neutral. */
		snprintf(why, sizeof(why), "only part %s is signed",
		    v->nested_at);
		conclude(&o, R_NEUTRAL, why);
	}
	if (v->mode != M_NONE && v->nested > 0 && o.rank == R_PASS)
		/* A signed part beside the signed top: never pass. */
		conclude(&o, R_NEUTRAL, "more than one signed part");
	if (v->ambig != NULL) {
		/* Whatever the signature says, it may be over other bytes
		 * than a reader shows (even "none": another reader may see
		 * a signature where we do not). */
		snprintf(why, sizeof(why), "ambiguous MIME structure: %s",
		    v->ambig);
		conclude(&o, R_PERMERROR, why);
		X509_free(o.cert);
		o.cert = NULL;
		if (o.fd != -1) {
			close(o.fd);
			o.fd = -1;
		}
	}
	if (o.rank == R_PASS)
		promote(v, f, res, &o);
	if (opt->import)
		import(v, &o);
done:
	header(v, f, res, &o);
	if (v->mode != M_NONE)
		res->hp = hp_scheme_name(v->promoted ? v->hp.scheme : HP_NONE);
	res->body_fd = o.fd;
	res->body_crlf = o.crlf;
	res->no_output = opt->quiet;
	X509_free(o.cert);
	X509_free(o.preferred);
	sk_X509_pop_free(o.certs, X509_free);
}

static void
verify_release(struct verify *v)
{
	hp_free(&v->hp);
	if (v->canon_fd != -1)
		close(v->canon_fd);
	if (v->raw_fd != -1)
		close(v->raw_fd);
	if (v->content_fd != -1)
		close(v->content_fd);
	p7in_free(&v->in);
	buf_free(&v->sig);
}

/*
 * Everything trusted, before the message: the store's modes (its ca/ and
 * crl/ are read whatever the message), the anchors of --ca and the store
 * unless --policy signature asks for none (the system's come with the
 * first signature: anchors()), and for --import the store itself.  A bad
 * one fails here, the same way for a signed message and an unsigned one
 * (smimetools(7) EXIT STATUS).
 */
void
verify_ctx_load(struct verify_ctx *c, const struct opts *o)
{
	struct store *st;
	int have;

	memset(c, 0, sizeof(*c));
	c->o = o;
	c->id = opts_authserv_id(o);
	c->store = opts_store_dir(o);
	c->trust.policy = o->policy;
	c->trust.ca = o->ca;
	c->trust.no_system = o->no_system_ca;
	c->trust.chain_max = o->lim.chain;
	have = c->have_store = store_probe(c->store);
	c->certfile = keys_load_certs_all(o->certfile);
	/* The system's bundle is no configuration of ours, and reading
	 * it costs more than the rest of an unsigned message: anchors()
	 * adds it when a signature is checked.  With neither --ca nor a
	 * store there is nothing to fail, and nothing is loaded yet. */
	if (o->policy != POLICY_SIGNATURE && (o->ca != NULL || have))
		c->anchors = store_anchors(c->store, o->ca, 1);
	if (o->import) {
		st = store_open(c->store, STORE_PEEK);
		store_close(st);
	}
}

void
verify_ctx_free(struct verify_ctx *c)
{
	X509_STORE_free(c->anchors);
	c->anchors = NULL;
	sk_X509_pop_free(c->certfile, X509_free);
	c->certfile = NULL;
}

enum err_class
verify_run(struct verify_ctx *c)
{
	static const struct filter_ops ops = {
		"smime-verify", drop_field, event, finish
	};
	static struct verify v;
	enum err_class rc;

	memset(&v, 0, sizeof(v));
	v.c = c;
	v.canon_fd = v.raw_fd = v.content_fd = -1;
	rc = filter_main(&ops, &v, c->o);
	verify_release(&v);
	return rc;
}
