# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
"""CMS SignedData by hand, for test 0085 (EdDSA, RFC 8419).

An implementation apart from ours and OpenSSL's CMS: DER written here,
signatures from python3-cryptography's primitives.

  cms-ed.py sign OUT.der CONTENT [--detached] SIGNER...
      SIGNER is KEY,CERT[,OPT...] (PEM files); OPT is one of
        digest=sha512|sha256|shake256|shake256-lenBITS   the digestAlgorithm
                                     (default: by key)
        sigalg=ed25519|ed448|rsa        the signatureAlgorithm (default: by key)
        sigkey=KEY                      sign with this key instead
        params                          signatureAlgorithm parameters NULL
        noattrs                         no signed attributes
        ctype=signed                    contentType attribute id-signedData
        nomd                            no messageDigest attribute
        nocert                          its certificate left out
        sbig                            Ed25519 S replaced by S + L
        long | short                    the signature a byte longer / shorter
  cms-ed.py check MESSAGE CERT
      MESSAGE is an S/MIME message (multipart/signed in CRLF, or
      application/pkcs7-mime): every Ed25519 signer's signature is checked
      over its signed attributes re-tagged SET, and its messageDigest
      against the SHA-512 of the content.  Exit 0 if all hold.
"""
import base64
import hashlib
import re
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, ed448, padding, rsa

L = 2**252 + 27742317777372353535851937790883648493

OID = {
    'data': '1.2.840.113549.1.7.1',
    'signedData': '1.2.840.113549.1.7.2',
    'contentType': '1.2.840.113549.1.9.3',
    'messageDigest': '1.2.840.113549.1.9.4',
    'sha256': '2.16.840.1.101.3.4.2.1',
    'sha512': '2.16.840.1.101.3.4.2.3',
    'shake256': '2.16.840.1.101.3.4.2.12',
    'shake256-len': '2.16.840.1.101.3.4.2.18',
    'ed25519': '1.3.101.112',
    'ed448': '1.3.101.113',
    'rsa': '1.2.840.113549.1.1.1',
}


def tlv(tag, body):
    n = len(body)
    if n < 0x80:
        head = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, 'big')
        head = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + head + body


def oid(dotted):
    a = [int(x) for x in dotted.split('.')]
    out = bytearray([40 * a[0] + a[1]])
    for v in a[2:]:
        enc = [v & 0x7f]
        v >>= 7
        while v:
            enc.insert(0, 0x80 | (v & 0x7f))
            v >>= 7
        out += bytes(enc)
    return tlv(0x06, bytes(out))


def seq(*xs):
    return tlv(0x30, b''.join(xs))


def set_of(*xs):
    return tlv(0x31, b''.join(sorted(xs)))


def algid(name, null=False):
    if name.startswith('shake256-len'):
        # id-shake256-len (RFC 8702), the length in bits as its parameter:
        # shake256-len512, shake256-len256
        bits = int(name[len('shake256-len'):])
        return seq(oid(OID['shake256-len']),
                   tlv(0x02, bits.to_bytes(2, 'big')))
    return seq(oid(OID[name]), b'\x05\x00' if null else b'')


def digest(name, data):
    if name.startswith('shake256'):
        return hashlib.shake_256(data).digest(64)
    return hashlib.new(name, data).digest()


def load_key(path):
    with open(path, 'rb') as f:
        return serialization.load_pem_private_key(f.read(), None)


def load_cert(path):
    with open(path, 'rb') as f:
        return x509.load_pem_x509_certificate(f.read())


def raw_sign(key, tbs):
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey)):
        return key.sign(tbs)
    return key.sign(tbs, padding.PKCS1v15(), hashes.SHA256())


def kind(key):
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return 'ed25519'
    if isinstance(key, ed448.Ed448PrivateKey):
        return 'ed448'
    return 'rsa'


