/*
 * sign: the smime-sign transform (SPEC.md "smime-sign").  Not yet
 * written: it reads its input (so that no caller is left with a blocked
 * pipe) and exits 70.
 */
#ifndef SMIMETOOLS_SIGN_H
#define SMIMETOOLS_SIGN_H

#include "err.h"

enum err_class sign_main(void);

#endif
