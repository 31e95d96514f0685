/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * filter: see filter.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filter.h"
#include "io.h"
#include "json.h"
#include "opts.h"

/* A range of the source left out of the output. */
struct range {
	uint64_t from, to;
};

struct filter {
	const struct filter_ops *ops;
	void *ctx;
	const struct opts *o;	/* -i, -o, --crlf/--lf, --report, -s */
	/*
	 * The source the output is copied from: the spool, or, when the
	 * input is a regular file, the input itself, read a second time
	 * from where it started (off0): nothing is copied then, and the
	 * dropped fields are ranges to leave out.
	 */
	int src;
	int seekable;
	uint64_t off0;
	struct range *skip;
	size_t nskip;
	int body_done;		/* the command replaces the body: stop */
	int out_now;		/* filter_out_now: the output is under way */
	struct io_wr spool;
	uint64_t from_len;	/* the mbox From line, first in the spool */
	uint64_t in_len;
	unsigned root_flags, root_fields;
	int drop;		/* the current top-level field is removed */
	int bare_cms, body_seen;
	const char *in_eol;	/* the input's first line end, or NULL */
	/* Where the root's Content-* fields and its header's end are in the
	 * source, for unwrapping. */
	uint64_t (*cfields)[2];
	size_t ncfields;
	int in_cfield;
	/* The originator, destination, identification and informational
	 * fields RFC 5322 3.6 allows once, that a protected header inside
	 * may replace: where they are, and whether they are left out. */
	struct once {
		char name[16];
		uint64_t from, to;
		int omit;
		int placeholder;	/* Subject: "..." or "[...]" */
	} *once;
	size_t nonce;
	int in_once;
	uint64_t hdr_end;
	/* filter_promote: the protected header, and which of its fields
	 * are written (bit i: hp_names[i]). */
	const struct hp *hp;
	unsigned hp_write;
};

/* --crlf/--lf, else the input's: the output is converted only when they
 * were asked for, so that a pass-through is byte-exact. */
const char *
filter_eol(const struct filter *f)
{
	if (f->o->eol != IO_EOL_KEEP)
		return io_eol_str(f->o->eol);
	return f->in_eol != NULL ? f->in_eol : "\n";
}

int
filter_bare_cms(const struct filter *f)
{
	return f->bare_cms;
}

unsigned
filter_root_flags(const struct filter *f)
{
	return f->root_flags;
}

/*
 * A .p7m/.p7s file has no header: its first line is no field.  It is CMS
 * if it starts as DER (a SEQUENCE), PEM, or base64 of a SEQUENCE ("MI").
 */
static void
sniff_bare(struct filter *f, const struct mime_event *ev)
{
	const char *s = ev->data;

	f->body_seen = 1;
	if (f->root_fields != 0 || ev->len < 2)
		return;
	f->bare_cms = (unsigned char)s[0] == 0x30 ||
	    (ev->len >= 10 && memcmp(s, "-----BEGIN", 10) == 0) ||
	    memcmp(s, "MI", 2) == 0;
}

/* The source position of ev's first byte. */
static uint64_t
src_pos(const struct filter *f, const struct mime_event *ev)
{
	return f->seekable ? f->off0 + ev->offset : f->spool.total;
}

static void
add_skip(struct filter *f, uint64_t from, uint64_t to)
{
	if (f->nskip > 0 && f->skip[f->nskip - 1].to == from) {
		f->skip[f->nskip - 1].to = to;
		return;
	}
	f->skip = xrealloc(f->skip, (f->nskip + 1) * sizeof(*f->skip));
	f->skip[f->nskip].from = from;
	f->skip[f->nskip++].to = to;
}

#define ONCE_MAX	1000	/* more fields: no protected-header merge */

static const char *const once_names[] = { "Date", "From", "Sender",
	"Reply-To", "To", "Cc", "Message-ID", "In-Reply-To", "References",
	"Subject", "MIME-Version", NULL };

static const char *
once_name(const char *field, size_t len)
{
	int i;

	for (i = 0; once_names[i] != NULL; i++)
		if (mime_field_is(field, len, once_names[i]))
			return once_names[i];
	return NULL;
}

/* The value a sender of protected headers leaves outside instead of the
 * Subject (RFC 7508 examples, draft-ietf-lamps-header-protection). */
