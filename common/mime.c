/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * mime: the streaming parser.  See mime.h for what it promises.
 *
 * The parser keeps one buffer and a stack of open entities (the innermost
 * is `cur`).  Each step looks at the unconsumed input and either consumes
 * some of it, delivering events whose data starts at the current position,
 * or says it needs more.  Every "needs more" is bounded (a field up to
 * MIME_FIELD_MAX, a delimiter line up to DELIM_LOOK, a name up to 998
 * bytes), so the buffer never has to grow, and at end of input every step
 * makes progress.
 *
 * Bodies are scanned a run at a time: only a line that starts with '-'
 * can be a delimiter, so the scanner jumps from one "\n-" to the next
 * with memchr and hands the bytes between over in one event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "mime.h"

#define NAME_LOOK	1000	/* RFC 5322 2.1.1: a line is at most 998 */
#define DELIM_LOOK	(2 + MIME_BOUNDARY_MAX + 2 + 998)
unsigned mime_depth_max = 100, mime_parts_max = 10000;

#define BUFCAP		(MIME_FIELD_MAX + 16 * 1024)

enum { ST_HEADER, ST_BODY, ST_PREAMBLE, ST_CHILD, ST_EPILOGUE };
/* Where a body-like scan stands: at the start of a line with no line end
 * before it, inside a line, or at a line end that precedes a line. */
enum { L_BOL, L_MID, L_EOL };
enum { D_NO, D_NEED, D_YES };

struct mime_parser {
	mime_cb cb;
	void *arg;
	struct mime_part *root, *cur;
	uint64_t pos;		/* input offset of the next byte to consume */
	unsigned count;		/* entities begun */
	unsigned nopen;		/* multiparts whose delimiters we look for */
	int lstate;
	int more, more_bol;	/* in the rest of an over-long field */
	int started, fromdone;
	char eol[3];
	size_t blen;
	char buf[BUFCAP];
};

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static void
emit(struct mime_parser *p, enum mime_ev type, struct mime_part *part,
    const char *data, size_t len, uint64_t offset)
{
	struct mime_event ev = { type, part, data, len, offset };

	p->cb(p->arg, &ev);
}

static int
is_open(const struct mime_part *m)
{
	return m->boundary != NULL &&
	    (m->state == ST_PREAMBLE || m->state == ST_CHILD);
}

static void
begin(struct mime_parser *p, struct mime_part *parent, uint64_t offset)
{
	struct mime_part *part = xcalloc(1, sizeof(*part));

	part->parent = parent;
	part->serial = p->count;
	part->offset = offset;
	part->state = ST_HEADER;
	if (parent != NULL) {
		part->depth = parent->depth + 1;
		part->index = ++parent->nchildren;
	} else
		p->root = part;
	p->cur = part;
	if (++p->count > mime_parts_max)
		p->root->flags |= MIME_F_TOOMANY;
	emit(p, MIME_EV_BEGIN, part, NULL, 0, offset);
}

/* Common readers would see another structure: the first reason stays. */
static void
ambiguous(struct mime_part *part, const char *why)
{
	if (part->ambig == NULL)
		part->ambig = why;
	part->flags |= MIME_F_AMBIG;
}

/* Is there a CR that is not part of a CRLF?  Python's email package ends
 * a line there, GMime and we do not.  A field cut at MIME_FIELD_MAX may
 * end in the CR of a CRLF. */
static int
bare_cr(const char *f, size_t len)
{
	const char *cr = f;

	while ((cr = memchr(cr, '\r', len - (size_t)(cr - f))) != NULL) {
		if (cr + 1 < f + len ? cr[1] != '\n' : len < MIME_FIELD_MAX)
			return 1;
		cr++;
	}
	return 0;
}

