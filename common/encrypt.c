/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * encrypt: see encrypt.h.
 *
 * The recipients are known once the top-level header has been read (To,
 * Cc and Bcc are in it), so encryption starts there and streams: the
 * entity to protect (the message's Content-* fields, and with
 * --protect-headers its Subject, then its body, in CRLF as RFC 8551 3.1.1
 * wants it) goes into the CMS stream as the parser delivers it, and the
 * base64 of the result straight into the output when a failure can take
 * it back (-o, a regular stdout: filter_out_now), else into a spool that
 * replaces the Content-* fields and body of the output at the end.
 * Nothing is written before every recipient has a certificate: with
 * --missing=fail the process dies 67 with stdout untouched.
 *
 * --protect-headers (RFC 9788), for an unsigned message: the entity
 * gets the copies of the top-level fields and HP-Outer (hcp.h) first,
 * hp="cipher" on its Content-Type, the Legacy Display Element in its
 * first text/plain part; the fields the policy hides are removed as they
 * pass and written again, as the outside shows them, at the end of the
 * header.  A signed message's outside is the signer's: those fields go
 * out as they came (reordered: they follow the others), and its payload
 * must already say hp="cipher" (smime-sign --protect-headers), else 65.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/x509v3.h>

#include "buf.h"
#include "cms.h"
#include "encrypt.h"
#include "filter.h"
#include "hcp.h"
#include "keys.h"
#include "opts.h"
#include "store.h"


struct encrypt {
	const struct encrypt_ctx *c;
	int marked_no;
	int mime_version;	/* the header has MIME-Version */
	char from[320];		/* the From address, for --self */
	int encrypting;
	/* the addresses of To, Cc, Bcc, in order, lowercased */
	char **addrs;
	size_t naddrs;
	int too_many;
	/* the root's Content-* fields; where its Content-Type is in them */
	struct buf inner, root_ct;
	size_t ct_off, ct_len;
	int has_ct;
	/* header protection (hcp.h) */
	struct hcp hp;
	struct buf field;	/* the top-level field being read */
	int in_field;
	struct buf held;	/* the fields removed for the policy, raw */
	int is_signed;
	int lde_want, lde_set, lde_on, ct_hold;
	unsigned lde_serial;
	struct buf ct;		/* a part's Content-Type, held */
	struct hcp_lde lde;
	struct cms_encrypt *cms;
	struct io_wr plain;	/* CRLF into cms */
	struct io_wr spool;	/* the new entity, into out_fd */
	int out_fd;		/* -1: written straight out */
	struct io_wr *out;	/* &spool, or the output's writer */
	const char *plain_reason;	/* --missing=plain: why not encrypted */
};

/* "SMIME-Encrypt: no", in any case, with comments and folds. */
static int
says_no(const char *field, size_t len)
{
	char word[8];
	size_t v, pos = 0;
	long n;

	mime_field_name(field, len, &v);
	mime_skip_cfws(field + v, len - v, &pos);
	n = mime_lex_value(field + v, len - v, &pos, word, sizeof(word), 1);
	return n == 2 && strcasecmp(word, "no") == 0;
}

static void
add_addr(void *arg, const char *addr)
{
	struct encrypt *e = arg;
	size_t i;

	for (i = 0; i < e->naddrs; i++)
		if (strcmp(e->addrs[i], addr) == 0)
			return;
	if (e->naddrs == e->c->o->lim.recipients) {
		e->too_many = 1;
		return;
	}
	e->addrs = xrealloc(e->addrs, (e->naddrs + 1) * sizeof(*e->addrs));
	e->addrs[e->naddrs++] = xstrdup(addr);
}

/* The top-level header, and a part's Content-Type, bounded. */
static void
keep(struct buf *b, const char *p, size_t n)
{
	if (b->n + n > (4 << 20))
		xdie(ERR_DATA, "the header is too long");
	buf_add(b, p, n);
}

static enum hcp_policy
policy(const struct encrypt *e)
{
	return (enum hcp_policy)e->c->o->protect_headers;
}

