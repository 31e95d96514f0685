/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * err: diagnostics and the one table that turns an error class into an
 * exit status (smimetools(7) EXIT STATUS, sysexits.h).
 *
 * Every fatal call site names its class (usage, data, noinput, ...), never
 * a number: the number comes from err_code(), which also applies
 * --on-error=tempfail.  Messages go to stderr as "prog: text" (lowercase,
 * no full stop, the object quoted); the OpenSSL variants append the reason
 * at the top of OpenSSL's error queue and clear the queue.
 *
 * Before exiting, xdie() runs the hooks registered with err_atexit() in
 * reverse order: io uses them to remove a partial -o file and to drain
 * stdin, so that no exit path loses mail or leaves input unread.
 */
#ifndef SMIMETOOLS_ERR_H
#define SMIMETOOLS_ERR_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdnoreturn.h>

enum err_class {
	ERR_OK,		/* 0 */
	ERR_NEGATIVE,	/* 1: --strict and a negative cryptographic outcome */
	ERR_USAGE,	/* 64 */
	ERR_DATA,	/* 65 */
	ERR_NOINPUT,	/* 66 */
	ERR_NOUSER,	/* 67 */
	ERR_SOFTWARE,	/* 70 */
	ERR_OSERR,	/* 71 */
	ERR_CANTCREAT,	/* 73 */
	ERR_IO,		/* 74 */
	ERR_TEMP,	/* 75 */
	ERR_PERM,	/* 77 */
	ERR_CONFIG,	/* 78 */
	ERR_NCLASSES
};

/* The name shown in messages: the basename of argv[0]. */
void err_setprog(const char *argv0);
const char *err_prog(void);

/* --on-error=tempfail: every operational failure exits 75. */
void err_set_tempfail(int on);
/* -q: warnings are suppressed, fatal messages are not. */
void err_set_quiet(int on);
/* -v: verbose messages are shown. */
void err_set_verbose(int on);
int err_verbose(void);

/* The exit status for a class, --on-error applied. */
int err_code(enum err_class c);
/* The sysexits code for a class, as smimetools(7) EXIT STATUS gives
 * it. */
int err_sysexits(enum err_class c);

/* Run at exit by xdie() and err_exit(), last registered first. */
void err_atexit(void (*fn)(void));

/*
 * For the fuzz targets, which run a whole command in one process over and
 * over: err_reset() forgets the hooks and flags, and with a trap set,
 * err_exit() runs the hooks and longjmp()s there instead of exiting.
 */
void err_reset(void);
void err_set_trap(jmp_buf *trap);

noreturn void xdie(enum err_class c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* As xdie(), with the reason from OpenSSL's error queue appended. */
noreturn void xdie_ssl(enum err_class c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Runs the exit hooks and exits with err_code(c). */
noreturn void err_exit(enum err_class c);

void warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn_ssl(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Shown only with -v. */
void verbosex(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Allocation that dies with ERR_TEMP (out of memory is transient). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
