/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * decrypt: see decrypt.h.
 *
 * While the driver reads the message, the base64 body of a top-level
 * application/pkcs7-mime entity (or a bare CMS file) is decoded and split
 * (ber.h) into the small structure, kept in memory, and the ciphertext.
 * When the ciphertext starts, the structure so far names the recipients
 * and the cipher: if a key of ours matches, it is decrypted as it comes
 * into a private spool (an AuthEnvelopedData's tag comes after it, so
 * nothing is released yet); otherwise it is spooled as it is, and at the
 * end the cipher is checked, a key is chosen whose certificate a
 * RecipientInfo names, and the spooled ciphertext is decrypted the same
 * way.  The plaintext (its header merged into the outer one as filter.c
 * says) replaces the Content-* fields and body of the output only if the
 * cipher status is good at the end (CBC padding, GCM tag); otherwise the
 * message passes through as it came, with result=fail.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cms.h"
#include "decrypt.h"
#include "filter.h"
#include "keys.h"
#include "opts.h"
#include "p7in.h"
#include "store.h"

struct decrypt {
	const struct decrypt_ctx *c;
	int whole;		/* the message itself is encrypted */
	unsigned nested;	/* encrypted entities inside it */
	const char *perm;	/* a structural problem */
	struct p7in in;
	enum { UNSEEN, INLINE, SPOOL } mode;	/* of the ciphertext */
	struct cms_decrypt *icd;	/* decrypting: as it came, or from ct */
	struct io_wr ct;	/* SPOOL: the ciphertext */
	int ct_fd;
	struct io_wr pt;	/* the plaintext */
	int pt_fd;
	/* choose_key's answer, asked once: keys and passphrases are read
	 * once. */
	int key;		/* 0 not asked, 1 id holds it, -1 none */
	const struct identity *id;	/* the context's, or &own */
	struct identity own;	/* the store's, for this message */
	struct hp hp;		/* the plaintext's protected header */
	struct buf notes;
};

static int
drop_field(void *arg, const char *field, size_t len)
{
	(void)arg;
	/* Ours is the only SMIME-Decrypt that leaves; an SMIME-Encrypt
	 * is the sender's, and a reply built from this message must not
	 * carry it back out to smime-encrypt. */
	return mime_field_is(field, len, "SMIME-Decrypt") ||
	    mime_field_is(field, len, "HP-Outer") ||
	    hdr_is_control(field, len);
}

static void
problem(struct decrypt *d, const char *why)
{
	if (d->perm == NULL)
		d->perm = why;
}

static int choose_key(struct decrypt *d, struct cms_decrypt *cd);

/* The plaintext: filter.c merges its header into the outer one. */
static int
pt_sink(void *arg, const char *p, size_t n)
{
	struct decrypt *d = arg;

	io_wr_write(&d->pt, p, n);
	return d->pt.err;
}

/*
 * The content starts: everything a key and the cipher need has arrived
 * (ber_split_prefix), so decryption starts here when a key of ours
 * matches, and the ciphertext is never stored.  Anything short of that
 * (a structure OpenSSL does not read without its tail, a cipher or a
 * count of recipients we refuse, no key) spools the ciphertext, and the
 * end decides from the whole structure as before.
 */
static void
content_starts(struct decrypt *d)
{
	unsigned char *der;
	size_t len;
	char why[128], cipher[32];
	struct cms_decrypt *cd = NULL;

	d->mode = SPOOL;
	if (p7in_prefix(&d->in, &der, &len) == 0) {
		cd = cms_decrypt_open(der, len, d->c->o->allow_legacy, why,
		    sizeof(why), cipher, sizeof(cipher));
		free(der);
	}
	if (cd != NULL && cms_decrypt_recipients(cd) <=
	    (int)d->c->o->lim.recipients &&
	    (cms_decrypt_is_auth(cd) || !d->c->o->require_integrity)) {
		d->key = choose_key(d, cd) ? 1 : -1;
		if (d->key == 1) {
			d->pt_fd = io_spool_open();
			io_wr_init(&d->pt, d->pt_fd, IO_EOL_KEEP);
			cms_decrypt_start(cd, d->id->key, d->id->cert,
			    d->c->o->allow_legacy);
			d->icd = cd;
			d->mode = INLINE;
			return;
		}
	}
	cms_decrypt_close(cd);
	d->ct_fd = io_spool_open();
	io_wr_init(&d->ct, d->ct_fd, IO_EOL_KEEP);
}