/* The Content-Type and Content-Transfer-Encoding fields of an entity. */
static void
parse_field(struct mime_part *part, const char *f, size_t len)
{
	char buf[sizeof(part->cte)];
	size_t v, pos = 0;

	if (memchr(f, '\0', len) != NULL)
		part->flags |= MIME_F_NUL;
	if (bare_cr(f, len))
		ambiguous(part, "a bare CR in a header field");
	/* Python's email package ends the header at "Name :" and does not
	 * see the field; GMime and we do. */
	if (mime_field_name(f, len, &v) + 1 != v && len >= 8 &&
	    strncasecmp(f, "Content-", 8) == 0)
		ambiguous(part, "white space before a field's colon");
	if (mime_field_is(f, len, "Content-Type")) {
		if (part->saw_ct) {
			/* RFC 2045 leaves it open: readers take the first
			 * or the last.  Keep the first. */
			part->flags |= MIME_F_DUPCT;
			ambiguous(part, "two Content-Type fields");
			return;
		}
		part->saw_ct = 1;
		mime_field_name(f, len, &v);
		part->ctypelen = len - v;
		part->ctype = xmalloc(part->ctypelen + 1);
		memcpy(part->ctype, f + v, part->ctypelen);
		part->ctype[part->ctypelen] = '\0';
		if (mime_ct_parse(part->ctype, part->ctypelen, part->type,
		    sizeof(part->type), part->subtype,
		    sizeof(part->subtype)) == -1)
			part->flags |= MIME_F_BADCT;
	} else if (mime_field_is(f, len, "Content-Transfer-Encoding")) {
		if (part->saw_cte++)
			ambiguous(part,
			    "two Content-Transfer-Encoding fields");
		mime_field_name(f, len, &v);
		f += v;
		len -= v;
		mime_skip_cfws(f, len, &pos);
		if (mime_lex_value(f, len, &pos, buf, sizeof(buf), 0) > 0 &&
		    strlen(buf) < sizeof(buf) - 1) {
			for (v = 0; buf[v] != '\0'; v++)
				if (buf[v] >= 'A' && buf[v] <= 'Z')
					buf[v] = (char)(buf[v] - 'A' + 'a');
			memcpy(part->cte, buf, sizeof(buf));
		}
	}
}

static char *
section_of(const struct mime_part *part, int multi)
{
	const struct mime_part *up = part->parent;
	const char *ps;
	size_t n;
	char *s;

	if (up == NULL)
		return xstrdup(multi ? "TEXT" : "1");
	ps = up->section;
	n = strlen(ps) + 16;
	s = xmalloc(n);
	if (!mime_is_multipart(up))		/* message/rfc822 */
		snprintf(s, n, "%s.%s", ps, multi ? "TEXT" : "1");
	else if (strcmp(ps, "TEXT") == 0)
		snprintf(s, n, "%u", part->index);
	else if (strlen(ps) > 5 && strcmp(ps + strlen(ps) - 5, ".TEXT") == 0)
		snprintf(s, n, "%.*s.%u", (int)(strlen(ps) - 5), ps,
		    part->index);
	else
		snprintf(s, n, "%s.%u", ps, part->index);
	return s;
}

