/*
 * store: the certificate store on disk (SPEC.md "certstore", "The store
 * on disk").  Not yet written: every verb is recognised and exits 70.
 */
#ifndef SMIMETOOLS_STORE_H
#define SMIMETOOLS_STORE_H

#include "err.h"

/* Runs `certstore VERB ARGS...`; args is NULL-terminated. */
enum err_class store_main(const char *verb, const char **args);

#endif