static int
ct_sink(void *arg, const unsigned char *p, size_t n)
{
	struct decrypt *d = arg;

	if (d->mode == UNSEEN)
		content_starts(d);
	if (d->mode == INLINE)
		cms_decrypt_update(d->icd, p, n, pt_sink, d);
	else
		io_wr_write(&d->ct, p, n);
	/* A full disk is no malformed message: retry. */
	if (d->pt.err != 0 || d->ct.err != 0)
		xdie(io_errclass(d->pt.err ? d->pt.err : d->ct.err),
		    "cannot write the spool: %s",
		    strerror(d->pt.err ? d->pt.err : d->ct.err));
	return 0;
}

static void
start(struct decrypt *d)
{
	d->whole = 1;
	p7in_init(&d->in, ct_sink, d);
}

static void
feed(struct decrypt *d, const char *p, size_t n)
{
	if (d->perm != NULL)
		return;
	p7in_feed(&d->in, p, n);
	if (d->in.err != 0)
		problem(d, p7in_strerror(d->in.err));
}

static void
event(void *arg, struct filter *f, const struct mime_event *ev)
{
	struct decrypt *d = arg;
	const struct mime_part *part = ev->part;

	switch (ev->type) {
	case MIME_EV_HEADER_END:
		switch (mime_smime_kind(part)) {
		case MIME_SMIME_ENVELOPED:
		case MIME_SMIME_AUTHENVELOPED:
		case MIME_SMIME_P7M:
			if (part->depth > 0) {
				d->nested++;
				break;
			}
			start(d);
			if (strcmp(part->cte, "base64") != 0)
				problem(d, "enveloped-data not in base64");
			break;
		default:
			break;
		}
		break;
	case MIME_EV_BODY:
		if (part->depth != 0)
			break;
		if (!d->whole && filter_bare_cms(f)) {
			start(d);
			p7in_sniff(&d->in, ev->data, ev->len);
		}
		if (d->whole)
			feed(d, ev->data, ev->len);
		break;
	default:
		break;
	}
}

/*
 * The key: the one the context loaded (-k/-c, -p, --as), else the
 * store's identity whose certificate a RecipientInfo names.  Returns 0
 * (no key for this message) or 1 with d->id set.
 */
static int
choose_key(struct decrypt *d, struct cms_decrypt *cd)
{
	STACK_OF(X509) *certs;
	struct store *st;
	X509 *x = NULL;
	int i;

	if (d->c->have_given) {
		d->id = &d->c->given;
		return cms_decrypt_names(cd, d->id->cert);
	}
	/* No option names a key: the store is looked in only for an
	 * encrypted message (smime-decrypt(1)).  Match first, then load
	 * only the key that is needed (and only its passphrase is asked
	 * for). */
	st = store_open(opts_store_dir(d->c->o), 0);
	store_set_trust(st, &d->c->trust);
	certs = store_identity_certs(st);
	for (i = 0; i < sk_X509_num(certs) && x == NULL; i++)
		if (cms_decrypt_names(cd, sk_X509_value(certs, i)))
			x = sk_X509_value(certs, i);
	if (x != NULL) {
		store_identity_of(st, x, d->c->o->passin, &d->own);
		d->id = &d->own;
	}
	sk_X509_pop_free(certs, X509_free);
	store_close(st);
	return x != NULL;
}

static void
fingerprint(X509 *x, char *out, size_t outsz)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0, i;
	size_t k;

	X509_digest(x, EVP_sha256(), md, &n);
	k = (size_t)snprintf(out, outsz, "sha256:");
	for (i = 0; i < n && k + 3 <= outsz; i++)
		k += (size_t)snprintf(out + k, outsz - k, "%02x", md[i]);
}

struct outcome {
	const char *result;	/* pass, fail, none */
	char why[128];
	char cipher[32];
	int auth;
	char recipient[80];
};

