/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * tap: the few lines every C unit test shares to print TAP.
 * Header-only on purpose: only the *_test.c programs include it.
 */
#ifndef SMIMETOOLS_TAP_H
#define SMIMETOOLS_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed;

static void tap_ok(int good, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* One TAP line; control characters in the description become spaces. */
static void
tap_ok(int good, const char *fmt, ...)
{
	char line[512], *c;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (c = line; *c != '\0'; c++)
		if ((unsigned char)*c < ' ')
			*c = ' ';
	printf("%sok %d - %s\n", good ? "" : "not ", ++tap_n, line);
	if (!good)
		tap_failed++;
}

/* Prints the plan (at the end, which TAP allows) and gives the status. */
static int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}

#endif