/* A whole top-level field: where it goes. */
static void
field_done(struct encrypt *e)
{
	const char *p = e->field.p;
	size_t n = e->field.n;

	if (!e->in_field)
		return;
	e->in_field = 0;
	if (strncasecmp(p, "Content-", 8) == 0) {
		/* In their order; the Content-Type may get parameters. */
		if (mime_field_is(p, n, "Content-Type") && !e->has_ct) {
			e->has_ct = 1;
			e->ct_off = e->inner.n;
			e->ct_len = n;
		}
		keep(&e->inner, p, n);
	}
	else {
		hcp_add(&e->hp, p, n);
		if (hcp_hides(policy(e), p, n))
			keep(&e->held, p, n);
	}
	e->field.n = 0;
}

/* Into w in CRLF, whatever the fields' own line ends. */
static void
put_crlf(struct io_wr *w, const struct buf *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		if (b->p[i] == '\n' && (i == 0 || b->p[i - 1] != '\r'))
			io_wr_write(w, "\r", 1);
		io_wr_write(w, b->p + i, 1);
	}
}

static int
drop_field(void *arg, const char *field, size_t len)
{
	struct encrypt *e = arg;
	size_t v;

	if (mime_field_is(field, len, "SMIME-Encrypt")) {
		if (says_no(field, len))
			e->marked_no = 1;
		return 1;
	}
	if (mime_field_is(field, len, "MIME-Version"))
		e->mime_version = 1;
	if (mime_field_is(field, len, "From") && *e->from == '\0') {
		mime_field_name(field, len, &v);
		hdr_addresses(field + v, len - v, e->from, sizeof(e->from));
	}
	if (mime_field_is(field, len, "To") || mime_field_is(field, len, "Cc") ||
	    mime_field_is(field, len, "Bcc")) {
		mime_field_name(field, len, &v);
		hdr_address_each(field + v, len - v, add_addr, e);
	}
	/* Written again at the end of the header (field_done, start). */
	if (hcp_hides(policy(e), field, len))
		return 1;
	/* smime-encrypt(1): Bcc never leaves, encrypted or not. */
	return mime_field_is(field, len, "Bcc");
}

static int
to_cms(void *arg, const char *p, size_t n)
{
	cms_encrypt_write(arg, p, n);
	return 0;
}

/* Can x be encrypted to, now (RFC 8550 4.4.2)? */
static const char *
unusable(X509 *x)
{
	uint32_t ku = X509_get_key_usage(x);
	int id = EVP_PKEY_get_base_id(X509_get0_pubkey(x));

	if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0)
		return "expired";
	if (X509_cmp_current_time(X509_get0_notBefore(x)) > 0)
		return "not yet valid";
	if (id != EVP_PKEY_RSA && id != EVP_PKEY_EC && id != EVP_PKEY_X25519 &&
	    id != EVP_PKEY_X448)
		return "not an RSA, EC, X25519 or X448 key";
	if (ku != UINT32_MAX && !(ku & (id == EVP_PKEY_RSA ?
	    KU_KEY_ENCIPHERMENT : KU_KEY_AGREEMENT)))
		return "its key usage does not allow encryption";
	if ((X509_get_extension_flags(x) & EXFLAG_XKUSAGE) &&
	    !(X509_get_extended_key_usage(x) & XKU_SMIME))
		return "not for e-mail protection";
	return NULL;
}

static void
push(STACK_OF(X509) *sk, X509 *x)
{
	if (!sk_X509_push(sk, x))
		xdie(ERR_TEMP, "out of memory");
}

/* Adds a recipient without a usable certificate to the list that
 * --missing=fail prints, every one of them (at most --limit
 * recipients=, 500 by default, and the -r files). */
static void
add_missing(struct buf *missing, const char *who, const char *why)
{
	buf_printf(missing, "%s%s%s%s%s", missing->n > 0 ? ", " : "", who,
	    why != NULL ? " (" : "", why != NULL ? why : "",
	    why != NULL ? ")" : "");
}

static struct store *
open_store(const struct encrypt_ctx *c)
{
	struct store *st = store_open(opts_store_dir(c->o), 0);

	store_set_trust(st, &c->trust);
	return st;
}

/* Does a caps string ("aes-256-gcm aes-128-cbc") list cipher, as a
 * word of its own? */
static int
caps_list(const char *caps, const char *cipher)
{
	size_t n, len = strlen(cipher);

	while (*caps != '\0') {
		caps += strspn(caps, " ");
		n = strcspn(caps, " ");
		if (n == len && memcmp(caps, cipher, n) == 0)
			return 1;
		caps += n;
	}
	return 0;
}

