/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * tool_fuzz.h: runs a whole filter in the fuzzer's process, once per
 * input, the way its command does: the tool (tool_verify, tool_decrypt,
 * tool_sign below) builds the context from the options the target's
 * setup gave (verify_ctx_load, ...) and runs it (verify_run, ...).
 *
 * The input becomes stdin: a memfd (a regular file: the filter reads it
 * twice) or, for inputs under a pipe's capacity whose first byte is odd,
 * a pipe (the filter spools it), so that both ways in are fuzzed.
 * Output goes to /dev/null or, for a target that checks it, to a
 * descriptor of its own; diagnostics go to /dev/null (to stderr with
 * TOOL_FUZZ_STDERR set, to see why a reproduced input failed).  A fatal
 * error longjmp()s back here (err_set_trap) instead of exiting; what the
 * process would have freed by exiting is leaked, so these targets run
 * with -detect_leaks=0, and the descriptors it would have closed are
 * closed here.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "decrypt.h"
#include "err.h"
#include "io.h"
#include "opts.h"
#include "sign.h"
#include "verify.h"

#ifndef PKI_DIR
#define PKI_DIR "testdata/pki"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int ready, keep[64], nkeep;

/* The descriptors open before the first run are the fuzzer's. */
static void
note_fds(void)
{
	struct dirent *d;
	DIR *dp = opendir("/proc/self/fd");

	while (dp != NULL && (d = readdir(dp)) != NULL && nkeep < 64)
		if (d->d_name[0] != '.')
			keep[nkeep++] = atoi(d->d_name);
	if (dp != NULL)
		closedir(dp);
}

static void
close_ours(void)
{
	int fd, i, mine;

	for (fd = 3; fd < 1024; fd++) {
		for (mine = 1, i = 0; i < nkeep; i++)
			if (keep[i] == fd)
				mine = 0;
		if (mine)
			close(fd);
	}
}

/*
 * Runs tool on data with its output on out (-1: /dev/null).  Returns
 * what the tool returned, or -1 if it died.
 */
static int
run_tool_to(const uint8_t *data, size_t size,
    enum err_class (*tool)(const struct opts *), void (*setup)(struct opts *),
    int out)
{
	static jmp_buf trap;
	static struct opts o;
	volatile int rc = -1;
	int saved[3], fd, p[2], devnull, i;

	if (!ready) {
		note_fds();
		ready = 1;
	}
	for (i = 0; i < 3; i++)
		saved[i] = dup(i);
	if (size > 0 && size < 60000 && (data[0] & 1) && pipe(p) == 0) {
		if (write(p[1], data, size) != (ssize_t)size)
			abort();
		close(p[1]);
		fd = p[0];
	} else {
		fd = memfd_create("fuzz-input", 0);
		if (fd == -1 || (size > 0 &&
		    write(fd, data, size) != (ssize_t)size) ||
		    lseek(fd, 0, SEEK_SET) == -1)
			abort();
	}
	devnull = open("/dev/null", O_WRONLY);
	dup2(fd, 0);
	dup2(out != -1 ? out : devnull, 1);
	if (getenv("TOOL_FUZZ_STDERR") == NULL)
		dup2(devnull, 2);
	close(fd);
	close(devnull);

	o = opts_default;
	err_reset();
	io_init();
	setup(&o);
	if (setjmp(trap) == 0) {
		err_set_trap(&trap);
		rc = (int)tool(&o);
	}
	err_set_trap(NULL);

	for (i = 0; i < 3; i++) {
		dup2(saved[i], i);
		close(saved[i]);
	}
	close_ours();
	return rc;
}

static void
run_tool(const uint8_t *data, size_t size,
    enum err_class (*tool)(const struct opts *), void (*setup)(struct opts *))
{
	(void)run_tool_to(data, size, tool, setup, -1);
}

/*
 * The tools, tool_verify, tool_decrypt and tool_sign, as the commands'
 * mains run them: the context first, then the run.  Each context is
 * static: a run that dies leaves it to the next (no leak check).
 */
#define TOOL_FUZZ(name)							\
static inline enum err_class						\
tool_##name(const struct opts *o)					\
{									\
	static struct name##_ctx c;					\
	enum err_class rc;						\
									\
	name##_ctx_load(&c, o);						\
	rc = name##_run(&c);						\
	name##_ctx_free(&c);						\
	return rc;							\
}
TOOL_FUZZ(verify)
TOOL_FUZZ(decrypt)
TOOL_FUZZ(sign)
#undef TOOL_FUZZ

/*
 * A private copy of the key file src (keys.c refuses a key that others
 * may read, and git does not keep modes) into path, a buffer of size
 * bytes, named after name's last component; made once, before the
 * first run.
 */
static inline void
tool_private_file(char *path, size_t size, const char *name,
    const char *src)
{
	const char *base = strrchr(name, '/');
	char buf[8192];
	FILE *in, *out;
	size_t n;
	int fd;

	snprintf(path, size, "/tmp/%s_fuzz.XXXXXX",
	    base != NULL ? base + 1 : name);
	fd = mkstemp(path);
	in = fopen(src, "r");
	out = fd != -1 ? fdopen(fd, "w") : NULL;
	if (in == NULL || out == NULL)
		abort();
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	fclose(out);
}

/* The same for the test PKI's key NAME (a path under it, such as
 * "../eddsa/eddie", names another of testdata's). */
static inline void
tool_private_key(char *path, size_t size, const char *name)
{
	char src[512];

	snprintf(src, sizeof(src), "%s/%s.key", PKI_DIR, name);
	tool_private_file(path, size, name, src);
}