static int
is_placeholder(const char *field, size_t len)
{
	size_t v, e;

	if (mime_field_name(field, len, &v) == 0)
		return 0;
	while (v < len && (field[v] == ' ' || field[v] == '\t'))
		v++;
	e = len;
	while (e > v && (field[e - 1] == '\r' || field[e - 1] == '\n' ||
	    field[e - 1] == ' ' || field[e - 1] == '\t'))
		e--;
	return (e - v == 3 && memcmp(field + v, "...", 3) == 0) ||
	    (e - v == 5 && memcmp(field + v, "[...]", 5) == 0);
}

void
filter_body_replaced(struct filter *f)
{
	f->body_done = 1;
}

static void
event(void *arg, const struct mime_event *ev)
{
	struct filter *f = arg;
	uint64_t pos = src_pos(f, ev);

	f->in_len += ev->len;
	if (f->in_eol == NULL && ev->len > 0) {
		/* The first line end, known when the header ends (for
		 * filter_out_now), not only once the chunk is parsed. */
		const char *nl = memchr(ev->data, '\n', ev->len);

		if (nl != NULL)
			f->in_eol = nl > ev->data && nl[-1] == '\r' ?
			    "\r\n" : "\n";
	}
	if (ev->part->depth == 0) {
		f->root_flags = ev->part->flags;
		if (ev->type == MIME_EV_FIELD) {
			f->root_fields++;
			f->drop = f->ops->drop_field != NULL &&
			    f->ops->drop_field(f->ctx, ev->data, ev->len);
		}
		if ((ev->type == MIME_EV_FIELD ||
		    ev->type == MIME_EV_FIELD_MORE) && f->drop) {
			if (f->seekable)
				add_skip(f, pos, pos + ev->len);
			goto watch;
		}
		if (ev->type == MIME_EV_FROM)
			f->from_len = ev->len;
		if (ev->type == MIME_EV_FIELD)
			f->in_cfield = strncasecmp(ev->data, "Content-", 8) == 0;
		if (ev->type == MIME_EV_FIELD) {
			const char *n = once_name(ev->data, ev->len);

			f->in_once = n != NULL && f->nonce < ONCE_MAX;
			if (f->in_once) {
				f->once = xrealloc(f->once, (f->nonce + 1) *
				    sizeof(*f->once));
				snprintf(f->once[f->nonce].name,
				    sizeof(f->once[0].name), "%s", n);
				f->once[f->nonce].from = pos;
				f->once[f->nonce].to = pos + ev->len;
				f->once[f->nonce].omit = 0;
				f->once[f->nonce++].placeholder =
				    strcmp(n, "Subject") == 0 &&
				    is_placeholder(ev->data, ev->len);
			}
		} else if (ev->type == MIME_EV_FIELD_MORE && f->in_once) {
			f->once[f->nonce - 1].to += ev->len;
			f->once[f->nonce - 1].placeholder = 0;
		}
		if (ev->type == MIME_EV_FIELD && f->in_cfield) {
			f->cfields = xrealloc(f->cfields,
			    (f->ncfields + 1) * sizeof(*f->cfields));
			f->cfields[f->ncfields][0] = pos;
			f->cfields[f->ncfields++][1] = pos + ev->len;
		} else if (ev->type == MIME_EV_FIELD_MORE && f->in_cfield)
			f->cfields[f->ncfields - 1][1] += ev->len;
		if (ev->type == MIME_EV_HEADER_END)
			f->hdr_end = pos;
		if (ev->type == MIME_EV_BODY && !f->body_seen)
			sniff_bare(f, ev);
	}
	if (!f->seekable && !f->body_done)
		io_wr_write(&f->spool, ev->data, ev->len);
watch:
	if (f->ops->event != NULL)
		f->ops->event(f->ctx, f, ev);
}

/* pread, not lseek and read: the input may still be being read. */
static void
copy_n(struct io_wr *w, int fd, uint64_t at, uint64_t n)
{
	char buf[IO_BUFSIZE];
	ssize_t k;

	while (n > 0) {
		k = pread(fd, buf, n < sizeof(buf) ? (size_t)n : sizeof(buf),
		    (off_t)at);
		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1)
			xdie(ERR_IO, "cannot read the input: %s",
			    strerror(errno));
		if (k == 0)
			xdie(ERR_TEMP, "the input or its spool shrank while it was read");
		io_wr_write(w, buf, (size_t)k);
		at += (uint64_t)k;
		n -= (uint64_t)k;
	}
}

