/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
// PKI.js -> ours: make a signed S/MIME message with PKI.js.
// usage: node pkijs-sign.mjs WHO ALG HASH MODE OUT [ENTITYFILE]
//   WHO: alice|carol|dave  ALG: rsa|pss|ecdsa  HASH: SHA-256|SHA-384|SHA-512
//   MODE: detached|opaque
import fs from 'node:fs';
import { asn1js, pkijs, PKI, engine, loadCert, loadPkcs8, toCRLF, b64lines } from './lib.mjs';

const [who, alg, hash, mode, out, entityFile] = process.argv.slice(2);
const cert = loadCert(`${PKI}/${who}.pem`);
const subca = loadCert(`${PKI}/sub-ca.pem`);
const pkcs8 = loadPkcs8(`${PKI}/${who}.key`);
let keyAlg;
if (alg === 'rsa') keyAlg = { name: 'RSASSA-PKCS1-v1_5', hash: { name: hash } };
else if (alg === 'pss') keyAlg = { name: 'RSA-PSS', hash: { name: hash } };
else keyAlg = { name: 'ECDSA', namedCurve: who === 'dave' ? 'P-384' : 'P-256', hash: { name: hash } };
const key = await engine.importKey('pkcs8', pkcs8, keyAlg, false, ['sign']);

// the MIME entity, canonical CRLF
const entity = entityFile ? toCRLF(fs.readFileSync(entityFile))
  : Buffer.from('Content-Type: text/plain; charset=us-ascii\r\n\r\nhello from PKI.js\r\nsecond line\r\n', 'latin1');
const content = new Uint8Array(entity);
const digest = await engine.digest({ name: hash }, content);

const attrs = [
  new pkijs.Attribute({ type: '1.2.840.113549.1.9.3', values: [new asn1js.ObjectIdentifier({ value: '1.2.840.113549.1.7.1' })] }),
  new pkijs.Attribute({ type: '1.2.840.113549.1.9.5', values: [new asn1js.UTCTime({ valueDate: new Date() })] }),
  new pkijs.Attribute({ type: '1.2.840.113549.1.9.4', values: [new asn1js.OctetString({ valueHex: digest })] }),
];
if (process.env.ATTRORDER === 'md-first') attrs.unshift(attrs.pop());
let sid = new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber });
if (process.env.SID === 'ski') {
  const ext = cert.extensions.find(e => e.extnID === '2.5.29.14');
  sid = new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: ext.parsedValue.valueBlock.valueHexView });
}
const sd = new pkijs.SignedData({
  version: process.env.SID === 'ski' ? 3 : 1,
  encapContentInfo: new pkijs.EncapsulatedContentInfo({
    eContentType: '1.2.840.113549.1.7.1',
    ...(mode === 'opaque' ? { eContent: new asn1js.OctetString({ valueHex: content }) } : {}),
  }),
  signerInfos: [new pkijs.SignerInfo({
    version: process.env.SID === 'ski' ? 3 : 1,
    sid,
    ...(process.env.NOATTRS ? {} : { signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: attrs }) }),
  })],
  certificates: [cert, subca],
});
await sd.sign(key, 0, hash, mode === 'opaque' ? undefined : content);
const der = new pkijs.ContentInfo({ contentType: '1.2.840.113549.1.7.2', content: sd.toSchema(true) }).toSchema().toBER(false);
fs.writeFileSync(out + '.p7', Buffer.from(der));

const micalg = hash.toLowerCase();
const hdr = `From: ${who}@example.com\r\nTo: help@example.org\r\nSubject: PKI.js ${alg} ${hash} ${mode}\r\nMIME-Version: 1.0\r\n`;
let msg;
if (mode === 'detached') {
  const b = 'pkijs-boundary-42';
  msg = hdr + `Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=${micalg}; boundary="${b}"\r\n\r\n` +
    `This is an S/MIME signed message.\r\n--${b}\r\n` + entity.toString('latin1') + `\r\n--${b}\r\n` +
    `Content-Type: application/pkcs7-signature; name="smime.p7s"\r\nContent-Transfer-Encoding: base64\r\n` +
    `Content-Disposition: attachment; filename="smime.p7s"\r\n\r\n` + b64lines(der) + `\r\n--${b}--\r\n`;
} else {
  msg = hdr + `Content-Type: application/pkcs7-mime; smime-type=signed-data; name="smime.p7m"\r\n` +
    `Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="smime.p7m"\r\n\r\n` + b64lines(der);
}
fs.writeFileSync(out, msg, 'latin1');
console.log('wrote', out);
