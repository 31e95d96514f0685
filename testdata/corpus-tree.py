#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
"""Print the expected MIME tree of every message of the test corpus.

Developer tool (Python 3, standard library only); the tests do not run it.
It reads the "Messages" table of testdata/corpus/MANIFEST.md, parses each
listed file with Python's email package (compat32 policy, an mbox "From "
first line is taken as the unixfrom) and prints one block per file:

    == <path relative to testdata/corpus/>
    <indent><section> <type>/<subtype> <cte>

one line per MIME entity, depth first, parent before children:

  indent   two spaces per nesting depth (the message itself is depth 0;
           children of a multipart are one deeper; the message inside a
           message/rfc822 part is one deeper than that part)
  section  IMAP (RFC 3501 6.4.5) section: the top-level entity is TEXT if
           multipart, 1 otherwise; children of P are P.1, P.2 ... (children
           of TEXT are 1, 2 ...; children of X.TEXT are X.1, X.2 ...); the
           message inside a message/rfc822 part P is P.TEXT if multipart,
           P.1 otherwise.  A message/rfc822 part is only descended into when
           its Content-Transfer-Encoding is 7bit, 8bit, binary or absent.
  type     lowercase type/subtype; text/plain when Content-Type is missing
           or invalid (message/rfc822 for a child of multipart/digest);
           a multipart without a usable boundary is a leaf
  cte      Content-Transfer-Encoding, lowercased, without whitespace and
           comments; 7bit when absent

The output is the starting point of testdata/corpus.trees, which was then
checked by hand against RFC 2046 (hand corrections are marked there with
"# <path>: <why>" comment lines).  Python's parser is lenient in places, so
this script also prints "# note:" comment lines where the header / body
split or a Content-Type needs a decision by RFC 5322 / RFC 2045; a note
containing "CHECK" means Python and the strict reading disagree.

Usage: corpus-tree.py [CORPUS_DIR]   (default: the corpus/ folder next to
this script)
"""

import email.errors
import email.parser
import email.policy
import os
import re
import sys

IDENTITY_CTES = ('7bit', '8bit', 'binary')

# RFC 2045 token: any CHAR except SPACE, CTLs and tspecials
TOKEN_RE = re.compile(r"^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+$")
# RFC 5322 header field line (field-name ":"), allowing the obsolete WSP
# before the colon; continuation lines start with WSP
FIELD_RE = re.compile(rb'^[\x21-\x39\x3b-\x7e]+[ \t]*:')


def manifest_files(corpus):
    """Return the file column of the "Messages" table of MANIFEST.md."""
    files = []
    in_table = False
    with open(os.path.join(corpus, 'MANIFEST.md'), encoding='utf-8') as fh:
        for line in fh:
            if line.startswith('## '):
                in_table = line.strip() == '## Messages'
                continue
            if not in_table:
                continue
            m = re.match(r'^\|\s*\d+\s*\|\s*`([^`]+)`\s*\|', line)
            if m:
                files.append(m.group(1))
    return files


def strip_comments(value):
    """Remove RFC 822 comments (nested parentheses, quoted-pairs)."""
    out = []
    depth = 0
    i = 0
    while i < len(value):
        c = value[i]
        if c == '\\' and depth > 0:
            i += 2
            continue
        if c == '(':
            depth += 1
        elif c == ')' and depth > 0:
            depth -= 1
        elif depth == 0:
            out.append(c)
        i += 1
    return ''.join(out)


def cte_of(part):
    value = part.get('content-transfer-encoding')
    if value is None:
        return '7bit'
    value = re.sub(r'\s+', '', strip_comments(str(value))).lower()
    return value or '7bit'


def content_type_of(part, in_digest):
    """Lowercase type/subtype, with the RFC 2045 / RFC 2046 defaults."""
    default = 'message/rfc822' if in_digest else 'text/plain'
    value = part.get('content-type')
    if value is None:
        return default, None
    main = strip_comments(str(value)).split(';', 1)[0]
    main = re.sub(r'\s+', '', main).lower()
    if main.count('/') != 1:
        return 'text/plain', 'invalid Content-Type %r' % str(value)
    typ, sub = main.split('/')
    if not (TOKEN_RE.match(typ) and TOKEN_RE.match(sub)):
        return 'text/plain', 'invalid Content-Type %r' % str(value)
    py = part.get_content_type()
    if py != main:
        return main, 'Python reads Content-Type %r as %s' % (str(value), py)
    return main, None