static void
decrypt_whole(struct decrypt *d, struct outcome *o)
{
	const struct opts *opt = d->c->o;
	unsigned char *skel = NULL;
	const unsigned char *mac;
	size_t skellen;
	enum ber_type type = BER_UNKNOWN;
	struct cms_decrypt *cd = NULL;
	static unsigned char buf[IO_BUFSIZE];
	int e, had = 0;
	size_t n;

	o->result = "fail";
	if (d->perm == NULL &&
	    (e = p7in_finish(&d->in, &skel, &skellen, &type, &had)) != 0 &&
	    type != BER_OTHER && type != BER_SIGNED)
		problem(d, p7in_strerror(e));
	if (d->perm == NULL && (type == BER_SIGNED || type == BER_OTHER)) {
		o->result = "none";
		snprintf(o->why, sizeof(o->why), "not encrypted");
		goto out;
	}
	if (d->perm == NULL && !had)
		problem(d, "no encrypted content");
	if (d->perm != NULL) {
		snprintf(o->why, sizeof(o->why), "malformed: %s", d->perm);
		goto out;
	}
	/* The whole structure decides, whatever began as it came. */
	cd = cms_decrypt_open(skel, skellen, opt->allow_legacy, o->why,
	    sizeof(o->why), o->cipher, sizeof(o->cipher));
	if (cd == NULL)
		goto out;
	o->auth = cms_decrypt_is_auth(cd);
	if (cms_decrypt_recipients(cd) > (int)opt->lim.recipients) {
		/* smimetools(7) LIMITS, before any key is tried. */
		snprintf(o->why, sizeof(o->why), "more than %u recipients",
		    opt->lim.recipients);
		goto out;
	}
	if (opt->require_integrity && !o->auth) {
		snprintf(o->why, sizeof(o->why), "integrity required");
		goto out;
	}
	if (d->key == 0)
		d->key = choose_key(d, cd) ? 1 : -1;
	if (d->key != 1 || !cms_decrypt_names(cd, d->id->cert)) {
		verbosex("no matching key: none of ours is for the %d "
		    "recipient%s the message names", cms_decrypt_recipients(cd),
		    cms_decrypt_recipients(cd) == 1 ? "" : "s");
		snprintf(o->why, sizeof(o->why), "no matching key%s",
		    cms_decrypt_others(cd) > 0 ?
		    " (password and KEK recipients are not handled)" : "");
		goto out;
	}
	fingerprint(d->id->cert, o->recipient, sizeof(o->recipient));
	mac = cms_decrypt_mac(cd);
	if (d->mode == SPOOL) {
		/* What did not start as it came starts now, from the
		 * spool, the same way. */
		if (io_wr_flush(&d->ct) != 0 ||
		    lseek(d->ct_fd, 0, SEEK_SET) == -1)
			xdie(ERR_TEMP, "cannot write the spool: %s",
			    strerror(d->ct.err != 0 ? d->ct.err : errno));
		d->pt_fd = io_spool_open();
		io_wr_init(&d->pt, d->pt_fd, IO_EOL_KEEP);
		cms_decrypt_start(cd, d->id->key, d->id->cert,
		    opt->allow_legacy);
		while ((n = io_read(d->ct_fd, buf, sizeof(buf))) > 0)
			cms_decrypt_update(cd, buf, n, pt_sink, d);
		d->icd = cd;
		cd = NULL;
	}
	if (cms_decrypt_end(d->icd, mac, pt_sink, d)) {
		if (io_wr_flush(&d->pt) != 0)
			xdie(io_errclass(d->pt.err), "cannot write the spool: "
			    "%s", strerror(d->pt.err));
		o->result = "pass";
	} else
		/* smime-decrypt(1): every failure after a key matched
		 * reads the same, so the header is no decryption
		 * oracle. */
		snprintf(o->why, sizeof(o->why), "cannot decrypt");
out:
	cms_decrypt_close(cd);
	free(skel);
}

/*
 * The plaintext's protected header (smime-decrypt(1), HEADER
 * PROTECTION): its scheme is said as hp=, and its fields take the outer
 * ones' place.  Whoever encrypted to us wrote it, as they wrote the
 * rest: it is promoted as the entity's Content-* fields are.  The Legacy
 * Display Element leaves the plaintext unless a signature covers it (the
 * claim is then the signed part's), for smime-verify next.
 */
static void
protected_header(struct decrypt *d, struct filter *f,
    struct filter_result *res)
{
	char item[32], *c;

	int promoted;

