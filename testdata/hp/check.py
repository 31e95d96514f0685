# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# check.py ORIGINAL DELIVERED [nolde]: what a reader of DELIVERED is shown,
# read by Python's email package, against what ORIGINAL said.  Each
# user-facing field of the original is shown once, with the original's
# value; none that the original lacks; no HP-Outer; no hp-outer anywhere
# in the top header; with "nolde", the first text/plain part's text is
# the original's (no Legacy Display Element left).  Prints what is
# wrong, one line each; nothing when all holds.
import email
import email.policy
import sys

FIELDS = ["Subject", "From", "To", "Cc", "Date", "Reply-To",
          "Message-ID", "In-Reply-To", "References"]


def norm(v):
    return " ".join(str(v).split())


def text(m):
    for part in m.walk():
        if part.get_content_type() == "text/plain" and \
                not part.is_multipart():
            return part.get_payload(decode=True).decode("ascii",
                                                        "replace")
    return None


orig = email.message_from_binary_file(open(sys.argv[1], "rb"),
                                      policy=email.policy.compat32)
got = email.message_from_binary_file(open(sys.argv[2], "rb"),
                                     policy=email.policy.compat32)
bad = []
for f in FIELDS:
    want = orig.get_all(f) or []
    have = got.get_all(f) or []
    if len(have) != len(want):
        bad.append("%s: %d shown, %d in the original" %
                   (f, len(have), len(want)))
    elif want and norm(have[0]) != norm(want[0]):
        bad.append("%s: shown %r, original %r" %
                   (f, norm(have[0]), norm(want[0])))
if got.get_all("HP-Outer"):
    bad.append("HP-Outer at the top")
if "nolde" in sys.argv[3:]:
    t, w = text(got), text(orig)
    if t is None or w is None or \
            t.replace("\r\n", "\n").strip() != w.replace("\r\n", "\n").strip():
        bad.append("text shown %r, original %r" % (t, w))
print("\n".join(bad))
