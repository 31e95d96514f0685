#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
"""mime-ambig.py list | entity NAME | message NAME SIG: shapes for test 0063.

Each shape is an entity to sign, and the multipart/signed around it:
shapes where common readers may resolve the structure differently (a
field or parameter given twice or in two forms, a boundary RFC 2046
forbids, a delimiter behind a bare CR, quoting readers take apart
otherwise) and shapes where they agree (controls).

  list            one line per shape: NAME and "forbidden" where the
                  shape is one smime-verify(1) never passes whatever the
                  readers at hand make of it, "-" else
  entity NAME     the entity to sign (CRLF), to stdout
  message NAME SIG
                  the signed message: the entity as part 1 of a
                  multipart/signed (whose header the shape may alter),
                  the DER signature in file SIG base64 as part 2
"""
import base64
import sys

CR = "\x00CR\x00"   # a bare CR, placed after the LF to CRLF conversion


def mixed(params, body):
    return "Content-Type: multipart/mixed; %s\n\n%s" % (params, body)


TWO = "--in\n\none\n--in\nContent-Type: text/html\n\n<p>two</p>\n--in--\n"
PLAIN = "Content-Type: text/plain\n\nhello\n"
LONG = "b" * 71

# name: (forbidden, entity, top-level Content-Type parameters, boundary)
TOP = ('protocol="application/pkcs7-signature"; micalg=sha-256; '
       'boundary="SIG"')