/*
 * The recipients' certificates, and whether every one of them said it
 * takes AES-256-GCM; NULL if some recipient has none usable (missing
 * lists them).
 */
static STACK_OF(X509) *
recipients(struct encrypt *e, int *gcm_ok, struct buf *missing)
{
	const struct encrypt_ctx *c = e->c;
	const struct opts *opt = c->o;
	STACK_OF(X509) *sk = sk_X509_new_null();
	struct store *st = c->st;
	const char **a, *why;
	char caps[256];
	size_t i;
	X509 *x;
	int bad = 0, j;

	if (sk == NULL)
		xdie(ERR_TEMP, "out of memory");
	*gcm_ok = 1;
	for (i = 0; i < c->nfiles; i++)
		for (j = 0; j < sk_X509_num(c->files[i]); j++) {
			x = sk_X509_value(c->files[i], j);
			if ((why = unusable(x)) != NULL) {
				/* A certificate that cannot be used is as
				 * good as none: --missing decides. */
				add_missing(missing, opt->recip_files[i], why);
				bad++;
				continue;
			}
			X509_up_ref(x);
			push(sk, x);
			/* No capabilities are known for a bare file. */
			*gcm_ok = 0;
		}
	if (opt->recip_addrs != NULL || (opt->recip_files == NULL)) {
		if (opt->recip_addrs != NULL) {
			for (i = 0; i < e->naddrs; i++)
				free(e->addrs[i]);
			e->naddrs = 0;
			for (a = opt->recip_addrs; *a != NULL; a++)
				add_addr(e, *a);
		}
		if (e->too_many)
			xdie(ERR_DATA, "more than %u recipients (--limit recipients=)",
			    opt->lim.recipients);
		/* To, Cc, Bcc: the store is looked in only for a message
		 * that has them (smime-encrypt(1)). */
		if (e->naddrs > 0 && st == NULL)
			st = open_store(c);
		for (i = 0; i < e->naddrs; i++) {
			x = store_best(st, e->addrs[i], caps, sizeof(caps));
			if (x == NULL) {
				add_missing(missing, e->addrs[i], NULL);
				bad++;
				continue;
			}
			if (!caps_list(caps, "aes-256-gcm"))
				*gcm_ok = 0;
			push(sk, x);
		}
	}
	if (c->self != NULL) {
		/* Our own certificate (--as, -c, -p): we read GCM and
		 * ChaCha20-Poly1305, it needs no caps. */
		X509_up_ref(c->self);
		push(sk, c->self);
	} else if (opt->self) {
		/* The identity of From. */
		if (*e->from == '\0')
			xdie(ERR_CONFIG, "--self: no -c, -p or --as, "
			    "and the message has no From address");
		if (st == NULL)
			st = open_store(c);
		push(sk, store_identity_cert(st, e->from));
	}
	if (st != c->st)
		store_close(st);
	if (bad) {
		sk_X509_pop_free(sk, X509_free);
		return NULL;
	}
	if (sk_X509_num(sk) == 0)
		xdie(ERR_DATA, "no recipients: the message has no To, Cc or "
		    "Bcc address, and no -r or -t was given");
	return sk;
}

/*
 * --cipher, or for auto: AES-256-GCM (RFC 8551 2.7's MUST, and hardware
 * speeds it up) if every recipient announced it, else AES-256-CBC, which
 * every agent decrypts.  Never ChaCha20-Poly1305 by itself: an agent
 * that announces it and not AES-256-GCM surely decrypts CBC.
 */
static const char *
cipher_name(enum opt_cipher cipher, int gcm_ok)
{
	switch (cipher) {
	case CIPHER_AES128_GCM:
		return "aes-128-gcm";
	case CIPHER_AES256_GCM:
		return "aes-256-gcm";
	case CIPHER_AES128_CBC:
		return "aes-128-cbc";
	case CIPHER_AES256_CBC:
		return "aes-256-cbc";
	case CIPHER_CHACHA20_POLY1305:
		return "chacha20-poly1305";
	default:
		return gcm_ok ? "aes-256-gcm" : "aes-256-cbc";
	}
}