/* Copies [from, to) of the source, less its skip ranges and extra
 * (sorted, not overlapping them), to w. */
static void
copy_src(struct filter *f, struct io_wr *w, uint64_t from, uint64_t to,
    const uint64_t (*extra)[2], size_t nextra)
{
	size_t i = 0, k = 0;
	uint64_t a, b;

	while (from < to) {
		/* the next range to leave out, of either list */
		a = b = to;
		while (i < f->nskip && f->skip[i].to <= from)
			i++;
		while (k < nextra && extra[k][1] <= from)
			k++;
		if (i < f->nskip && f->skip[i].from < a) {
			a = f->skip[i].from;
			b = f->skip[i].to;
		}
		if (k < nextra && extra[k][0] < a) {
			a = extra[k][0];
			b = extra[k][1];
		}
		if (a > to)
			a = to;
		if (a > from)
			copy_n(w, f->src, from, a - from);
		from = b > a ? b : a;
	}
}

/* --report: one JSON object per line, appended in one write(2) so that
 * concurrent runs do not interleave. */
static void
report_line(const struct opts *o, const char *tool, const char *result,
    const char *comment, const char *hp)
{
	struct buf line = { 0 };
	int fd;

	if (o->report == NULL)
		return;
	buf_puts(&line, "{\"tool\":");
	json_str(&line, tool);
	buf_puts(&line, ",\"authserv_id\":");
	json_str(&line, opts_authserv_id(o));
	buf_puts(&line, ",\"result\":");
	json_str(&line, result);
	if (comment != NULL) {
		buf_puts(&line, ",\"comment\":");
		json_str(&line, comment);
	}
	if (hp != NULL) {
		buf_puts(&line, ",\"hp\":");
		json_str(&line, hp);
	}
	buf_puts(&line, "}\n");
	if (strncmp(o->report, "fd:", 3) == 0)
		fd = atoi(o->report + 3);
	else
		fd = open(o->report, O_WRONLY | O_APPEND | O_CREAT |
		    O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, line.p, line.n) != (ssize_t)line.n)
		xdie(ERR_CANTCREAT, "cannot write report '%s': %s",
		    o->report, strerror(errno));
	if (strncmp(o->report, "fd:", 3) != 0)
		close(fd);
	buf_free(&line);
}

void
filter_report(const struct opts *o, const char *tool, const char *result,
    const char *comment)
{
	report_line(o, tool, result, comment, NULL);
}

/* An outer field read into buf; its value (after the colon) is
 * buf[*vat, *vat + *vlen).  -1 if it is longer than vsz. */
static int
outer_value(const struct filter *f, const struct once *e, char *v,
    size_t vsz, size_t *vat, size_t *vlen)
{
	size_t n = (size_t)(e->to - e->from), at;
	ssize_t k;

	if (n > vsz)
		return -1;
	do
		k = pread(f->src, v, n, (off_t)e->from);
	while (k == -1 && errno == EINTR);
	if (k != (ssize_t)n)
		xdie(ERR_IO, "cannot read the input again: %s",
		    k == -1 ? strerror(errno) : "it shrank");
	if (mime_field_name(v, n, &at) == 0)
		return -1;
	*vat = at;
	*vlen = n - at;
	return 0;
}