def boundary_of(part):
    b = part.get_boundary()
    if b is None or not (1 <= len(b) <= 70):
        return None
    return b


def children_prefix(section):
    if section == 'TEXT':
        return ''
    if section.endswith('.TEXT'):
        return section[:-len('TEXT')]
    return section + '.'


def walk(part, section_mp, section_leaf, depth, in_digest, out, notes):
    ctype, note = content_type_of(part, in_digest)
    if note:
        notes.append(note)
    cte = cte_of(part)
    is_mp = ctype.startswith('multipart/') and boundary_of(part) is not None
    if ctype.startswith('multipart/') and not is_mp:
        notes.append('multipart without a usable boundary: leaf')
    section = section_mp if is_mp else section_leaf
    if depth > 0 and any(isinstance(d, email.errors.MissingHeaderBodySeparatorDefect)
                         for d in part.defects):
        notes.append('part %s: its first line is not a header field and no '
                     'empty line precedes it: empty header, that line starts '
                     'the body (RFC 5322); Python agrees' % section)
    out.append('%s%s %s %s' % ('  ' * depth, section, ctype, cte))
    if is_mp:
        subs = part.get_payload()
        if not isinstance(subs, list):
            notes.append('Python did not split %s into parts' % section)
            return
        prefix = children_prefix(section)
        digest = ctype == 'multipart/digest'
        for i, sub in enumerate(subs, 1):
            s = prefix + str(i)
            walk(sub, s, s, depth + 1, digest, out, notes)
    elif ctype == 'message/rfc822':
        if cte not in IDENTITY_CTES:
            return  # encoded message/rfc822: not descended into
        inner = part.get_payload()
        if isinstance(inner, list) and len(inner) == 1:
            walk(inner[0], section + '.TEXT', section + '.1', depth + 1,
                 False, out, notes)
        else:
            notes.append('Python did not parse the message in %s' % section)


def strict_header_check(raw, msg):
    """Compare the top-level header/body split with a strict RFC 5322 one.

    RFC 5322: a header is field lines (printable US-ASCII field name, then
    ":"; the obsolete syntax allows WSP before the colon) and continuation
    lines (starting with WSP); it ends at the first empty line or at the
    first line that is neither.  Lines end at CRLF (a bare LF is accepted as
    well, a bare CR is not a line end).
    """
    notes = []
    lines = re.split(rb'\r?\n', raw)
    start = 1 if lines and lines[0].startswith(b'From ') else 0
    nfields = 0
    for n, line in enumerate(lines[start:], start + 1):
        if line == b'':
            break
        if line[:1] in (b' ', b'\t') and nfields:
            continue
        if not FIELD_RE.match(line):
            if nfields == 0:
                notes.append('line %d is not a header field: empty header, '
                             'the whole file is the body (RFC 5322); '
                             'Python agrees' % n)
            else:
                notes.append('header ends at line %d, a line that is neither '
                             'a header field nor empty (RFC 5322)' % n)
            break
        nfields += 1
    if nfields != len(msg.keys()):
        notes.append('CHECK: RFC 5322 sees %d header fields, Python %d'
                     % (nfields, len(msg.keys())))
    return notes


def tree(path):
    with open(path, 'rb') as fh:
        raw = fh.read()
    msg = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(raw)
    out, notes = [], []
    walk(msg, 'TEXT', '1', 0, False, out, notes)
    return out, strict_header_check(raw, msg) + notes


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    corpus = argv[1] if len(argv) > 1 else os.path.join(here, 'corpus')
    total = 0
    files = manifest_files(corpus)
    print('# expected MIME trees of testdata/corpus; made with '
          'testdata/corpus-tree.py and checked by hand')
    for rel in files:
        lines, notes = tree(os.path.join(corpus, rel))
        print('== ' + rel)
        for note in notes:
            print('# note: ' + note)
        for line in lines:
            print(line)
        total += len(lines)
    print('# %d files, %d entities' % (len(files), total))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