def signer_info(spec, content):
    keyf, certf, *opts = spec.split(',')
    o = dict(x.split('=', 1) if '=' in x else (x, True) for x in opts)
    key = load_key(keyf)
    cert = load_cert(certf)
    k = kind(key)
    dname = o.get('digest', {'ed25519': 'sha512', 'ed448': 'shake256',
                             'rsa': 'sha256'}[k])
    sig_name = o.get('sigalg', k)
    skey = load_key(o['sigkey']) if 'sigkey' in o else key
    ias = seq(cert.issuer.public_bytes(),
              tlv(0x02, cert.serial_number.to_bytes(
                  (cert.serial_number.bit_length() + 8) // 8, 'big')))
    if 'noattrs' in o:
        attrs = b''
        tbs = content
    else:
        ctype = OID['signedData'] if o.get('ctype') == 'signed' else OID['data']
        els = [seq(oid(OID['contentType']), set_of(oid(ctype)))]
        if 'nomd' not in o:
            els.append(seq(oid(OID['messageDigest']),
                           set_of(tlv(0x04, digest(dname, content)))))
        der = set_of(*els)
        attrs = b'\xa0' + der[1:]
        tbs = der
    sig = raw_sign(skey, tbs)
    if 'sbig' in o:
        s = int.from_bytes(sig[32:], 'little') + L
        sig = sig[:32] + s.to_bytes(32, 'little')
    if 'long' in o:
        sig += b'\x00'
    if 'short' in o:
        sig = sig[:-1]
    si = seq(tlv(0x02, b'\x01'), ias, algid(dname), attrs,
             algid(sig_name, null='params' in o or sig_name == 'rsa'),
             tlv(0x04, sig))
    return si, dname, None if 'nocert' in o else cert


def sign(argv):
    out, contentf = argv[0], argv[1]
    rest = argv[2:]
    detached = '--detached' in rest
    specs = [x for x in rest if x != '--detached']
    with open(contentf, 'rb') as f:
        content = f.read()
    sis, dnames, certs = [], [], []
    for spec in specs:
        si, dname, cert = signer_info(spec, content)
        sis.append(si)
        if dname not in dnames:
            dnames.append(dname)
        if cert is not None:
            certs.append(cert.public_bytes(serialization.Encoding.DER))
    econtent = b'' if detached else tlv(0xa0, tlv(0x04, content))
    sd = seq(tlv(0x02, b'\x01'),
             set_of(*[algid(d) for d in dnames]),
             seq(oid(OID['data']), econtent),
             tlv(0xa0, b''.join(certs)),
             set_of(*sis))
    ci = seq(oid(OID['signedData']), tlv(0xa0, sd))
    with open(out, 'wb') as f:
        f.write(ci)


def parse(buf, off):
    """One BER element at off: (tag, start of value, end of value, next).
    Indefinite lengths are walked to their end-of-contents."""
    tag = buf[off]
    off += 1
    n = buf[off]
    off += 1
    if n == 0x80:
        start = off
        while buf[off:off + 2] != b'\x00\x00':
            off = parse(buf, off)[3]
        return tag, start, off, off + 2
    if n & 0x80:
        k = n & 0x7f
        n = int.from_bytes(buf[off:off + k], 'big')
        off += k
    return tag, off, off + n, off + n


def children(buf, start, end):
    out = []
    while start < end:
        el = parse(buf, start)
        out.append(el)
        start = el[3]
    return out


def octets(buf, el):
    """The contents of an OCTET STRING, primitive or constructed."""
    if el[0] == 0x04:
        return buf[el[1]:el[2]]
    return b''.join(octets(buf, c) for c in children(buf, el[1], el[2]))


def check(argv):
    msg = open(argv[0], 'rb').read()
    cert = load_cert(argv[1])
    head, body = re.split(rb'\r?\n\r?\n', msg, maxsplit=1)
    m = re.search(rb'boundary="([^"]+)"', head)
    content = None
    if m:
        b = b'--' + m.group(1)
        parts = body.split(b'\r\n' + b)
        content = body.split(b + b'\r\n', 1)[1].split(b'\r\n' + b, 1)[0]
        sigpart = re.split(rb'\r?\n\r?\n', parts[2], maxsplit=1)[1]
        der = base64.b64decode(re.sub(rb'\s', b'', sigpart))
    else:
        der = base64.b64decode(re.sub(rb'\s', b'', body))
    top = parse(der, 0)
    ci = children(der, top[1], top[2])
    sd = children(der, ci[1][1], ci[1][2])
    sd = children(der, sd[0][1], sd[0][2])
    encap = children(der, sd[2][1], sd[2][2])
    if content is None:
        content = octets(der, children(der, encap[1][1], encap[1][2])[0])
    pub = cert.public_key()
    checked = 0
    for si in children(der, sd[-1][1], sd[-1][2]):
        f = children(der, si[1], si[2])
        if f[3][0] != 0xa0:
            continue
        alg = der[f[4][1]:f[4][2]]
        if alg != oid(OID['ed25519']):
            continue
        attrs_el = f[3]
        # RFC 5652 5.4: the [0] IMPLICIT re-tagged SET OF.
        tbs = b'\x31' + der[f[2][3] + 1:attrs_el[2]]
        pub.verify(der[f[5][1]:f[5][2]], tbs)
        md = None
        for a in children(der, attrs_el[1], attrs_el[2]):
            ac = children(der, a[1], a[2])
            if der[ac[0][1] - 2:ac[0][2]] == oid(OID['messageDigest']):
                v = children(der, ac[1][1], ac[1][2])[0]
                md = der[v[1]:v[2]]
        if md != hashlib.sha512(content).digest():
            sys.exit('messageDigest is not the SHA-512 of the content')
        checked += 1
    if checked == 0:
        sys.exit('no Ed25519 signer')
    print('ok %d' % checked)


if __name__ == '__main__':
    {'sign': sign, 'check': check}[sys.argv[1]](sys.argv[2:])