SHAPES = {
    # Controls: every reader sees the same structure.
    "plain": (0, PLAIN, TOP, "SIG"),
    "mixed": (0, mixed('boundary="in"', TWO), TOP, "SIG"),
    "padding": (0, mixed("boundary=in", TWO.replace("--in\n", "--in \t \n")),
                TOP, "SIG"),
    "rfc2231-only": (0, mixed("boundary*=us-ascii''in", TWO), TOP, "SIG"),
    "rfc2231-segments": (0, mixed("boundary*0=i; boundary*1=n", TWO), TOP,
                         "SIG"),
    "no-close": (0, mixed("boundary=in", TWO.replace("--in--\n", "")),
                 TOP, "SIG"),
    "preamble-lookalike": (0, mixed("boundary=in", "--in-not\n--inx\n" +
                                    TWO), TOP, "SIG"),
    "braces": (0, mixed('boundary="{A-B}"', TWO.replace("--in", "--{A-B}")),
               TOP, "SIG"),
    "boundary-70": (0, mixed("boundary=" + "b" * 70,
                             TWO.replace("--in", "--" + "b" * 70)), TOP, "SIG"),
    "rfc822": (0, "Content-Type: message/rfc822\n\nFrom: alice@example.com\n"
               "Subject: inner\n\nbody\n", TOP, "SIG"),
    "top-rfc2231": (0, PLAIN, TOP.replace('boundary="SIG"',
                                          "boundary*=''SIG"), "SIG"),
    # A field or parameter given twice or in two forms.
    "two-content-type": (1, "Content-Type: text/plain\n" + mixed(
        "boundary=in", TWO), TOP, "SIG"),
    "two-cte": (1, "Content-Type: text/plain\nContent-Transfer-Encoding: "
                "7bit\nContent-Transfer-Encoding: base64\n\naGVsbG8K\n", TOP,
                "SIG"),
    "boundary-twice": (1, mixed("boundary=in; boundary=out",
                               "--in\n\none\n--out\n\ntwo\n--out--\n"
                               "--in--\n"), TOP, "SIG"),
    "boundary-case": (1, mixed("boundary=in; BOUNDARY=out",
                              "--in\n\none\n--out\n\ntwo\n--out--\n"
                              "--in--\n"), TOP, "SIG"),
    "boundary-rfc2231-beside": (1, mixed("boundary=in; boundary*=''out",
                                        "--in\n\none\n--out\n\ntwo\n"
                                        "--out--\n--in--\n"), TOP, "SIG"),
    "boundary-segment-beside": (1, mixed("boundary=in; boundary*0=out",
                                        "--in\n\none\n--out\n\ntwo\n"
                                        "--out--\n--in--\n"), TOP, "SIG"),
    # Boundaries RFC 2046 forbids.
    "boundary-trailing-space": (1, mixed('boundary="in "',
                                        "--in \n\none\n--in\n\ntwo\n"
                                        "--in --\n"), TOP, "SIG"),
    "boundary-71": (1, mixed("boundary=" + LONG,
                             TWO.replace("--in", "--" + LONG)), TOP, "SIG"),
    "boundary-empty": (1, mixed('boundary=""', "--\n\none\n--\n\ntwo\n"
                                "----\n"), TOP, "SIG"),
    # Quoting and comments readers take apart otherwise.
    "boundary-comment": (0, mixed("boundary=in (c)", TWO), TOP, "SIG"),
    "boundary-backslash": (0, mixed('boundary="i\\n"', TWO), TOP, "SIG"),
    "boundary-junk-quote": (0, mixed('boundary=in"x"', TWO), TOP, "SIG"),
    "space-before-colon": (0, "Content-Type : multipart/mixed; boundary=in"
                           "\n\n" + TWO, TOP, "SIG"),
    # Delimiters some readers see and others do not.
    "cr-before-delimiter": (1, mixed("boundary=in", "--in\n\none" + CR +
                                     "--in\n\ntwo\n--in--\n"), TOP, "SIG"),
    "cr-after-boundary": (1, mixed("boundary=in", "--in\n\none\n--in" + CR +
                                   "x\n\ntwo\n--in--\n"), TOP, "SIG"),
    "ff-after-boundary": (0, mixed("boundary=in", "--in\n\none\n--in\f\n\n"
                                   "two\n--in--\n"), TOP, "SIG"),
    "cr-in-header": (1, "Content-Type: text/plain" + CR + mixed(
        "boundary=in", TWO), TOP, "SIG"),
    "cr-header-line": (1, "Content-Type: text/plain\n" + CR + "\nbody\n",
                       TOP, "SIG"),
    # The multipart/signed itself.
    "top-protocol-twice": (1, PLAIN, TOP + '; protocol="application/x-other"',
                           "SIG"),
    "top-micalg-twice": (1, PLAIN, TOP + "; micalg=sha-1", "SIG"),
    "top-boundary-twice": (1, PLAIN, TOP + '; boundary="GIS"', "SIG"),
    "top-boundary-space": (1, PLAIN, TOP.replace('"SIG"', '"SIG "'), "SIG "),
    "top-cr-before-delimiter": (1, "Content-Type: text/plain\n\nhello" + CR +
                                "--SIG\nContent-Type: text/plain\n\nforged\n",
                                TOP, "SIG"),
    "top-two-content-type": (1, PLAIN, TOP + "\nContent-Type: text/plain",
                             "SIG"),
}


def crlf(s):
    return s.replace("\n", "\r\n").replace(CR, "\r").encode("latin-1")


def message(name, sig):
    _, entity, top, bnd = SHAPES[name]
    b64 = base64.encodebytes(sig).decode().replace("\n", "\r\n")
    head = ("From: alice@example.com\nTo: bob@example.org\n"
            "Subject: shape %s\nMIME-Version: 1.0\n"
            "Content-Type: multipart/signed; %s\n\n"
            "This is an S/MIME signed message\n--%s\n") % (name, top, bnd)
    tail = ("\n--%s\nContent-Type: application/pkcs7-signature; "
            'name="smime.p7s"\nContent-Transfer-Encoding: base64\n\n') % bnd
    return (crlf(head) + crlf(entity) + crlf(tail) + b64.encode() +
            crlf("\n--%s--\n" % bnd))


def main():
    out = sys.stdout.buffer
    if sys.argv[1] == "list":
        for name, shape in SHAPES.items():
            out.write(b"%s %s\n" % (name.encode(),
                                    b"forbidden" if shape[0] else b"-"))
    elif sys.argv[1] == "entity":
        out.write(crlf(SHAPES[sys.argv[2]][1]))
    else:
        with open(sys.argv[3], "rb") as f:
            out.write(message(sys.argv[2], f.read()))


main()
