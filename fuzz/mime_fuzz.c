/*
 * mime_fuzz: libFuzzer target for the streaming MIME parser.
 *
 * The first input byte picks a chunk size, so that every way of cutting
 * the input is explored; the rest is the message.  Beyond not crashing,
 * the parser must keep its one promise: the events give back the input
 * byte for byte, at contiguous offsets, and every entity that begins
 * ends.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"

struct check {
	const uint8_t *in;
	size_t len, pos;
	long open;
};

static void
cb(void *arg, const struct mime_event *ev)
{
	struct check *c = arg;

	if (ev->type == MIME_EV_BEGIN)
		c->open++;
	if (ev->type == MIME_EV_END)
		c->open--;
	if (ev->len == 0)
		return;
	if (ev->offset != c->pos || ev->len > c->len - c->pos ||
	    memcmp(ev->data, c->in + c->pos, ev->len) != 0)
		abort();
	c->pos += ev->len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct check c = { 0 };
	struct mime_parser *p;
	size_t chunk, off, k;

	if (size == 0)
		return 0;
	chunk = data[0] == 0 ? size : data[0];
	c.in = data + 1;
	c.len = size - 1;
	p = mime_parser_new(cb, &c);
	for (off = 0; off < c.len; off += k) {
		k = c.len - off < chunk ? c.len - off : chunk;
		mime_parser_feed(p, (const char *)c.in + off, k);
	}
	mime_parser_finish(p);
	mime_parser_free(p);
	if (c.pos != c.len || c.open != 0)
		abort();
	return 0;
}
