/*
 * decrypt: the smime-decrypt transform (SPEC.md "smime-decrypt").
 *
 * So far: every SMIME-Decrypt field that came with the message is removed
 * and a message that is not encrypted, or whose only encrypted entity is
 * nested inside another (Efail's direct exfiltration), gets result=none.
 * An encrypted message exits 70 until decryption lands.
 */
#ifndef SMIMETOOLS_DECRYPT_H
#define SMIMETOOLS_DECRYPT_H

#include "err.h"

enum err_class decrypt_main(void);

#endif
