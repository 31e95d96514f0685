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
#include <unistd.h>

#include "filter.h"
#include "io.h"
#include "opts.h"

struct filter {
	const struct filter_ops *ops;
	void *ctx;
	struct io_wr spool;
	uint64_t from_len;	/* the mbox From line, first in the spool */
	uint64_t in_len;
	unsigned root_flags, root_fields;
	int drop;		/* the current top-level field is removed */
	int bare_cms, body_seen;
	const char *in_eol;	/* the input's first line end, or NULL */
	/* Where the root's Content-* fields and its header's end are in the
	 * spool, for unwrapping. */
	uint64_t (*cfields)[2];
	size_t ncfields;
	int in_cfield;
	uint64_t hdr_end;
};

/* --crlf/--lf, else the input's: the output is converted only when they
 * were asked for, so that a pass-through is byte-exact. */
const char *
filter_eol(const struct filter *f)
{
	if (opt.eol != IO_EOL_KEEP)
		return io_eol_str(opt.eol);
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

static void
event(void *arg, const struct mime_event *ev)
{
	struct filter *f = arg;

	f->in_len += ev->len;
	if (ev->part->depth == 0) {
		f->root_flags = ev->part->flags;
		if (ev->type == MIME_EV_FIELD) {
			f->root_fields++;
			f->drop = f->ops->drop_field != NULL &&
			    f->ops->drop_field(f->ctx, ev->data, ev->len);
		}
		if ((ev->type == MIME_EV_FIELD ||
		    ev->type == MIME_EV_FIELD_MORE) && f->drop)
			goto watch;
		if (ev->type == MIME_EV_FROM)
			f->from_len = ev->len;
		if (ev->type == MIME_EV_FIELD)
			f->in_cfield = strncasecmp(ev->data, "Content-", 8) == 0;
		if (ev->type == MIME_EV_FIELD && f->in_cfield) {
			f->cfields = xrealloc(f->cfields,
			    (f->ncfields + 1) * sizeof(*f->cfields));
			f->cfields[f->ncfields][0] = f->spool.total;
			f->cfields[f->ncfields++][1] = f->spool.total + ev->len;
		} else if (ev->type == MIME_EV_FIELD_MORE && f->in_cfield)
			f->cfields[f->ncfields - 1][1] += ev->len;
		if (ev->type == MIME_EV_HEADER_END)
			f->hdr_end = f->spool.total;
		if (ev->type == MIME_EV_BODY && !f->body_seen)
			sniff_bare(f, ev);
	}
	io_wr_write(&f->spool, ev->data, ev->len);
watch:
	if (f->ops->event != NULL)
		f->ops->event(f->ctx, f, ev);
}

static void
copy_n(struct io_wr *w, int fd, uint64_t n)
{
	char buf[IO_BUFSIZE];
	size_t k;

	while (n > 0) {
		k = io_read(fd, buf, n < sizeof(buf) ? (size_t)n : sizeof(buf));
		if (k == 0)
			xdie(ERR_TEMP, "spool file shrank");
		io_wr_write(w, buf, k);
		n -= k;
	}
}

static void
json_str(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c < 32 || c >= 127)
			fprintf(fp, "\\u%04x", c);
		else
			fputc(c, fp);
	}
	fputc('"', fp);
}

/* --report: one JSON object per line, appended in one write(2) so that
 * concurrent runs do not interleave. */
void
filter_report(const char *tool, const char *result, const char *comment)
{
	char *line = NULL;
	size_t len = 0;
	FILE *fp;
	int fd;

	if (opt.report == NULL)
		return;
	fp = open_memstream(&line, &len);
	if (fp == NULL)
		xdie(ERR_TEMP, "out of memory");
	fputs("{\"tool\":", fp);
	json_str(fp, tool);
	fputs(",\"authserv_id\":", fp);
	json_str(fp, opts_authserv_id());
	fputs(",\"result\":", fp);
	json_str(fp, result);
	if (comment != NULL) {
		fputs(",\"comment\":", fp);
		json_str(fp, comment);
	}
	fputs("}\n", fp);
	fclose(fp);
	if (strncmp(opt.report, "fd:", 3) == 0)
		fd = atoi(opt.report + 3);
	else
		fd = open(opt.report, O_WRONLY | O_APPEND | O_CREAT |
		    O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, line, len) != (ssize_t)len)
		xdie(ERR_CANTCREAT, "cannot write report '%s': %s",
		    opt.report, strerror(errno));
	if (strncmp(opt.report, "fd:", 3) != 0)
		close(fd);
	free(line);
}

static void
write_output(struct filter *f, struct filter_result *res, int spool)
{
	static struct io_wr out;
	uint64_t pos;
	size_t i;

	io_wr_init(&out, io_out_open(opt.out), opt.eol);
	if (lseek(spool, 0, SEEK_SET) == -1)
		xdie(ERR_TEMP, "cannot rewind the spool: %s", strerror(errno));
	copy_n(&out, spool, f->from_len);
	io_wr_write(&out, res->field.buf, res->field.len);
	if (res->body_fd == -1) {
		io_wr_copyfd(&out, spool);
		goto done;
	}
	/* The outer header without its Content-* fields, then the entity. */
	pos = f->from_len;
	for (i = 0; i < f->ncfields; i++) {
		copy_n(&out, spool, f->cfields[i][0] - pos);
		if (lseek(spool, (off_t)f->cfields[i][1], SEEK_SET) == -1)
			xdie(ERR_TEMP, "cannot seek the spool: %s",
			    strerror(errno));
		pos = f->cfields[i][1];
	}
	copy_n(&out, spool, f->hdr_end - pos);
	if (lseek(res->body_fd, 0, SEEK_SET) == -1)
		xdie(ERR_TEMP, "cannot rewind the spool: %s", strerror(errno));
	if (res->body_crlf && opt.eol == IO_EOL_KEEP)
		out.eol = strcmp(filter_eol(f), "\r\n") == 0 ? IO_EOL_CRLF :
		    IO_EOL_LF;
	io_wr_copyfd(&out, res->body_fd);
done:
	if (io_wr_flush(&out) != 0)
		xdie(io_errclass(out.err), "cannot write output: %s",
		    strerror(out.err));
	io_out_commit();
}

enum err_class
filter_main(const struct filter_ops *ops, void *ctx)
{
	static struct filter f;
	struct filter_result res = { .body_fd = -1 };
	struct mime_parser *p;
	static char buf[IO_BUFSIZE];
	int in, spool;
	size_t n;

	f.ops = ops;
	f.ctx = ctx;
	in = io_in_open(opt.in);
	spool = io_spool_open();
	io_wr_init(&f.spool, spool, IO_EOL_KEEP);
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
	if (io_wr_flush(&f.spool) != 0)
		xdie(ERR_TEMP, "cannot write the spool: %s",
		    strerror(f.spool.err));
	ops->finish(ctx, &f, &res);
	if (!res.no_output)
		write_output(&f, &res, spool);
	filter_report(ops->name, res.result, res.comment);
	close(spool);
	if (res.body_fd != -1)
		close(res.body_fd);
	free(f.cfields);
	hdr_field_release(&res.field);
	free(res.comment);
	return res.negative && (opt.strict || res.no_output) ?
	    ERR_NEGATIVE : ERR_OK;
}