	hp_init(&d->hp, HP_LOOK_SIGNED);
	hp_scan_fd(&d->hp, d->pt_fd);
	promoted = hp_claimed(&d->hp) &&
	    filter_promote(f, &d->hp, &d->notes) == 0;
	if (hp_claimed(&d->hp) && !promoted)
		buf_puts(&d->notes, "header protection not used: too many "
		    "header fields");
	else if (d->hp.refused != NULL)
		buf_printf(&d->notes, "header protection not used: %s",
		    d->hp.refused);
	res->hp = hp_scheme_name(promoted ? d->hp.scheme : HP_NONE);
	snprintf(item, sizeof(item), "hp=%s", res->hp);
	hdr_field_add(&res->field, ";", item);
	res->strip_lde = promoted && !d->hp.nested && !d->hp.signed_root;
	if (d->notes.n > 0) {
		c = hdr_comment(d->notes.p, d->notes.n);
		hdr_field_add(&res->field, "", c);
		free(c);
		res->comment = xcalloc(1, d->notes.n + 1);
		memcpy(res->comment, d->notes.p, d->notes.n);
	}
}

static void
finish(void *arg, struct filter *f, struct filter_result *res)
{
	struct decrypt *d = arg;
	struct outcome o = { .result = "none" };
	char item[160];

	if (d->whole)
		decrypt_whole(d, &o);
	else
		snprintf(o.why, sizeof(o.why), "%s", d->nested ?
		    "only a nested part is encrypted: not decrypted" :
		    "not encrypted");
	/* A bare CMS file that was not decrypted is no message to
	 * annotate (smime-decrypt(1), EXIT STATUS). */
	if (filter_bare_cms(f) && strcmp(o.result, "pass") != 0)
		xdie(ERR_DATA, "the CMS file was not decrypted: %s", o.why);
	hdr_field_init(&res->field, "SMIME-Decrypt", filter_eol(f));
	hdr_field_add(&res->field, "", d->c->id);
	snprintf(item, sizeof(item), "result=%s", o.result);
	hdr_field_add(&res->field, ";", item);
	if (strcmp(o.result, "pass") == 0) {
		snprintf(item, sizeof(item), "cipher=%s", o.cipher);
		hdr_field_add(&res->field, ";", item);
		snprintf(item, sizeof(item), "integrity=%s", o.auth ?
		    "authenticated" : "none");
		hdr_field_add(&res->field, ";", item);
		snprintf(item, sizeof(item), "recipient=%s", o.recipient);
		hdr_field_add(&res->field, ";", item);
		protected_header(d, f, res);
		res->body_fd = d->pt_fd;
		res->body_crlf = 1;
		d->pt_fd = -1;
	} else {
		res->comment = hdr_comment(o.why, strlen(o.why));
		hdr_field_add(&res->field, "", res->comment);
		free(res->comment);
		res->comment = xstrdup(o.why);
	}
	hdr_field_end(&res->field);
	res->result = o.result;
	res->negative = strcmp(o.result, "pass") != 0;
}

/*
 * What the command line names, before the message: the identity of
 * -k/-c or -p (and its passphrase), or of --as in the store.  A bad one
 * fails here, the same way for a plain message and an encrypted one
 * (smimetools(7) EXIT STATUS).  Without them the store's identities are
 * looked at only for an encrypted message.
 */
void
decrypt_ctx_load(struct decrypt_ctx *c, const struct opts *o)
{
	struct store *st;

	memset(c, 0, sizeof(*c));
	c->o = o;
	c->id = opts_authserv_id(o);
	store_trust_of(&c->trust, o);
	if (o->key != NULL || o->cert != NULL || o->p12 != NULL) {
		keys_load_identity(&c->given, o->key, o->cert, o->p12,
		    o->passin, ERR_CONFIG);
		c->have_given = 1;
	} else if (o->as != NULL) {
		st = store_open(opts_store_dir(c->o), 0);
		store_set_trust(st, &c->trust);
		store_identity(st, o->as, o->passin, &c->given);
		store_close(st);
		c->have_given = 1;
	}
}

void
decrypt_ctx_free(struct decrypt_ctx *c)
{
	identity_release(&c->given);
	c->have_given = 0;
}

enum err_class
decrypt_run(const struct decrypt_ctx *c)
{
	static const struct filter_ops ops = {
		"smime-decrypt", drop_field, event, finish
	};
	static struct decrypt d;
	enum err_class rc;

	memset(&d, 0, sizeof(d));
	d.c = c;
	d.ct_fd = d.pt_fd = -1;
	rc = filter_main(&ops, &d, c->o);
	cms_decrypt_close(d.icd);
	identity_release(&d.own);
	hp_free(&d.hp);
	buf_free(&d.notes);
	if (d.ct_fd != -1)
		close(d.ct_fd);
	if (d.pt_fd != -1)
		close(d.pt_fd);
	p7in_free(&d.in);
	return rc;
}
