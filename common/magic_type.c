/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * magic_type: see magic_type.h.  (Not magic.h: that is libmagic's.)
 *
 * libmagic is loaded when it is first needed, with dlopen(3), not linked:
 * only smime-sign --wrap and certstore add use it, and loading it with
 * the liblzma, libbz2 and libz it pulls in cost every filter's start
 * about 0.4 ms of the 2 that a process with libcrypto takes.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include <magic.h>

#include "err.h"
#include "magic_type.h"

static struct {
	magic_t (*open)(int);
	int (*load)(magic_t, const char *);
	const char *(*buffer)(magic_t, const void *, size_t);
	void (*close)(magic_t);
} lib;

static void
load_lib(void)
{
	void *h;

	if (lib.open != NULL)
		return;
	if ((h = dlopen("libmagic.so.1", RTLD_NOW | RTLD_LOCAL)) == NULL)
		xdie(ERR_SOFTWARE, "cannot load libmagic: %s", dlerror());
	/* POSIX: a function pointer from dlsym() through a void *. */
	*(void **)&lib.load = dlsym(h, "magic_load");
	*(void **)&lib.buffer = dlsym(h, "magic_buffer");
	*(void **)&lib.close = dlsym(h, "magic_close");
	*(void **)&lib.open = dlsym(h, "magic_open");
	if (lib.open == NULL || lib.load == NULL || lib.buffer == NULL ||
	    lib.close == NULL)
		xdie(ERR_SOFTWARE, "libmagic.so.1 lacks magic_open and co");
}

void
magic_mime(const void *buf, size_t len, char *out, size_t outsz)
{
	magic_t m;
	const char *t = NULL;

	load_lib();
	m = lib.open(MAGIC_MIME_TYPE | MAGIC_MIME_ENCODING |
	    MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR);
	if (m != NULL && lib.load(m, NULL) == 0)
		t = lib.buffer(m, buf, len);
	/* A type is a token; anything odd from the database is not used. */
	if (t == NULL || strlen(t) >= outsz || strpbrk(t, "\r\n\"") != NULL)
		t = "application/octet-stream";
	snprintf(out, outsz, "%s", t);
	/* libmagic says charset=binary of what is not text: no charset. */
	if ((t = strstr(out, "; charset=binary")) != NULL)
		out[t - out] = '\0';
	if (m != NULL)
		lib.close(m);
}