/* Parameters that decide the structure or what S/MIME makes of it. */
static void
check_params(struct mime_part *part)
{
	static const char *const names[] = {
		"boundary", "protocol", "micalg", "smime-type", "name"
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (mime_param_count(part->ctype, part->ctypelen,
		    names[i]) > 1) {
			ambiguous(part, "a Content-Type parameter given twice");
			return;
		}
	if (strcmp(part->type, "multipart") == 0 &&
	    mime_params_strict(part->ctype, part->ctypelen) == -1)
		ambiguous(part, "a multipart's Content-Type that readers "
		    "parse differently");
}

/* The header is complete: settle type, boundary and section. */
static void
finish_header(struct mime_part *part, uint64_t body_offset)
{
	char b[MIME_BOUNDARY_MAX + 2];
	long n;

	part->body_offset = body_offset;
	if (!part->saw_ct || (part->flags & MIME_F_BADCT)) {
		/* RFC 2045 5.2 and RFC 2046 5.1.5 defaults. */
		if (part->parent != NULL &&
		    mime_type_is(part->parent, "multipart", "digest")) {
			strcpy(part->type, "message");
			strcpy(part->subtype, "rfc822");
		} else {
			strcpy(part->type, "text");
			strcpy(part->subtype, "plain");
		}
	}
	if (part->cte[0] == '\0')
		strcpy(part->cte, "7bit");
	if (part->ctype != NULL)
		check_params(part);
	if (strcmp(part->type, "multipart") == 0 && part->ctype != NULL) {
		n = mime_param(part->ctype, part->ctypelen, "boundary", b,
		    sizeof(b));
		/* Python strips a trailing space, GMime takes any length. */
		if (n >= 0 && (n >= (long)sizeof(b) ||
		    !mime_boundary_ok(b, (size_t)n)))
			ambiguous(part, "a boundary RFC 2046 forbids");
		if (n < 1 || n > MIME_BOUNDARY_MAX ||
		    strcspn(b, "\r\n") != (size_t)n)
			part->flags |= MIME_F_NOBOUNDARY;
		else if (part->depth + 1 >= mime_depth_max)
			part->flags |= MIME_F_DEPTH;
		else {
			part->boundary = xstrdup(b);
			part->boundarylen = (size_t)n;
		}
	} else if (strcmp(part->type, "multipart") == 0)
		part->flags |= MIME_F_NOBOUNDARY;
	part->section = section_of(part, part->boundary != NULL);
}

/* RFC 2046 5.2.1: only identity encodings may hold a message. */
static int
holds_message(struct mime_part *part)
{
	if (!mime_type_is(part, "message", "rfc822"))
		return 0;
	if (strcmp(part->cte, "7bit") != 0 && strcmp(part->cte, "8bit") !=
	    0 && strcmp(part->cte, "binary") != 0)
		return 0;
	if (part->depth + 1 >= mime_depth_max) {
		part->flags |= MIME_F_DEPTH;
		return 0;
	}
	return 1;
}

static void
start_body(struct mime_parser *p, struct mime_part *part)
{
	/* For message/rfc822, the encapsulated message starts here. */
	p->lstate = L_BOL;
	if (part->boundary != NULL) {
		part->state = ST_PREAMBLE;
		p->nopen++;
	} else if (holds_message(part)) {
		part->state = ST_CHILD;
		begin(p, part, part->body_offset);
	} else
		part->state = ST_BODY;
}

static void
end_header(struct mime_parser *p, struct mime_part *part, unsigned flags)
{
	part->flags |= flags;
	part->state = ST_BODY;	/* start_body() may change it */
	p->more = 0;
	finish_header(part, p->pos);
	emit(p, MIME_EV_HEADER_END, part, NULL, 0, p->pos);
}

/* Ends `cur`, whatever state it is in, and makes its parent current. */
static void
end_cur(struct mime_parser *p)
{
	struct mime_part *part = p->cur;

	if (part->state == ST_HEADER)
		end_header(p, part, MIME_F_NOSEP);
	if (is_open(part)) {
		part->flags |= MIME_F_NOCLOSE;
		p->nopen--;
	}
	emit(p, MIME_EV_END, part, NULL, 0, p->pos);
	p->cur = part->parent;
	free(part->ctype);
	free(part->boundary);
	free(part->section);
	free(part);
}

/*
 * Is the line at s a delimiter of an open multipart?  The innermost
 * multipart whose boundary could still match decides, so an outer match
 * waits until every inner one is ruled out.
 */
static int
check_delim(struct mime_part *from, const char *s, size_t n, int eof,
    size_t *len, struct mime_part **which, int *close)
{
	struct mime_part *m;
	size_t q, bl;

	if (n == 0)
		return eof ? D_NO : D_NEED;
	if (s[0] != '-')
		return D_NO;
	if (n < 2)
		return eof ? D_NO : D_NEED;
	if (s[1] != '-')
		return D_NO;
	for (m = from; m != NULL; m = m->parent) {
		if (!is_open(m))
			continue;
		bl = m->boundarylen;
		if (n - 2 < bl) {
			if (!eof && memcmp(s + 2, m->boundary, n - 2) == 0)
				return D_NEED;
			continue;
		}
		if (memcmp(s + 2, m->boundary, bl) != 0)
			continue;
		q = 2 + bl;
		*close = 0;
		if (q + 1 < n && s[q] == '-' && s[q + 1] == '-') {
			*close = 1;
			q += 2;
		} else if (q + 1 == n && s[q] == '-' && !eof)
			return D_NEED;
		/* RFC 2046 5.1.1: transport-padding, then the line end. */
		while (q < n && q < DELIM_LOOK && is_wsp(s[q]))
			q++;
		if (q >= DELIM_LOOK)
			continue;
		if (q == n) {
			if (!eof)
				return D_NEED;
		} else if (s[q] == '\n')
			q++;
		else if (s[q] == '\r' && q + 1 < n && s[q + 1] == '\n')
			q += 2;
		else if (s[q] == '\r' && q + 1 == n && !eof)
			return D_NEED;
		else {
			/* Python's email package ends the line at a bare
			 * CR: a delimiter there, not here. */
			if (s[q] == '\r')
				ambiguous(m, "a delimiter some readers see");
			continue;
		}
		*len = q;
		*which = m;
		return D_YES;
	}
	return D_NO;
}

/* The length of the line end that s[0..len) ends with: 0, 1 or 2. */
static size_t
eol_len(const char *s, size_t len)
{
	if (len == 0 || s[len - 1] != '\n')
		return 0;
	return len > 1 && s[len - 2] == '\r' ? 2 : 1;
}

/*
 * Is the line end that s[0..len) ends with the one before a delimiter of
 * an open multipart from `from` outwards?  1 yes, 0 no, -1 cannot tell yet.
 */
static int
eol_before_delim(struct mime_parser *p, struct mime_part *from,
    const char *s, size_t len, size_t n, int eof)
{
	struct mime_part *m;
	size_t dlen;
	int close, r;

	if (p->nopen == 0 || eol_len(s, len) == 0)
		return 0;
	r = check_delim(from, s + len, n - len, eof, &dlen, &m, &close);
	return r == D_NEED ? -1 : r == D_YES;
}

/*
 * A delimiter of multipart m (len bytes, a line end before it included):
 * end what is inside it, then open the next child or go to the epilogue.
 * A close delimiter's line end followed by an outer delimiter is that
 * delimiter's (RFC 2046 5.1.1: the epilogue and its CRLF are optional):
 * it stays for the next step.  -1: cannot tell yet.
 */
static long
delim(struct mime_parser *p, const char *s, size_t len, size_t n, int eof,
    struct mime_part *m, int close)
{
	int r = 0;

	if (close && m->parent != NULL &&
	    (r = eol_before_delim(p, m->parent, s, len, n, eof)) == -1)
		return -1;
	if (r == 1)
		len -= eol_len(s, len);
	while (p->cur != m)
		end_cur(p);
	emit(p, close ? MIME_EV_CLOSE : MIME_EV_DELIM, m, s, len, p->pos);
	p->lstate = r == 1 ? L_EOL : L_BOL;
	if (close) {
		m->state = ST_EPILOGUE;
		p->nopen--;
	} else {
		m->state = ST_CHILD;
		begin(p, m, p->pos + len);
	}
	return (long)len;
}

/* Content up to the line end at s[j] (its CR too), which is kept for the
 * next step to see whether a delimiter follows. */
static long
eol_ahead(struct mime_parser *p, const char *s, size_t j, enum mime_ev type)
{
	size_t k = j > 0 && s[j - 1] == '\r' ? j - 1 : j;

	if (k > 0)
		emit(p, type, p->cur, s, k, p->pos);
	p->lstate = L_EOL;
	return (long)k;
}

/*
 * Does s start with "--" and the boundary of an open multipart, after a
 * bare CR?  Python's email package ends a line at a bare CR and sees a
 * delimiter there; GMime and we do not.  The multipart is ambiguous.
 * D_NEED: cannot tell yet.
 */
static int
hidden_delim(struct mime_part *from, const char *s, size_t n, int eof)
{
	struct mime_part *m;
	size_t k;

	for (m = from; m != NULL; m = m->parent) {
		if (!is_open(m))
			continue;
		k = n < 2 + m->boundarylen ? n : 2 + m->boundarylen;
		if (memcmp(s, "--", k < 2 ? k : 2) != 0 ||
		    (k > 2 && memcmp(s + 2, m->boundary, k - 2) != 0))
			continue;
		if (k < 2 + m->boundarylen)
			return eof ? D_NO : D_NEED;
		ambiguous(m, "a delimiter behind a bare CR");
		return D_YES;
	}
	return D_NO;
}

/*
 * From s[from], find the next line end that is followed by '-' (or by the
 * end of the data) and deliver everything before it as content.  Only a
 * '-' right after a line end can start a delimiter, and base64 has none:
 * the scan goes from dash to dash, over a run of dashes at once, so a
 * base64 body is one memchr(), not one per line.  A dash after a bare CR
 * is looked at too: see hidden_delim().
 */
static long
scan(struct mime_parser *p, const char *s, size_t n, size_t from, int eof,
    enum mime_ev type)
{
	const char *d;
	size_t i = from, j, k;

	while (i < n && (d = memchr(s + i, '-', n - i)) != NULL) {
		j = (size_t)(d - s);
		if (j > from && s[j - 1] == '\n')
			return eol_ahead(p, s, j - 1, type);
		if (j > from && s[j - 1] == '\r' &&
		    hidden_delim(p->cur, s + j, n - j, eof) == D_NEED) {
			/* Wait with the CR for more input. */
			if (j - 1 == 0)
				return -1;
			emit(p, type, p->cur, s, j - 1, p->pos);
			p->lstate = L_MID;
			return (long)(j - 1);
		}
		for (i = j + 1; i < n && s[i] == '-'; i++)
			;
	}
	/* What comes next may start with '-'. */
	if (!eof && s[n - 1] == '\n')
		return eol_ahead(p, s, n - 1, type);
	/* Hold back a '\r' that may start a "\r\n". */
	k = !eof && s[n - 1] == '\r' ? n - 1 : n;
	if (k == 0)
		return -1;
	emit(p, type, p->cur, s, k, p->pos);
	p->lstate = L_MID;
	return (long)k;
}

static long
step_content(struct mime_parser *p, const char *s, size_t n, int eof,
    enum mime_ev type)
{
	struct mime_part *m;
	size_t e = 0, len;
	int r, close;

	if (n == 0)
		return -1;
	if (p->nopen == 0) {
		/* No delimiter can come: all the rest is content. */
		emit(p, type, p->cur, s, n, p->pos);
		return (long)n;
	}
	if (p->lstate == L_EOL) {
		e = s[0] == '\r' ? 2 : 1;
		if (n == e) {
			if (!eof)
				return -1;
			emit(p, type, p->cur, s, n, p->pos);
			return (long)n;
		}
	}
	if (p->lstate != L_MID && s[e] == '-') {
		r = check_delim(p->cur, s + e, n - e, eof, &len, &m, &close);
		if (r == D_NEED)
			return -1;
		if (r == D_YES)
			return delim(p, s, e + len, n, eof, m, close);
	}
	return scan(p, s, n, e, eof, type);
}

/* The rest of an over-long field: up to where a line does not start with
 * white space. */
static long
step_more(struct mime_parser *p, const char *s, size_t n)
{
	const char *nl;
	size_t k;

	if (n == 0)
		return -1;
	if (p->more_bol) {
		p->more_bol = 0;
		if (!is_wsp(s[0])) {
			p->more = 0;
			return 0;
		}
	}
	nl = memchr(s, '\n', n);
	k = nl != NULL ? (size_t)(nl - s) + 1 : n;
	p->more_bol = nl != NULL;
	emit(p, MIME_EV_FIELD_MORE, p->cur, s, k, p->pos);
	return (long)k;
}

/* Is this a field's first line?  1 yes, 0 no, -1 cannot tell yet. */
static int
field_start(const char *s, size_t n, int eof)
{
	size_t i, v;

	if (mime_field_name(s, n, &v) > 0)
		return 1;
	for (i = 0; i < n && i < NAME_LOOK; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ':' || c < 33 || c > 126) {
			/* WSP may sit between name and colon. */
			if (is_wsp((char)c) && i > 0)
				continue;
			return 0;
		}
	}
	return i == n && !eof ? -1 : 0;
}