int
filter_promote(struct filter *f, const struct hp *hp, struct buf *notes)
{
	static char buf[HP_MAX];
	const char *names[HP_NFIELDS], *v;
	size_t i, vat, vlen, at;
	int k, n = 0, count, same, differs, keep;

	if (f->nonce >= ONCE_MAX)
		return -1;
	f->hp = hp;
	f->hp_write = 0;
	for (k = 0; k < HP_NFIELDS; k++) {
		count = same = differs = 0;
		for (i = 0; i < f->nonce; i++) {
			if (strcmp(f->once[i].name, hp_names[k]) != 0)
				continue;
			count++;
			if (outer_value(f, &f->once[i], buf, sizeof(buf),
			    &vat, &vlen) == -1) {
				differs = 1;
				continue;
			}
			v = buf + vat;
			if (hp->has[k] && mime_field_name(hp->field[k].p,
			    hp->field[k].n, &at) > 0 && hp_value_eq(v, vlen,
			    hp->field[k].p + at, hp->field[k].n - at))
				same++;
			else if (!(hp->has_outer[k] && hp_value_eq(v, vlen,
			    hp->outer[k].p, hp->outer[k].n)))
				differs = 1;
		}
		if (hp->has[k])
			keep = count == 1 && same == 1;
		else
			keep = hp->scheme == HP_V1;
		for (i = 0; i < f->nonce && !keep; i++)
			if (strcmp(f->once[i].name, hp_names[k]) == 0)
				f->once[i].omit = 1;
		if (hp->has[k] && !keep)
			f->hp_write |= 1u << k;
		if (differs && !(keep && !hp->has[k]))
			names[n++] = hp_names[k];
	}
	if (n == 0)
		return 0;
	buf_puts(notes, "outer ");
	for (k = 0; k < n; k++)
		buf_printf(notes, "%s%s", k > 0 ? ", " : "", names[k]);
	buf_printf(notes, " %s from the protected header",
	    n > 1 ? "differ" : "differs");
	return 0;
}

/* The protected fields filter_promote chose, in the output's line
 * ends. */
static void
write_protected(struct filter *f, struct io_wr *w)
{
	const char *eol = filter_eol(f), *p;
	size_t i, n, start;
	int k;

	for (k = 0; f->hp != NULL && k < HP_NFIELDS; k++) {
		if (!(f->hp_write & 1u << k))
			continue;
		p = f->hp->field[k].p;
		n = f->hp->field[k].n;
		while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
			n--;
		for (i = start = 0; i <= n; i++) {
			if (i < n && p[i] != '\n')
				continue;
			/* a line, less its CR, then our line end */
			io_wr_write(w, p + start, i - start -
			    (i > start && p[i - 1] == '\r'));
			io_wr_write(w, eol, strlen(eol));
			start = i + 1;
		}
	}
}

/* Is an outer field of this name staying in the output? */
static int
outer_kept(const struct filter *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->nonce; i++)
		if (strcmp(f->once[i].name, name) == 0 && !f->once[i].omit)
			return 1;
	return 0;
}

/*
 * An entity that replaces the root's Content-* fields and body, unwrapped
 * or decrypted.  The outer header stays.  What comes up from the
 * entity's header is an allow-list of what its author may legitimately
 * say, not a list of what is forbidden, which would miss a field nobody
 * thought of: its Content-* fields (they describe its body), and the
 * fields RFC 5322 allows once, and MIME-Version, that the outer header
 * lacks (protected headers, RFC 7508), the first of each name only.  So
 * no trace field (Received, Return-Path), no result field of anyone's
 * (Authentication-Results, SMIME-Decrypt, DKIM-Signature, ARC-*), no
 * control field (SMIME-Encrypt) and nothing else comes to the top, and
 * neither a signer nor whoever encrypted replaces the From the MTA
 * checked.  The one field that replaces an outer one is a Subject that a
 * sender of protected headers hid behind "..." or "[...]".  A field
 * holding a bare CR never comes up: a reader that ends lines there sees
 * another field in it.  Names are compared as mime_field_name reads
 * them: any case, white space before the colon.  The entity's header is
 * read twice (to learn whether it brings a Subject, then to copy it); the
 * body once.
 */
struct entity {
	struct filter *f;
	struct io_wr *out;	/* NULL: the first reading */
	int drop, done, has_subject;
	unsigned once_seen;	/* bit i: a field of once_names[i] came up */
	uint64_t body;		/* where its header ends */
};

static int
inner_promoted(struct entity *en, const char *field, size_t len)
{
	const char *name;
	size_t v, n = mime_field_name(field, len, &v);
	int i;

	if (n == 0 || hdr_bare_cr(field, len))
		return 0;
	if (n > 8 && strncasecmp(field, "Content-", 8) == 0)
		return 1;
	if (en->f->hp != NULL && hp_index(field, len) >= 0)
		return 0;
	if ((name = once_name(field, len)) == NULL || outer_kept(en->f, name))
		return 0;
	for (i = 0; once_names[i] != name; i++)
		;
	if (en->once_seen & 1u << i)
		return 0;
	en->once_seen |= 1u << i;
	return 1;
}

