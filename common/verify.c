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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "ber.h"
#include "cms.h"
#include "filter.h"
#include "mime_cte.h"
#include "opts.h"
#include "policy.h"
#include "verify.h"

#define SIG_MAX		(1 << 20)	/* a detached signature, decoded */

enum mode { M_NONE, M_DETACHED, M_OPAQUE };

struct verify {
	const char *id;
	enum mode mode;
	const char *perm;	/* a structural problem: permerror */
	unsigned nested;	/* signed entities inside, not at the top */
	char nested_at[64];
	/* From */
	int nfrom;
	char from[320];
	/* detached */
	int in_first;
	struct io_wr canon, raw;
	int canon_fd, raw_fd;
	struct b64dec dec;
	unsigned char *sig;
	size_t siglen;
	/* opaque */
	struct ber_split *ber;
	struct io_wr content;
	int content_fd;
};

static int
drop_field(void *arg, const char *field, size_t len)
{
	struct verify *v = arg;
	size_t val;
	char addr[320];
	int n;

	if (mime_field_is(field, len, "From")) {
		mime_field_name(field, len, &val);
		n = hdr_addresses(field + val, len - val, addr, sizeof(addr));
		if (v->nfrom == 0)
			memcpy(v->from, addr, sizeof(addr));
		v->nfrom += n > 0 ? n : 1;
	}
	return hdr_is_ar_of(field, len, v->id);
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
	if (v->siglen + b64dec_bound(n) > SIG_MAX) {
		problem(v, "signature too large");
		return;
	}
	v->sig = xrealloc(v->sig, v->siglen + b64dec_bound(n) + 3);
	k = b64dec_update(&v->dec, p, n, v->sig + v->siglen);
	v->siglen += k;
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
	unsigned char buf[16384];
	size_t off, k;
	int e;

	if (v->perm != NULL)
		return;
	for (off = 0; off < n; off += k) {
		k = n - off < 16000 ? n - off : 16000;
		e = ber_split_feed(v->ber, buf, b64dec_update(&v->dec,
		    p + off, k, buf));
		if (e != 0) {
			problem(v, ber_strerror(e));
			return;
		}
	}
}

static void
start_root(struct verify *v, const struct mime_part *part)
{
	switch (mime_smime_kind(part)) {
	case MIME_SMIME_SIGNED:
		v->mode = M_DETACHED;
		v->canon_fd = io_spool_open();
		io_wr_init(&v->canon, v->canon_fd, IO_EOL_CRLF);
		v->raw_fd = io_spool_open();
		io_wr_init(&v->raw, v->raw_fd, IO_EOL_KEEP);
		b64dec_init(&v->dec);
		break;
	case MIME_SMIME_OPAQUE:
	case MIME_SMIME_P7M:
		v->mode = M_OPAQUE;
		if (strcmp(part->cte, "base64") != 0)
			problem(v, "signed-data not in base64");
		v->content_fd = io_spool_open();
		io_wr_init(&v->content, v->content_fd, IO_EOL_KEEP);
		v->ber = ber_split_new(content_sink, v);
		b64dec_init(&v->dec);
		break;
	default:
		break;
	}
}