static long
emit_field(struct mime_parser *p, const char *s, size_t len, int cut)
{
	struct mime_part *part = p->cur;

	parse_field(part, s, len);
	if (cut) {
		part->flags |= MIME_F_LONGFIELD;
		p->more = 1;
		p->more_bol = 0;
	}
	emit(p, MIME_EV_FIELD, part, s, len, p->pos);
	return (long)len;
}

static long
step_header(struct mime_parser *p, const char *s, size_t n, int eof)
{
	struct mime_part *part = p->cur, *m;
	const char *nl;
	size_t i, j, e, lim, len, dlen;
	int r, close;

	if (p->more)
		return step_more(p, s, n);
	if (n == 0)
		return -1;
	if (p->lstate == L_EOL) {
		/* The last field's line end, held back: a delimiter's. */
		e = s[0] == '\r' ? 2 : 1;
		r = check_delim(part, s + e, n - e, eof, &len, &m, &close);
		if (r == D_NEED)
			return -1;
		if (r == D_YES)
			return delim(p, s, e + len, n, eof, m, close);
		p->lstate = L_BOL;	/* not reached: the field saw one */
	}
	if (!p->fromdone && part == p->root) {
		/* An mbox "From " line before the first field. */
		if (n < 5 && !eof && memcmp(s, "From ", n) == 0)
			return -1;
		if (n >= 5 && memcmp(s, "From ", 5) == 0) {
			nl = memchr(s, '\n', n < NAME_LOOK ? n : NAME_LOOK);
			if (nl == NULL && n < NAME_LOOK && !eof)
				return -1;
			p->fromdone = 1;
			if (nl != NULL) {
				len = (size_t)(nl - s) + 1;
				emit(p, MIME_EV_FROM, part, s, len, p->pos);
				return (long)len;
			}
		}
		p->fromdone = 1;
	}
	if (s[0] == '-' && p->nopen > 0) {
		r = check_delim(part, s, n, eof, &len, &m, &close);
		if (r == D_NEED)
			return -1;
		if (r == D_YES)
			return delim(p, s, len, n, eof, m, close);
	}
	if (s[0] == '\r' && n == 1 && !eof)
		return -1;
	if (s[0] == '\n' || (s[0] == '\r' && n > 1 && s[1] == '\n')) {
		len = s[0] == '\n' ? 1 : 2;
		/* Before a delimiter, the line end is the delimiter's: the
		 * header has no empty line (RFC 2046 5.1.1). */
		r = p->nopen == 0 ? D_NO : check_delim(part, s + len,
		    n - len, eof, &dlen, &m, &close);
		if (r == D_NEED)
			return -1;
		if (r == D_YES)
			return delim(p, s, len + dlen, n, eof, m, close);
		finish_header(part, p->pos + len);
		emit(p, MIME_EV_HEADER_END, part, s, len, p->pos);
		start_body(p, part);
		return (long)len;
	}
	r = field_start(s, n, eof);
	if (r == -1)
		return -1;
	if (r == 0) {
		/* Not a field: the header ends here, the line is body.  A
		 * bare CR is an empty line to Python's email package. */
		if (s[0] == '\r')
			ambiguous(part, "a bare CR in a header");
		end_header(p, part, MIME_F_NOSEP | MIME_F_BADFIELD);
		start_body(p, part);
		return 0;
	}
	/* A field: its first line and every line starting with WSP. */
	lim = n < MIME_FIELD_MAX ? n : MIME_FIELD_MAX;
	for (i = 0; (nl = memchr(s + i, '\n', lim - i)) != NULL; i = j) {
		j = (size_t)(nl - s) + 1;
		if (j < n && !is_wsp(s[j])) {
			/* A line end before a delimiter is the delimiter's. */
			r = eol_before_delim(p, part, s, j, n, eof);
			if (r == -1)
				return -1;
			if (r == 0)
				return emit_field(p, s, j, 0);
			emit_field(p, s, j - eol_len(s, j), 0);
			p->lstate = L_EOL;
			return (long)(j - eol_len(s, j));
		}
		if (j == n) {
			if (eof)
				return emit_field(p, s, j, 0);
			break;
		}
		if (j >= lim)
			break;
	}
	if (n > MIME_FIELD_MAX)
		return emit_field(p, s, MIME_FIELD_MAX, 1);
	if (eof)
		return emit_field(p, s, n, 0);
	return -1;
}