/* With a policy: may this message be encrypted so?  65 if not. */
static void
check_protect(struct encrypt *e, const struct mime_part *root)
{
	enum mime_smime kind = mime_smime_kind(root);

	e->is_signed = kind == MIME_SMIME_SIGNED || kind == MIME_SMIME_OPAQUE;
	if (policy(e) == HCP_OFF)
		return;
	if (e->hp.dup != NULL)
		xdie(ERR_DATA, "ambiguous header: %s given twice; not "
		    "encrypted", e->hp.dup);
	/* A wrapped message's own header is the one its readers show
	 * (RFC 8551 3.1): a label beside it would be a second header. */
	if (mime_type_is(root, "message", "rfc822") ||
	    mime_type_is(root, "message", "global"))
		xdie(ERR_DATA, "--protect-headers: the message is a wrapped "
		    "message (message/rfc822) with a header of its own; not "
		    "encrypted");
	/* Its payload is inside the signature, out of our sight. */
	if (kind == MIME_SMIME_OPAQUE)
		xdie(ERR_DATA, "--protect-headers: the payload of an opaque "
		    "signed message cannot be checked for hp=\"cipher\"; not "
		    "encrypted");
	e->lde_want = !e->is_signed && e->hp.lde.n > 0 &&
	    !e->c->o->no_legacy_display;
}

static void
put_plain(void *arg, const char *p, size_t n)
{
	struct encrypt *e = arg;

	io_wr_write(&e->plain, p, n);
}

/* The parameters a Content-Type of the payload gets. */
static void
ct_params(struct encrypt *e, const struct mime_part *part, struct buf *ct)
{
	if (part->depth == 0 && policy(e) != HCP_OFF && !e->is_signed)
		hcp_ct_param(ct, "hp=\"cipher\"");
	if (e->lde_set && part->serial == e->lde_serial)
		hcp_ct_param(ct, "hp-legacy-display=\"1\"");
}

/* A part's header ends: its Content-Type, held, goes out with what it
 * gets (the default's if it had none but gets one), then the element. */
static void
part_header_end(struct encrypt *e, const struct mime_part *part,
    struct buf *ct)
{
	if (e->lde_want && !e->lde_set && hcp_lde_target(part)) {
		e->lde_set = 1;
		e->lde_serial = part->serial;
	}
	if (ct->n == 0 && ((part->depth == 0 && (e->inner.n == 0 ||
	    policy(e) != HCP_OFF)) || (e->lde_set &&
	    part->serial == e->lde_serial)))
		buf_puts(ct, "Content-Type: text/plain; charset=us-ascii\r\n");
	if (ct->n > 0)
		ct_params(e, part, ct);
	io_wr_write(&e->plain, ct->p, ct->n);
	ct->n = 0;
	e->ct_hold = 0;
}

static void
lde_begin(struct encrypt *e, const struct mime_part *part)
{
	if (!e->lde_set || part->serial != e->lde_serial)
		return;
	hcp_lde_begin(&e->lde, part->cte, &e->hp.lde, put_plain, e);
	e->lde_on = 1;
}

