/*
 * encrypt: the smime-encrypt transform (SPEC.md "smime-encrypt").
 *
 * So far: the do-not-encrypt paths.  --no-encrypt, or a top-level
 * "SMIME-Encrypt: no" field, passes the message through; the control
 * field SMIME-Encrypt never leaves, whatever its value.  Encrypting
 * exits 70 until it lands.
 */
#ifndef SMIMETOOLS_ENCRYPT_H
#define SMIMETOOLS_ENCRYPT_H

#include "err.h"

enum err_class encrypt_main(void);

#endif