static void
entity_event(void *arg, const struct mime_event *ev)
{
	struct entity *en = arg;
	const char *eol;

	if (en->done || ev->part->depth != 0)
		return;
	switch (ev->type) {
	case MIME_EV_FIELD:
		if (mime_field_is(ev->data, ev->len, "Subject") &&
		    !hdr_bare_cr(ev->data, ev->len))
			en->has_subject = 1;
		en->drop = !inner_promoted(en, ev->data, ev->len);
		/* FALLTHROUGH */
	case MIME_EV_FIELD_MORE:
		if (en->out != NULL && !en->drop)
			io_wr_write(en->out, ev->data, ev->len);
		break;
	case MIME_EV_HEADER_END:
		en->done = 1;
		en->body = ev->offset + ev->len;
		if (en->out == NULL)
			break;
		/* No header of its own, or one cut short: the empty line
		 * must still end the outer header it joins. */
		eol = filter_eol(en->f);
		io_wr_write(en->out, ev->len > 0 ? ev->data : eol,
		    ev->len > 0 ? ev->len : strlen(eol));
		break;
	default:
		break;
	}
}

/* Reads the entity's header; returns where its body starts. */
static uint64_t
entity_header(struct entity *en, int fd)
{
	static char buf[IO_BUFSIZE];
	struct mime_parser *p;
	uint64_t total = 0;
	size_t n;

	if (lseek(fd, 0, SEEK_SET) == -1)
		xdie(ERR_TEMP, "cannot rewind the spool: %s", strerror(errno));
	en->done = en->drop = 0;
	en->once_seen = 0;
	p = mime_parser_new(entity_event, en);
	while (!en->done && (n = io_read(fd, buf, sizeof(buf))) > 0) {
		total += n;
		mime_parser_feed(p, buf, n);
	}
	if (!en->done) {
		en->body = total;
		mime_parser_finish(p);
	}
	mime_parser_free(p);
	return en->body;
}

static struct io_wr out;

/* The outer header, from the mbox From line's end to the empty line,
 * less its Content-* fields (unless cfields) and the omitted ones. */
static void
write_outer(struct filter *f, int cfields)
{
	uint64_t (*omit)[2];
	size_t i, k, n = 0, nc = cfields ? 0 : f->ncfields;

	omit = xcalloc(f->ncfields + f->nonce + 1, sizeof(*omit));
	for (i = k = 0; i < nc || k < f->nonce;) {
		while (k < f->nonce && !f->once[k].omit)
			k++;
		if (k < f->nonce && (i == nc ||
		    f->once[k].from < f->cfields[i][0])) {
			omit[n][0] = f->once[k].from;
			omit[n++][1] = f->once[k++].to;
		} else if (i < nc) {
			omit[n][0] = f->cfields[i][0];
			omit[n++][1] = f->cfields[i++][1];
		}
	}
	copy_src(f, &out, f->off0 + f->from_len, f->hdr_end,
	    (const uint64_t (*)[2])omit, n);
	free(omit);
}

/* A CRLF entity goes out in the output's line ends. */
static void
entity_eol(struct filter *f)
{
	if (f->o->eol == IO_EOL_KEEP)
		out.eol = strcmp(filter_eol(f), "\r\n") == 0 ? IO_EOL_CRLF :
		    IO_EOL_LF;
}

struct io_wr *
filter_out_now(struct filter *f)
{
	int fd = io_out_open(f->o->out);

	if (!io_out_direct())
		return NULL;
	if (!f->seekable && io_wr_flush(&f->spool) != 0)
		xdie(ERR_TEMP, "cannot write the spool: %s",
		    strerror(f->spool.err));
	io_wr_init(&out, fd, f->o->eol);
	copy_src(f, &out, f->off0, f->off0 + f->from_len, NULL, 0);
	write_outer(f, 0);
	entity_eol(f);
	f->out_now = 1;
	return &out;
}

