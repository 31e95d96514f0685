/*
 * verify: the smime-verify transform (SPEC.md "smime-verify").
 *
 * So far: forged Authentication-Results of our authserv-id are removed
 * and a message without S/MIME signature gets smime=none.  Signed
 * messages exit 70 until signature checking lands; nothing claims a
 * result it did not reach.
 */
#ifndef SMIMETOOLS_VERIFY_H
#define SMIMETOOLS_VERIFY_H

#include "err.h"

enum err_class verify_main(void);

#endif
