/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * err_test: the exit-code table against smimetools(7) EXIT STATUS, and
 * --on-error=tempfail.
 */
#include "err.h"
#include "tap.h"

int
main(void)
{
	static const struct {
		enum err_class c;
		int code, tempfail;
	} want[] = {
		{ ERR_OK, 0, 0 }, { ERR_NEGATIVE, 1, 1 },
		{ ERR_USAGE, 64, 75 }, { ERR_DATA, 65, 65 },
		{ ERR_NOINPUT, 66, 75 }, { ERR_NOUSER, 67, 67 },
		{ ERR_SOFTWARE, 70, 75 }, { ERR_OSERR, 71, 75 },
		{ ERR_CANTCREAT, 73, 75 }, { ERR_IO, 74, 75 },
		{ ERR_TEMP, 75, 75 }, { ERR_PERM, 77, 75 },
		{ ERR_CONFIG, 78, 75 },
	};
	size_t i;

	tap_ok(sizeof(want) / sizeof(want[0]) == ERR_NCLASSES,
	    "every class is in the exit-code table");
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		tap_ok(err_code(want[i].c) == want[i].code,
		    "class %d exits %d", (int)want[i].c, want[i].code);
	err_set_tempfail(1);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		tap_ok(err_code(want[i].c) == want[i].tempfail,
		    "class %d exits %d with --on-error=tempfail",
		    (int)want[i].c, want[i].tempfail);
	tap_ok(err_sysexits(ERR_NCLASSES) == 70, "unknown class is 70");
	return tap_done();
}