static void
event(void *arg, struct filter *f, const struct mime_event *ev)
{
	struct verify *v = arg;
	const struct mime_part *part = ev->part;
	int top = part->parent != NULL && part->parent->depth == 0 &&
	    v->mode == M_DETACHED;

	(void)f;
	if (v->in_first && ev->len > 0) {
		io_wr_write(&v->canon, ev->data, ev->len);
		io_wr_write(&v->raw, ev->data, ev->len);
	}
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
		if (top && part->index == 2)
			decode_sig(v, ev->data, ev->len);
		else if (part->depth == 0 && v->mode == M_OPAQUE)
			feed_opaque(v, ev->data, ev->len);
		break;
	case MIME_EV_END:
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

static void
header(struct filter *f, struct filter_result *res, const char *id,
    const char *result, const char *comment)
{
	char item[64], *c;

	hdr_field_init(&res->field, "Authentication-Results", filter_eol(f));
	hdr_field_add(&res->field, "", id);
	snprintf(item, sizeof(item), "smime=%s", result);
	hdr_field_add(&res->field, ";", item);
	if (comment != NULL) {
		c = hdr_comment(comment, strlen(comment));
		hdr_field_add(&res->field, "", c);
		free(c);
		/* --report wants the words, not the header syntax. */
		res->comment = xstrdup(comment);
	}
	res->result = result;
	res->negative = strcmp(result, "pass") != 0;
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

/* The properties of the signer that decided the result. */
static void
properties(struct filter_result *res, X509 *cert, const char *addr)
{
	char issuer[1024], serial[128];

	if (*addr != '\0')
		property(res, "body.smime-identifier", addr);
	property(res, "body.smime-part", "1");
	cms_cert_ids(cert, issuer, sizeof(issuer), serial, sizeof(serial));
	property(res, "body.smime-serial", serial);
	property(res, "body.smime-issuer", issuer);
}

/* The verdict over all signers: every one must pass; the first that
 * does not decides the comment. */
static void
judge(struct verify *v, struct filter *f, struct filter_result *res,
    struct cms_verified *cv)
{
	struct policy_facts facts;
	const char *reason = NULL, *why;
	enum verdict d, worst = VERDICT_PASS;
	char addr[320], first[320] = "";
	int i, m, pick = 0;

	for (i = 0; i < cv->nsigners; i++) {
		facts.chain = cv->signers[i].chain;
		facts.weak_digest = cv->signers[i].weak_digest;
		facts.rsa_bits = cv->signers[i].rsa_bits;
		m = cms_cert_address(cv->signers[i].cert, v->from, addr,
		    sizeof(addr));
		facts.addr = v->nfrom == 0 ? ADDR_NO_FROM :
		    v->nfrom > 1 ? ADDR_SEVERAL_FROM : m < 0 ?
		    ADDR_NONE_IN_CERT : m ? ADDR_MATCH : ADDR_MISMATCH;
		d = policy_decide(opt.policy, &facts, &why);
		if (i == 0 || d > worst) {
			worst = d;
			reason = why;
			pick = i;
			snprintf(first, sizeof(first), "%s", addr);
		}
	}
	header(f, res, v->id, worst == VERDICT_PASS ? "pass" :
	    worst == VERDICT_POLICY ? "policy" : "temperror", reason);
	if (cv->nsigners > 0)
		properties(res, cv->signers[pick].cert, first);
}

static void
finish_detached(struct verify *v, struct filter *f, struct filter_result *res,
    X509_STORE *anchors)
{
	struct cms_verified cv;
	unsigned char tail[3];
	size_t n;
	BIO *content;

	if (v->perm == NULL && (b64dec_final(&v->dec, tail, &n) != 0 ||
	    v->siglen + n == 0))
		problem(v, "signature is not valid base64");
	if (v->perm != NULL) {
		header(f, res, v->id, "permerror", v->perm);
		return;
	}
	v->sig = xrealloc(v->sig, v->siglen + n);
	memcpy(v->sig + v->siglen, tail, n);
	v->siglen += n;
	if (io_wr_flush(&v->canon) != 0 || io_wr_flush(&v->raw) != 0 ||
	    lseek(v->canon_fd, 0, SEEK_SET) == -1)
		xdie(ERR_TEMP, "cannot write the spool");
	content = BIO_new_fd(v->canon_fd, BIO_NOCLOSE);
	cms_verify(v->sig, v->siglen, content, 1, anchors,
	    opt.policy == POLICY_STRICT, &cv);
	BIO_free(content);
	if (cv.status == CMSV_VALID)
		judge(v, f, res, &cv);
	else
		header(f, res, v->id, cv.status == CMSV_FAIL ? "fail" :
		    "permerror", cv.why);
	if (opt.unwrap && cv.status == CMSV_VALID) {
		res->body_fd = v->raw_fd;
		v->raw_fd = -1;
	}
	cms_verified_release(&cv);
}

static void
finish_opaque(struct verify *v, struct filter *f, struct filter_result *res,
    X509_STORE *anchors)
{
	struct cms_verified cv;
	unsigned char tail[3], *skel = NULL;
	size_t n, skellen;
	enum ber_type type = BER_UNKNOWN;
	int e, had;
	BIO *content;

	if (v->perm == NULL) {
		if (b64dec_final(&v->dec, tail, &n) != 0)
			problem(v, "signed-data is not valid base64");
		else if ((e = ber_split_feed(v->ber, tail, n)) != 0 ||
		    (e = ber_split_finish(v->ber, &skel, &skellen, &type,
		    &had, NULL)) != 0)
			problem(v, type == BER_OTHER ? "not signed-data" :
			    ber_strerror(e));
	}
	if (v->perm == NULL && (type == BER_ENVELOPED ||
	    type == BER_AUTHENVELOPED)) {
		/* Encrypted, not signed: for smime-decrypt first. */
		header(f, res, v->id, "none", "encrypted: decrypt first");
		goto out;
	}
	if (v->perm == NULL && (type != BER_SIGNED || !had))
		problem(v, "no signed content");
	if (v->perm != NULL) {
		header(f, res, v->id, "permerror", v->perm);
		goto out;
	}
	if (io_wr_flush(&v->content) != 0 ||
	    lseek(v->content_fd, 0, SEEK_SET) == -1)
		xdie(ERR_TEMP, "cannot write the spool");
	content = BIO_new_fd(v->content_fd, BIO_NOCLOSE);
	cms_verify(skel, skellen, content, 0, anchors,
	    opt.policy == POLICY_STRICT, &cv);
	BIO_free(content);
	if (cv.status == CMSV_VALID) {
		judge(v, f, res, &cv);
		/* SPEC.md: unwrapped only when the signature is valid. */
		res->body_fd = v->content_fd;
		res->body_crlf = 1;
		v->content_fd = -1;
	} else
		header(f, res, v->id, cv.status == CMSV_FAIL ? "fail" :
		    "permerror", cv.why);
	cms_verified_release(&cv);
out:
	free(skel);
}

static void
finish(void *arg, struct filter *f, struct filter_result *res)
{
	struct verify *v = arg;
	X509_STORE *anchors = NULL;
	char why[96];

	if (filter_bare_cms(f))
		xdie(ERR_SOFTWARE, "verifying a bare CMS file is not "
		    "implemented yet: give the message");
	if (v->mode != M_NONE && opt.policy != POLICY_SIGNATURE)
		anchors = cms_anchors(opt.ca, opt.no_system_ca, opt.store);
	if (v->mode == M_DETACHED)
		finish_detached(v, f, res, anchors);
	else if (v->mode == M_OPAQUE)
		finish_opaque(v, f, res, anchors);
	else if (v->nested > 0) {
		/* RFC 7281 has no word for it; SPEC.md says neutral. */
		snprintf(why, sizeof(why), "only part %s is signed",
		    v->nested_at);
		header(f, res, v->id, "neutral", why);
	} else
		header(f, res, v->id, "none", NULL);
	if (v->mode != M_NONE && v->nested > 0 && res->result != NULL &&
	    strcmp(res->result, "pass") == 0) {
		/* A signed part beside the signed top: never pass. */
		hdr_field_release(&res->field);
		free(res->comment);
		res->comment = NULL;
		header(f, res, v->id, "neutral", "more than one signed part");
	}
	hdr_field_end(&res->field);
	res->no_output = opt.quiet;
	X509_STORE_free(anchors);
}

enum err_class
verify_main(void)
{
	static const struct filter_ops ops = {
		"smime-verify", drop_field, event, finish
	};
	static struct verify v;
	enum err_class rc;

	v.id = opts_authserv_id();
	v.canon_fd = v.raw_fd = v.content_fd = -1;
	rc = filter_main(&ops, &v);
	if (v.canon_fd != -1)
		close(v.canon_fd);
	if (v.raw_fd != -1)
		close(v.raw_fd);
	if (v.content_fd != -1)
		close(v.content_fd);
	ber_split_free(v.ber);
	free(v.sig);
	return rc;
}
