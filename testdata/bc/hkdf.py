#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# hkdf.py: the peer of test 0084 for what Bouncy Castle 1.72's CMS cannot
# do: X25519 and X448 key agreement with HKDF (RFC 8418 2.2: IKM the
# shared secret, no salt, info the DER ECC-CMS-SharedInfo of RFC 5753
# 7.2), which smime-encrypt uses by default.  The primitives are
# python3-cryptography's (X25519, X448, HKDF, the X9.63 KDF, AES key
# wrap, AES-CBC, AES-GCM, ChaCha20-Poly1305); the CMS structures are
# read and written here, BER (indefinite lengths, constructed OCTET
# STRINGs) on input, DER on output.
#
# As Peer.java, one run does a list of operations separated by a lone
# "--" (a Python start with cryptography loaded is not free either), each
# printing "OP LABEL: ok ..." or "OP LABEL: FAIL reason"; the exit status
# is 1 when one failed.
#
#   encrypt LABEL CERT CIPHER KDF UKM HDR IN OUT
#	encrypt IN as it is to the X25519/X448 CERT: CIPHER aes-256-cbc,
#	aes-256-gcm or chacha20-poly1305; KDF hkdf-sha256, hkdf-sha384,
#	hkdf-sha512, x963-sha256 ...; UKM "-" for none, else hex; OUT gets
#	HDR and the application/pkcs7-mime entity, CRLF
#   decrypt LABEL KEY CERT IN OUT
#	decrypt the S/MIME message IN for CERT with the PKCS#8 KEY into
#	OUT; print the curve, the KDF, the key wrap and the content cipher
import base64
import os
import re
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import x25519, x448
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.x963kdf import X963KDF
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap

OID = {
    'data': '1.2.840.113549.1.7.1',
    'envelopedData': '1.2.840.113549.1.7.3',
    'authEnvelopedData': '1.2.840.113549.1.9.16.1.23',
    'X25519': '1.3.101.110',
    'X448': '1.3.101.111',
    # RFC 8418 2.2: dhSinglePass-stdDH-hkdf-shaNNN-scheme (not RFC 8619's
    # id-alg-hkdf-with-shaNNN, .3.28 to .3.30, which name HKDF alone)
    'hkdf-sha256': '1.2.840.113549.1.9.16.3.19',
    'hkdf-sha384': '1.2.840.113549.1.9.16.3.20',
    'hkdf-sha512': '1.2.840.113549.1.9.16.3.21',
    'x963-sha224': '1.3.132.1.11.0',
    'x963-sha256': '1.3.132.1.11.1',
    'x963-sha384': '1.3.132.1.11.2',
    'x963-sha512': '1.3.132.1.11.3',
    'aes128-wrap': '2.16.840.1.101.3.4.1.5',
    'aes192-wrap': '2.16.840.1.101.3.4.1.25',
    'aes256-wrap': '2.16.840.1.101.3.4.1.45',
    'aes-128-cbc': '2.16.840.1.101.3.4.1.2',
    'aes-192-cbc': '2.16.840.1.101.3.4.1.22',
    'aes-256-cbc': '2.16.840.1.101.3.4.1.42',
    'aes-128-gcm': '2.16.840.1.101.3.4.1.6',
    'aes-192-gcm': '2.16.840.1.101.3.4.1.26',
    'aes-256-gcm': '2.16.840.1.101.3.4.1.46',
    'chacha20-poly1305': '1.2.840.113549.1.9.16.3.18',
}
NAME = {v: k for k, v in OID.items()}
HASH = {'sha224': hashes.SHA224, 'sha256': hashes.SHA256,
        'sha384': hashes.SHA384, 'sha512': hashes.SHA512}
WRAPLEN = {'aes128-wrap': 16, 'aes192-wrap': 24, 'aes256-wrap': 32}


# BER, as much as CMS needs: low tag numbers, definite and indefinite
# lengths.  A node is (tag, bytes-of-its-content or list-of-children).
def ber(b, i=0, depth=0):
    if depth > 64 or i + 2 > len(b):
        raise ValueError('bad BER')
    tag = b[i]
    if tag & 0x1f == 0x1f:
        raise ValueError('high tag number')
    ln = b[i + 1]
    i += 2
    cons = tag & 0x20
    if ln == 0x80:
        if not cons:
            raise ValueError('indefinite primitive')
        kids = []
        while b[i:i + 2] != b'\0\0':
            k, i = ber(b, i, depth + 1)
            kids.append(k)
        return (tag, kids), i + 2
    if ln & 0x80:
        n = ln & 0x7f
        if n > 4:
            raise ValueError('length too long')
        ln = int.from_bytes(b[i:i + n], 'big')
        i += n
    end = i + ln
    if end > len(b):
        raise ValueError('truncated')
    if not cons:
        return (tag, b[i:end]), end
    kids = []
    while i < end:
        k, i = ber(b, i, depth + 1)
        kids.append(k)
    if i != end:
        raise ValueError('bad constructed length')
    return (tag, kids), end


