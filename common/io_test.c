/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * io_test: line-ending conversion whatever the chunking, and detection.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "io.h"
#include "tap.h"

/* Writes `in` through a converting writer in chunks of `chunk` bytes
 * into a spool, and reads back the result. */
static char *
convert(const char *in, size_t len, enum io_eol eol, size_t chunk,
    size_t *outlen)
{
	static struct io_wr w;
	char *out;
	size_t off, k;
	int fd = io_spool_open();

	io_wr_init(&w, fd, eol);
	for (off = 0; off < len; off += k) {
		k = len - off < chunk ? len - off : chunk;
		io_wr_write(&w, in + off, k);
	}
	io_wr_flush(&w);
	*outlen = (size_t)lseek(fd, 0, SEEK_CUR);
	out = xmalloc(*outlen + 1);
	lseek(fd, 0, SEEK_SET);
	*outlen = io_read(fd, out, *outlen);
	close(fd);
	return out;
}

static void
conv(const char *in, enum io_eol eol, const char *want)
{
	size_t chunk, n;
	char *got;
	int good = 1;

	for (chunk = 1; chunk <= strlen(in) + 1; chunk++) {
		got = convert(in, strlen(in), eol, chunk, &n);
		if (n != strlen(want) || memcmp(got, want, n) != 0)
			good = 0;
		free(got);
	}
	tap_ok(good, "to %s, every chunking: [%s]",
	    eol == IO_EOL_LF ? "LF" : "CRLF", in);
}

int
main(void)
{
	conv("a\r\nb\nc\rd\r\n\r\n", IO_EOL_LF, "a\nb\nc\rd\n\n");
	conv("a\r\nb\nc\rd\r\n\r\n", IO_EOL_CRLF, "a\r\nb\r\nc\rd\r\n\r\n");
	conv("\n\n\r", IO_EOL_CRLF, "\r\n\r\n\r");
	conv("\r", IO_EOL_LF, "\r");
	conv("\r\r\n", IO_EOL_LF, "\r\n");
	conv("x\r\r\r\n", IO_EOL_CRLF, "x\r\r\r\n");
	conv("no line end", IO_EOL_LF, "no line end");
	tap_ok(io_eol_detect("a\r\nb\n", 5) == IO_EOL_CRLF, "detect CRLF");
	tap_ok(io_eol_detect("a\nb\r\n", 5) == IO_EOL_LF, "detect LF");
	tap_ok(io_eol_detect("ab", 2) == IO_EOL_KEEP, "detect none");
	return tap_done();
}
