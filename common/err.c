/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * err: see err.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "err.h"

static const char *prog = "smimetools";
static int tempfail, quiet, verbose;

#define MAXHOOKS 8
static void (*hooks[MAXHOOKS])(void);
static int nhooks;

/* smimetools(7) EXIT STATUS; the only place these numbers appear. */
static const unsigned char sysexits[ERR_NCLASSES] = {
	[ERR_OK] = 0,
	[ERR_NEGATIVE] = 1,
	[ERR_USAGE] = 64,
	[ERR_DATA] = 65,
	[ERR_NOINPUT] = 66,
	[ERR_NOUSER] = 67,
	[ERR_SOFTWARE] = 70,
	[ERR_OSERR] = 71,
	[ERR_CANTCREAT] = 73,
	[ERR_IO] = 74,
	[ERR_TEMP] = 75,
	[ERR_PERM] = 77,
	[ERR_CONFIG] = 78,
};

void
err_setprog(const char *argv0)
{
	const char *s;

	if (argv0 == NULL || *argv0 == '\0')
		return;
	s = strrchr(argv0, '/');
	prog = s != NULL ? s + 1 : argv0;
}

const char *
err_prog(void)
{
	return prog;
}

void
err_set_tempfail(int on)
{
	tempfail = on;
}

void
err_set_quiet(int on)
{
	quiet = on;
}

void
err_set_verbose(int on)
{
	verbose = on;
}

int
err_verbose(void)
{
	return verbose;
}

int
err_sysexits(enum err_class c)
{
	if ((unsigned)c >= ERR_NCLASSES)
		c = ERR_SOFTWARE;
	return sysexits[c];
}

/*
 * --on-error=tempfail is for MTAs that bounce on anything but 75 and 71
 * (Postfix pipe(8), sendmail's prog mailer).  Bad data (65) and an unknown
 * recipient (67) stay as they are: a retry would fail the same way, and
 * bad data is never 75 (smimetools(7) EXIT STATUS: the MTA would retry
 * it forever).
 */
int
err_code(enum err_class c)
{
	int code = err_sysexits(c);

	if (tempfail && code > 1 && c != ERR_DATA && c != ERR_NOUSER)
		return sysexits[ERR_TEMP];
	return code;
}

void
err_atexit(void (*fn)(void))
{
	if (nhooks < MAXHOOKS)
		hooks[nhooks++] = fn;
}

static jmp_buf *trap;

void
err_reset(void)
{
	nhooks = 0;
	tempfail = quiet = verbose = 0;
}

void
err_set_trap(jmp_buf *t)
{
	trap = t;
}

noreturn void
err_exit(enum err_class c)
{
	while (nhooks > 0)
		hooks[--nhooks]();
	if (trap != NULL)
		longjmp(*trap, 1);
	exit(err_code(c));
}

static void
vmsg(const char *fmt, va_list ap, int ssl)
{
	char reason[256];
	unsigned long e;

	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	if (ssl) {
		/* The earliest error is usually the cause; later ones are
		 * the callers' reactions to it. */
		e = ERR_peek_error();
		if (e != 0) {
			ERR_error_string_n(e, reason, sizeof(reason));
			fprintf(stderr, ": %s",
			    ERR_reason_error_string(e) != NULL ?
			    ERR_reason_error_string(e) : reason);
		}
		ERR_clear_error();
	}
	fputc('\n', stderr);
}

noreturn void
xdie(enum err_class c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap, 0);
	va_end(ap);
	err_exit(c);
}

noreturn void
xdie_ssl(enum err_class c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap, 1);
	va_end(ap);
	err_exit(c);
}

void
warnx(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vmsg(fmt, ap, 0);
	va_end(ap);
}

void
warn_ssl(const char *fmt, ...)
{
	va_list ap;

	if (quiet) {
		ERR_clear_error();
		return;
	}
	va_start(ap, fmt);
	vmsg(fmt, ap, 1);
	va_end(ap);
}

void
verbosex(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vmsg(fmt, ap, 0);
	va_end(ap);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n != 0 ? n : 1);

	if (p == NULL)
		xdie(ERR_TEMP, "out of memory");
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n != 0 ? n : 1, size != 0 ? size : 1);

	if (p == NULL)
		xdie(ERR_TEMP, "out of memory");
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n != 0 ? n : 1);
	if (p == NULL)
		xdie(ERR_TEMP, "out of memory");
	return p;
}

char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}