static void
write_output(struct filter *f, struct filter_result *res)
{
	struct entity en = { .f = f };
	uint64_t end, body, lde0 = 0, lde1 = 0;
	size_t i;

	if (f->out_now)
		goto done;
	io_wr_init(&out, io_out_open(f->o->out), f->o->eol);
	end = f->seekable ? f->off0 + f->in_len : f->spool.total;
	copy_src(f, &out, f->off0, f->off0 + f->from_len, NULL, 0);
	io_wr_write(&out, res->field.b.p, res->field.b.n);
	if (res->body_fd == -1 && f->hp == NULL) {
		copy_src(f, &out, f->off0 + f->from_len, end, NULL, 0);
		goto done;
	}
	if (res->body_fd == -1) {
		write_outer(f, 1);
		write_protected(f, &out);
		copy_src(f, &out, f->hdr_end, end, NULL, 0);
		goto done;
	}
	entity_header(&en, res->body_fd);
	for (i = 0; i < f->nonce && en.has_subject && f->hp == NULL; i++)
		if (f->once[i].placeholder)
			f->once[i].omit = 1;
	/* The outer header without its Content-* fields (nor a hidden
	 * Subject), the protected fields, then the entity. */
	write_outer(f, 0);
	write_protected(f, &out);
	if (res->body_crlf)
		entity_eol(f);
	en.out = &out;
	body = entity_header(&en, res->body_fd);
	if (res->strip_lde && f->hp != NULL &&
	    hp_lde(res->body_fd, f->hp->scheme, &lde0, &lde1) == 0 &&
	    lde0 >= body) {
		copy_n(&out, res->body_fd, body, lde0 - body);
		body = lde1;
	}
	if (lseek(res->body_fd, (off_t)body, SEEK_SET) == -1)
		xdie(ERR_TEMP, "cannot seek the spool: %s", strerror(errno));
	io_wr_copyfd(&out, res->body_fd);
done:
	if (io_wr_flush(&out) != 0)
		xdie(io_errclass(out.err), "cannot write output: %s",
		    strerror(out.err));
	io_out_commit();
}

enum err_class
filter_main(const struct filter_ops *ops, void *ctx, const struct opts *o)
{
	static struct filter f;
	struct filter_result res = { .body_fd = -1 };
	struct mime_parser *p;
	static char buf[IO_BUFSIZE];
	struct stat st;
	off_t pos;
	int in, spool;
	size_t n;

	memset(&f, 0, sizeof(f));
	f.ops = ops;
	f.ctx = ctx;
	f.o = o;
	in = io_in_open(o->in);
	/* A regular file is read twice rather than copied to a spool
	 * (smimetools(7) LIMITS, Disk), from wherever the caller left its
	 * offset. */
	if (fstat(in, &st) == 0 && S_ISREG(st.st_mode) &&
	    (pos = lseek(in, 0, SEEK_CUR)) != -1) {
		f.seekable = 1;
		f.off0 = (uint64_t)pos;
		spool = -1;
		f.src = in;
	} else {
		spool = io_spool_open();
		io_wr_init(&f.spool, spool, IO_EOL_KEEP);
		f.src = spool;
	}
	p = mime_parser_new(event, &f);
	while ((n = io_read(in, buf, sizeof(buf))) > 0) {
		mime_parser_feed(p, buf, n);
		if (f.in_eol == NULL && *mime_parser_eol(p) != '\0')
			f.in_eol = strcmp(mime_parser_eol(p), "\r\n") == 0 ?
			    "\r\n" : "\n";
	}
	mime_parser_finish(p);
	mime_parser_free(p);
	io_in_eof();
	if (f.in_len == 0)
		xdie(ERR_DATA, "empty input: not a message");
	if (!f.seekable && io_wr_flush(&f.spool) != 0)
		xdie(ERR_TEMP, "cannot write the spool: %s",
		    strerror(f.spool.err));
	ops->finish(ctx, &f, &res);
	if (!res.no_output)
		write_output(&f, &res);
	report_line(o, ops->name, res.result, res.comment, res.hp);
	if (spool != -1)
		close(spool);
	if (res.body_fd != -1)
		close(res.body_fd);
	free(f.cfields);
	free(f.skip);
	free(f.once);
	hdr_field_release(&res.field);
	free(res.comment);
	return res.negative && (o->strict || res.no_output) ?
	    ERR_NEGATIVE : ERR_OK;
}