static long
step(struct mime_parser *p, const char *s, size_t n, int eof)
{
	switch (p->cur->state) {
	case ST_HEADER:
		return step_header(p, s, n, eof);
	case ST_BODY:
		return step_content(p, s, n, eof, MIME_EV_BODY);
	case ST_PREAMBLE:
		return step_content(p, s, n, eof, MIME_EV_PREAMBLE);
	case ST_EPILOGUE:
		return step_content(p, s, n, eof, MIME_EV_EPILOGUE);
	default:
		xdie(ERR_SOFTWARE, "mime: entity in state %d is current",
		    p->cur->state);
	}
}

static size_t
run(struct mime_parser *p, const char *s, size_t n, int eof)
{
	size_t used = 0;
	long r;

	if (!p->started) {
		p->started = 1;
		begin(p, NULL, 0);
	}
	while (p->cur != NULL && (r = step(p, s + used, n - used, eof)) >= 0) {
		used += (size_t)r;
		p->pos += (uint64_t)r;
	}
	return used;
}

struct mime_parser *
mime_parser_new(mime_cb cb, void *arg)
{
	struct mime_parser *p = xcalloc(1, sizeof(*p));

	p->cb = cb;
	p->arg = arg;
	return p;
}

void
mime_parser_feed(struct mime_parser *p, const char *data, size_t len)
{
	const char *nl;
	size_t k, used;

	if (p->eol[0] == '\0' && len > 0) {
		nl = memchr(data, '\n', len);
		if (nl != NULL)
			strcpy(p->eol, nl > data && nl[-1] == '\r' ? "\r\n" :
			    "\n");
	}
	while (len > 0) {
		if (p->blen == 0) {
			/* Straight from the caller's data; keep what a step
			 * could not decide on yet. */
			used = run(p, data, len, 0);
			data += used;
			len -= used;
			if (len >= BUFCAP)
				xdie(ERR_SOFTWARE, "mime: no progress");
			memcpy(p->buf, data, len);
			p->blen = len;
			return;
		}
		k = BUFCAP - p->blen < len ? BUFCAP - p->blen : len;
		memcpy(p->buf + p->blen, data, k);
		p->blen += k;
		data += k;
		len -= k;
		used = run(p, p->buf, p->blen, 0);
		if (used == 0 && p->blen == BUFCAP)
			xdie(ERR_SOFTWARE, "mime: no progress");
		memmove(p->buf, p->buf + used, p->blen - used);
		p->blen -= used;
	}
}

void
mime_parser_finish(struct mime_parser *p)
{
	run(p, p->buf, p->blen, 1);
	p->blen = 0;
	while (p->cur != NULL) {
		if (p->cur->state == ST_HEADER)
			end_header(p, p->cur, MIME_F_NOSEP | MIME_F_EOF);
		end_cur(p);
	}
}

void
mime_parser_free(struct mime_parser *p)
{
	if (p == NULL)
		return;
	while (p->cur != NULL) {
		struct mime_part *up = p->cur->parent;

		free(p->cur->ctype);
		free(p->cur->boundary);
		free(p->cur->section);
		free(p->cur);
		p->cur = up;
	}
	free(p);
}

unsigned
mime_parser_count(const struct mime_parser *p)
{
	return p->count;
}

const char *
mime_parser_eol(const struct mime_parser *p)
{
	return p->eol;
}

int
mime_is_multipart(const struct mime_part *part)
{
	return part->boundary != NULL;
}
