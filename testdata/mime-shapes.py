#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
"""mime-shapes.py SEED [crlf]: a random MIME entity, for test 0013.

Nested multiparts and message/rfc822 parts, with the shapes where
RFC 2046 gives a line break to a boundary: a part that is a header
without its empty line or without a line end, an empty body, a close
delimiter with or without its line break, an epilogue, content that
looks like a delimiter.  The same SEED gives the same entity.
"""
import random
import sys

rnd = random.Random(int(sys.argv[1]))


def text():
    return rnd.choice(["", "x", "hello\n", "a\nb\n", "line\n\n", "\n",
                       "--notb\n", "--b0x\n", "end"])


def entity(depth, names):
    kinds = ["leaf", "leaf", "multi", "msg"] if depth < 3 else ["leaf"]
    kind = rnd.choice(kinds)
    if kind == "leaf":
        hdr = rnd.choice(["Content-Type: text/plain\n", "",
                          "X-A: 1\nContent-Type: text/plain\n",
                          "Content-Type: text/plain"])
        if hdr.endswith("\n"):
            return hdr + rnd.choice(["\n" + text(), "", "\n"])
        return hdr
    if kind == "msg":
        return "Content-Type: message/rfc822\n\n" + entity(depth + 1, names)
    b = "b%d" % len(names)
    names.append(b)
    s = "Content-Type: multipart/mixed; boundary=%s\n\n" % b
    s += rnd.choice(["", "preamble\n"])
    for _ in range(rnd.randint(1, 3)):
        s += "--%s\n" % b + entity(depth + 1, names) + "\n"
    return s + "--%s--" % b + rnd.choice(["", "\n", "\nepi", "\nepi\n",
                                          "\n\n"])


out = entity(0, [])
if len(sys.argv) > 2 and sys.argv[2] == "crlf":
    out = out.replace("\n", "\r\n")
sys.stdout.buffer.write(out.encode())