/* At the end of the top-level header: encrypt or not, and to whom. */
static void
start(struct encrypt *e, struct filter *f, const struct mime_part *root)
{
	const struct opts *opt = e->c->o;
	STACK_OF(X509) *sk;
	struct buf missing = { 0 };
	const char *cipher, *eol = "\r\n";
	int gcm_ok;

	if (opt->no_encrypt || e->marked_no) {
		verbosex("not encrypted: %s", opt->no_encrypt ?
		    "--no-encrypt" : "marked SMIME-Encrypt: no");
		return;
	}
	if (filter_bare_cms(f))
		xdie(ERR_DATA, "the input is not a message");
	check_protect(e, root);
	sk = recipients(e, &gcm_ok, &missing);
	if (sk == NULL && !opt->missing_plain)
		xdie(ERR_NOUSER, "no usable certificate for %s: nothing sent "
		    "(certstore add, or --missing=plain)", missing.p);
	if (sk == NULL) {
		warnx("no usable certificate for %s: passed through "
		    "unencrypted (--missing=plain)", missing.p);
		buf_free(&missing);
		e->plain_reason = "missing certificate";
		return;
	}
	cipher = cipher_name(opt->cipher, gcm_ok);
	e->out = filter_out_now(f);
	if (e->out == NULL) {
		e->out_fd = io_spool_open();
		io_wr_init(&e->spool, e->out_fd, IO_EOL_KEEP);
		e->out = &e->spool;
	}
	if (!e->mime_version)
		io_wr_puts(e->out, "MIME-Version: 1.0\r\n");
	/* The fields the policy took off: as the signer wrote them, or
	 * as the policy shows them. */
	put_crlf(e->out, e->is_signed ? &e->held : &e->hp.hidden);
	io_wr_puts(e->out, "Content-Type: application/pkcs7-mime; "
	    "smime-type=");
	io_wr_puts(e->out, cms_smime_type(cipher));
	io_wr_puts(e->out, "; name=smime.p7m\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment; filename=smime.p7m\r\n\r\n");
	e->cms = cms_encrypt_begin(sk, cipher, opt->oaep, e->out, eol);
	sk_X509_pop_free(sk, X509_free);
	io_wr_init_sink(&e->plain, to_cms, e->cms, IO_EOL_CRLF);
	if (policy(e) != HCP_OFF && !e->is_signed) {
		/* RFC 9788 2.2: the copies and HP-Outer first. */
		io_wr_write(&e->plain, e->hp.inner.p, e->hp.inner.n);
		io_wr_write(&e->plain, e->hp.hpouter.p, e->hp.hpouter.n);
	}
	if (!e->has_ct)
		e->ct_off = e->inner.n;
	buf_add(&e->root_ct, e->inner.p + e->ct_off, e->ct_len);
	io_wr_write(&e->plain, e->inner.p, e->ct_off);
	part_header_end(e, root, &e->root_ct);
	io_wr_write(&e->plain, e->inner.p + e->ct_off + e->ct_len,
	    e->inner.n - e->ct_off - e->ct_len);
	io_wr_puts(&e->plain, "\r\n");
	lde_begin(e, root);
	e->encrypting = 1;
	filter_body_replaced(f);
	verbosex("encrypting with %s", cipher);
}

/* A signed message's payload must already say hp="cipher": its
 * label cannot change once signed (RFC 9788 2.1.1). */
static void
check_signed_payload(struct encrypt *e, const struct mime_part *part)
{
	char v[16];

	if (policy(e) == HCP_OFF || !e->is_signed || part->depth != 1 ||
	    part->index != 1)
		return;
	if (part->ctype == NULL || mime_param(part->ctype, part->ctypelen,
	    "hp", v, sizeof(v)) != 6 || strcmp(v, "cipher") != 0)
		xdie(ERR_DATA, "--protect-headers: the signed payload is not "
		    "hp=\"cipher\" (sign with --protect-headers); not "
		    "encrypted");
}

/* Below the top level while encrypting: a part's Content-Type is held
 * while the element still looks for its part. */
static void
inner_event(struct encrypt *e, const struct mime_event *ev)
{
	const struct mime_part *part = ev->part;

	switch (ev->type) {
	case MIME_EV_FIELD:
		if (e->lde_want && !e->lde_set &&
		    mime_field_is(ev->data, ev->len, "Content-Type")) {
			e->ct_hold = 1;
			keep(&e->ct, ev->data, ev->len);
			return;
		}
		e->ct_hold = 0;
		break;
	case MIME_EV_FIELD_MORE:
		if (e->ct_hold) {
			keep(&e->ct, ev->data, ev->len);
			return;
		}
		break;
	case MIME_EV_HEADER_END:
		check_signed_payload(e, part);
		part_header_end(e, part, &e->ct);
		io_wr_write(&e->plain, ev->data, ev->len);
		lde_begin(e, part);
		return;
	case MIME_EV_BODY:
		if (e->lde_on) {
			hcp_lde_body(&e->lde, ev->data, ev->len);
			return;
		}
		break;
	case MIME_EV_END:
		if (e->lde_on && part->serial == e->lde_serial) {
			hcp_lde_end(&e->lde);
			e->lde_on = 0;
		}
		return;
	default:
		break;
	}
	io_wr_write(&e->plain, ev->data, ev->len);
}

static void
event(void *arg, struct filter *f, const struct mime_event *ev)
{
	struct encrypt *e = arg;

	if (ev->part->depth == 0 && (ev->type == MIME_EV_FIELD ||
	    ev->type == MIME_EV_HEADER_END))
		field_done(e);
	if (ev->part->depth == 0 && (ev->type == MIME_EV_FIELD ||
	    (ev->type == MIME_EV_FIELD_MORE && e->in_field))) {
		e->in_field = 1;
		keep(&e->field, ev->data, ev->len);
	}
	if (ev->type == MIME_EV_HEADER_END && ev->part->depth == 0) {
		start(e, f, ev->part);
		return;
	}
	if (!e->encrypting || (ev->len == 0 && ev->type != MIME_EV_END &&
	    ev->type != MIME_EV_HEADER_END))
		return;
	if (ev->part->depth > 0 || ev->type == MIME_EV_BODY ||
	    ev->type == MIME_EV_END)
		inner_event(e, ev);
	else if (ev->type != MIME_EV_FIELD && ev->type != MIME_EV_FIELD_MORE &&
	    ev->type != MIME_EV_FROM && ev->type != MIME_EV_BEGIN)
		io_wr_write(&e->plain, ev->data, ev->len);
}