def octets(n):
    """An OCTET STRING's bytes, primitive or constructed (BER chunks)."""
    return n[1] if isinstance(n[1], bytes) else b''.join(octets(k) for k in n[1])


def oid_str(n):
    b = n[1]
    v, out = 0, []
    for x in b:
        v = (v << 7) | (x & 0x7f)
        if not x & 0x80:
            out.append(v)
            v = 0
    first = min(out[0] // 40, 2)
    return '.'.join(str(x) for x in [first, out[0] - 40 * first] + out[1:])


def to_der(n):
    """Re-encode a node as DER (definite lengths) for comparison."""
    tag, c = n
    body = c if isinstance(c, bytes) else b''.join(to_der(k) for k in c)
    return tlv(tag, body)


# DER writing.
def tlv(tag, body):
    n = len(body)
    if n < 0x80:
        ln = bytes([n])
    else:
        lb = n.to_bytes((n.bit_length() + 7) // 8, 'big')
        ln = bytes([0x80 | len(lb)]) + lb
    return bytes([tag]) + ln + body


def seq(*xs):
    return tlv(0x30, b''.join(xs))


def oid(name):
    parts = [int(x) for x in OID.get(name, name).split('.')]
    out = bytes([40 * parts[0] + parts[1]])
    for p in parts[2:]:
        enc = [p & 0x7f]
        p >>= 7
        while p:
            enc.append(0x80 | (p & 0x7f))
            p >>= 7
        out += bytes(reversed(enc))
    return tlv(0x06, out)


def integer(v):
    return tlv(0x02, v.to_bytes(v.bit_length() // 8 + 1, 'big', signed=False))


def octet(b):
    return tlv(0x04, b)


def shared_info(wrap, ukm, keylen):
    """ECC-CMS-SharedInfo (RFC 5753 7.2), DER."""
    return seq(seq(oid(wrap)),
               tlv(0xa0, octet(ukm)) if ukm else b'',
               tlv(0xa2, octet((keylen * 8).to_bytes(4, 'big'))))


def kek(kdf, z, wrap, ukm):
    n = WRAPLEN[wrap]
    info = shared_info(wrap, ukm, n)
    kind, h = kdf.split('-')
    if kind == 'hkdf':
        return HKDF(HASH[h](), n, None, info).derive(z)
    return X963KDF(HASH[h](), n, info).derive(z)


def mime_body(path):
    m = open(path, 'rb').read().replace(b'\r\n', b'\n')
    _, _, body = m.partition(b'\n\n')
    return base64.b64decode(re.sub(rb'\s', b'', body))


def encrypt(certp, cipher, kdf, ukmhex, hdr, inp, out):
    cert = x509.load_pem_x509_certificate(open(certp, 'rb').read())
    pub = cert.public_key()
    if isinstance(pub, x25519.X25519PublicKey):
        eph, curve = x25519.X25519PrivateKey.generate(), 'X25519'
    elif isinstance(pub, x448.X448PublicKey):
        eph, curve = x448.X448PrivateKey.generate(), 'X448'
    else:
        raise ValueError('not an X25519 or X448 certificate')
    ukm = None if ukmhex == '-' else bytes.fromhex(ukmhex)
    wrap = 'aes256-wrap'
    z = eph.exchange(pub)
    cek = os.urandom(32)
    ek = aes_key_wrap(kek(kdf, z, wrap, ukm), cek)
    ephpub = eph.public_key().public_bytes(serialization.Encoding.Raw,
                                           serialization.PublicFormat.Raw)
    rid = seq(cert.issuer.public_bytes(), integer(cert.serial_number))
    kari = tlv(0xa1, b''.join([
        integer(3),
        tlv(0xa0, tlv(0xa1, seq(oid(curve)) + tlv(0x03, b'\0' + ephpub))),
        tlv(0xa1, octet(ukm)) if ukm else b'',
        seq(oid(kdf), seq(oid(wrap))),
        seq(seq(rid, octet(ek)))]))
    pt = open(inp, 'rb').read()
    if cipher == 'aes-256-cbc':
        iv = os.urandom(16)
        p = padding.PKCS7(128).padder()
        e = Cipher(algorithms.AES(cek), modes.CBC(iv)).encryptor()
        ct = e.update(p.update(pt) + p.finalize()) + e.finalize()
        eci = seq(oid('data'), seq(oid(cipher), octet(iv)), tlv(0x80, ct))
        ci = seq(oid('envelopedData'), tlv(0xa0, seq(
            integer(2), tlv(0x31, kari), eci)))
        st = 'enveloped-data'
    else:
        nonce = os.urandom(12)
        if cipher == 'aes-256-gcm':
            ctt = AESGCM(cek).encrypt(nonce, pt, None)
            params = seq(octet(nonce), integer(16))
        elif cipher == 'chacha20-poly1305':
            ctt = ChaCha20Poly1305(cek).encrypt(nonce, pt, None)
            params = octet(nonce)
        else:
            raise ValueError('cipher ' + cipher)
        eci = seq(oid('data'), seq(oid(cipher), params), tlv(0x80, ctt[:-16]))
        ci = seq(oid('authEnvelopedData'), tlv(0xa0, seq(
            integer(0), tlv(0x31, kari), eci, octet(ctt[-16:]))))
        st = 'authEnveloped-data'
    # CRLF throughout, as Peer.java writes: smime-decrypt keeps the
    # input's line ends, and the entity encrypted is CRLF.
    msg = open(hdr, 'rb').read().replace(b'\r\n', b'\n')
    msg += ('MIME-Version: 1.0\nContent-Type: application/pkcs7-mime; '
            'smime-type=%s; name="smime.p7m"\n'
            'Content-Transfer-Encoding: base64\n\n' % st).encode()
    msg += base64.encodebytes(ci)
    with open(out, 'wb') as f:
        f.write(msg.replace(b'\n', b'\r\n'))
    return ' '.join([curve, kdf, wrap, cipher, 'ukm' if ukm else 'no-ukm'])


def decrypt(keyp, certp, inp, out):
    key = serialization.load_pem_private_key(open(keyp, 'rb').read(), None)
    cert = x509.load_pem_x509_certificate(open(certp, 'rb').read())
    myrid = seq(cert.issuer.public_bytes(), integer(cert.serial_number))
    ci, _ = ber(mime_body(inp))
    ct = oid_str(ci[1][0])
    body = ci[1][1][1][0][1]	# [0] EXPLICIT, then the SEQUENCE
    if NAME.get(ct) not in ('envelopedData', 'authEnvelopedData'):
        raise ValueError('not enveloped: ' + ct)
    i = 1
    if body[i][0] == 0xa0:	# originatorInfo
        i += 1
    ris, eci = body[i], body[i + 1]
    cek = None
    for ri in ris[1]:
        if ri[0] != 0xa1:
            continue
        f = ri[1]
        orig = f[1][1][0]
        if orig[0] != 0xa1:
            continue
        j, ukm = 2, None
        if f[j][0] == 0xa1:
            ukm = octets(f[j][1][0])
            j += 1
        kdf = NAME[oid_str(f[j][1][0])]
        wrap = NAME[oid_str(f[j][1][1][1][0])]
        curve = NAME[oid_str(orig[1][0][1][0])]
        ephpub = orig[1][1][1][1:]
        for rek in f[j + 1][1]:
            if to_der(rek[1][0]) != myrid:
                continue
            cls = x25519.X25519PublicKey if curve == 'X25519' else x448.X448PublicKey
            z = key.exchange(cls.from_public_bytes(ephpub))
            cek = aes_key_unwrap(kek(kdf, z, wrap, ukm), octets(rek[1][1]))
            break
        if cek is not None:
            break
    if cek is None:
        raise ValueError('no KeyAgreeRecipientInfo for ' + certp)
    alg = eci[1][1]
    cipher = NAME[oid_str(alg[1][0])]
    enc = octets(eci[1][2])
    if NAME[ct] == 'envelopedData':
        iv = octets(alg[1][1])
        d = Cipher(algorithms.AES(cek), modes.CBC(iv)).decryptor()
        u = padding.PKCS7(128).unpadder()
        pt = u.update(d.update(enc) + d.finalize()) + u.finalize()
    else:
        rest = body[i + 2:]
        aad = b''
        if rest[0][0] == 0xa1:	# authAttrs: MACed as a SET OF
            aad = to_der((0x31, rest[0][1]))
            rest = rest[1:]
        mac = octets(rest[0])
        if cipher.endswith('-gcm'):
            pt = AESGCM(cek).decrypt(octets(alg[1][1][1][0]), enc + mac, aad)
        else:
            pt = ChaCha20Poly1305(cek).decrypt(octets(alg[1][1]), enc + mac, aad)
    with open(out, 'wb') as fo:
        fo.write(pt)
    return ' '.join([curve, kdf, wrap, cipher, 'ukm' if ukm else 'no-ukm'])


def main(argv):
    ops, cur = [], []
    for a in argv:
        if a == '--':
            ops.append(cur)
            cur = []
        else:
            cur.append(a)
    ops.append(cur)
    failed = 0
    for op in [o for o in ops if o]:
        label = op[1] if len(op) > 1 else '?'
        try:
            if op[0] == 'encrypt' and len(op) == 9:
                res = encrypt(*op[2:])
            elif op[0] == 'decrypt' and len(op) == 6:
                res = decrypt(*op[2:])
            else:
                raise ValueError('usage: encrypt LABEL CERT CIPHER KDF UKM '
                                 'HDR IN OUT | decrypt LABEL KEY CERT IN OUT')
            print('%s %s: ok %s' % (op[0], label, res))
        except Exception as e:	# reported, and the other operations go on
            failed += 1
            print('%s %s: FAIL %s: %s' % (op[0], label, type(e).__name__, e))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
