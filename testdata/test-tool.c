/*
 * test-tool: exposes the library to the tests (git's test-tool idea).
 * Built by `make check`, never installed.
 *
 *	test-tool mime-cat	parse stdin, write the events' data back
 *	test-tool mime-tree	parse stdin, print the MIME tree
 *	test-tool mime-events	parse stdin, print every event
 *	test-tool mime-param NAME	print parameter NAME of the field value on stdin
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "io.h"
#include "mime.h"

static const char *const evnames[] = {
	"from", "begin", "field", "field-more", "header-end", "body",
	"preamble", "delim", "close", "epilogue", "end"
};

static struct io_wr out;

static void
cat_cb(void *arg, const struct mime_event *ev)
{
	(void)arg;
	io_wr_write(&out, ev->data, ev->len);
}

static void
tree_cb(void *arg, const struct mime_event *ev)
{
	const int *flags = arg;
	char line[512];
	unsigned i;

	if (ev->type != MIME_EV_HEADER_END)
		return;
	for (i = 0; i < ev->part->depth; i++)
		io_wr_puts(&out, "  ");
	snprintf(line, sizeof(line), "%s %s/%s %s", ev->part->section,
	    ev->part->type, ev->part->subtype, ev->part->cte);
	io_wr_puts(&out, line);
	if (*flags) {
		snprintf(line, sizeof(line), " flags=%#x", ev->part->flags);
		io_wr_puts(&out, line);
	}
	io_wr_puts(&out, "\n");
}

static void
end_flags_cb(void *arg, const struct mime_event *ev)
{
	char line[128];

	(void)arg;
	if (ev->type != MIME_EV_END)
		return;
	snprintf(line, sizeof(line), "end %s flags=%#x\n", ev->part->section,
	    ev->part->flags);
	io_wr_puts(&out, line);
}

static void
events_cb(void *arg, const struct mime_event *ev)
{
	char line[128];

	(void)arg;
	snprintf(line, sizeof(line), "%s @%llu +%zu d%u\n",
	    evnames[ev->type], (unsigned long long)ev->offset, ev->len,
	    ev->part->depth);
	io_wr_puts(&out, line);
}

static void
parse(mime_cb cb, void *arg, size_t chunk)
{
	struct mime_parser *p = mime_parser_new(cb, arg);
	char *buf = xmalloc(chunk);
	size_t n;

	while ((n = io_read(STDIN_FILENO, buf, chunk)) > 0)
		mime_parser_feed(p, buf, n);
	mime_parser_finish(p);
	mime_parser_free(p);
	free(buf);
}

int
main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	size_t chunk = IO_BUFSIZE;
	int flags = 0;
	char *s, val[4096];
	size_t n;
	long r;

	err_setprog("test-tool");
	if (getenv("TEST_CHUNK") != NULL)
		chunk = (size_t)strtoul(getenv("TEST_CHUNK"), NULL, 10);
	if (chunk == 0)
		chunk = 1;
	io_wr_init(&out, STDOUT_FILENO, IO_EOL_KEEP);
	if (strcmp(cmd, "mime-cat") == 0)
		parse(cat_cb, NULL, chunk);
	else if (strcmp(cmd, "mime-tree") == 0) {
		flags = argc > 2 && strcmp(argv[2], "--flags") == 0;
		parse(tree_cb, &flags, chunk);
	} else if (strcmp(cmd, "mime-ends") == 0)
		parse(end_flags_cb, NULL, chunk);
	else if (strcmp(cmd, "mime-events") == 0)
		parse(events_cb, NULL, chunk);
	else if (strcmp(cmd, "mime-param") == 0 && argc == 3) {
		s = xmalloc(1 << 20);
		n = io_read(STDIN_FILENO, s, (1 << 20) - 1);
		r = mime_param(s, n, argv[2], val, sizeof(val));
		if (r < 0)
			io_wr_puts(&out, "(absent)\n");
		else {
			io_wr_write(&out, val, strlen(val));
			io_wr_puts(&out, "\n");
		}
		free(s);
	} else {
		fprintf(stderr, "usage: test-tool mime-cat|mime-tree [--flags]|"
		    "mime-ends|mime-events|mime-param NAME\n");
		return 64;
	}
	if (io_wr_flush(&out) != 0)
		return 74;
	return 0;
}