static void
finish(void *arg, struct filter *f, struct filter_result *res)
{
	struct encrypt *e = arg;

	(void)f;
	res->result = "none";
	/* Passed through: the fields taken off for the policy come back. */
	if (!e->encrypting)
		buf_add(&res->field.b, e->held.p, e->held.n);
	if (!e->encrypting) {
		if (e->plain_reason != NULL)
			res->comment = xstrdup(e->plain_reason);
		return;
	}
	if (io_wr_flush(&e->plain) != 0)
		xdie(ERR_TEMP, "cannot encrypt: %s", strerror(e->plain.err));
	cms_encrypt_end(e->cms);
	res->result = "pass";
	if (e->out_fd == -1)
		return;		/* filter.c flushes it */
	if (io_wr_flush(&e->spool) != 0)
		xdie(io_errclass(e->spool.err), "cannot write the spool: %s",
		    strerror(e->spool.err));
	res->body_fd = e->out_fd;
	res->body_crlf = 1;
	e->out_fd = -1;
}

/*
 * What the command line names, before the message: the certificates of
 * -r, the store for -t and --as, our own certificate for --self (-c, -p
 * and its passphrase) or --as.  A bad one fails here, the same way for
 * every message (smimetools(7) EXIT STATUS); --no-encrypt needs none.
 * The certificates of To, Cc and Bcc, and of From for --self alone, are
 * the message's: they are looked up when it is read.
 */
void
encrypt_ctx_load(struct encrypt_ctx *c, const struct opts *o)
{
	STACK_OF(X509) *file;
	struct identity id = { 0 };
	const char **a;

	memset(c, 0, sizeof(*c));
	c->o = o;
	store_trust_of(&c->trust, o);
	if (o->no_encrypt)
		return;
	for (a = o->recip_files; a != NULL && *a != NULL; a++) {
		c->files = xrealloc(c->files, (c->nfiles + 1) *
		    sizeof(*c->files));
		c->files[c->nfiles++] = keys_load_certs(*a);
	}
	if (o->recip_addrs != NULL || o->as != NULL)
		c->st = open_store(c);
	if (o->as != NULL)
		c->self = store_identity_cert(c->st, o->as);
	else if (o->self && o->p12 != NULL) {
		keys_load_identity(&id, NULL, NULL, o->p12, o->passin,
		    ERR_CONFIG);
		X509_up_ref(id.cert);
		c->self = id.cert;
		identity_release(&id);
	} else if (o->self && o->cert != NULL) {
		file = keys_load_certs(o->cert);
		c->self = sk_X509_shift(file);
		sk_X509_pop_free(file, X509_free);
	}
}

void
encrypt_ctx_free(struct encrypt_ctx *c)
{
	size_t i;

	for (i = 0; i < c->nfiles; i++)
		sk_X509_pop_free(c->files[i], X509_free);
	free(c->files);
	X509_free(c->self);
	store_close(c->st);
	memset(c, 0, sizeof(*c));
}

enum err_class
encrypt_run(const struct encrypt_ctx *c)
{
	static const struct filter_ops ops = {
		"smime-encrypt", drop_field, event, finish
	};
	static struct encrypt e;
	enum err_class rc;
	size_t i;

	memset(&e, 0, sizeof(e));
	e.c = c;
	hcp_init(&e.hp, (enum hcp_policy)c->o->protect_headers);
	e.out_fd = -1;
	rc = filter_main(&ops, &e, c->o);
	for (i = 0; i < e.naddrs; i++)
		free(e.addrs[i]);
	free(e.addrs);
	buf_free(&e.inner);
	buf_free(&e.root_ct);
	buf_free(&e.field);
	buf_free(&e.held);
	buf_free(&e.ct);
	hcp_release(&e.hp);
	return rc;
}
