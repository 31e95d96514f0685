/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
/*
 * store_verbs: the certstore command (certstore(1)), apart from the
 * library the filters link: cmd/certstore.c is its only caller.
 */
#ifndef SMIMETOOLS_STORE_VERBS_H
#define SMIMETOOLS_STORE_VERBS_H

#include "err.h"
#include "opts.h"

/* Runs `certstore VERB ARGS...` under the options o; args is
 * NULL-terminated. */
enum err_class store_main(const struct opts *o, const char *verb,
    const char **args);

#endif
