/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The smimetools authors; see LICENSE. */
// PKI.js -> ours: EnvelopedData made by PKI.js, wrapped as application/pkcs7-mime.
// usage: node pkijs-encrypt.mjs WHO CIPHER KT OUT [ENTITYFILE]
//   WHO: alice|helpdesk|carol|dave   CIPHER: AES-CBC-128|AES-CBC-256|AES-GCM-128|AES-GCM-256
//   KT: RSA: oaep-SHA-1|oaep-SHA-256|oaep-SHA-512|v15   EC: ecdh-SHA-1|ecdh-SHA-256|ecdh-SHA-384|ecdh-SHA-512[:kek128]
import fs from 'node:fs';
import { pkijs, PKI, loadCert, toCRLF, b64lines } from './lib.mjs';

const [who, cipher, kt, out, entityFile] = process.argv.slice(2);
const cert = loadCert(`${PKI}/${who}.pem`);
const [, mode, bits] = cipher.split('-');
const entity = entityFile ? toCRLF(fs.readFileSync(entityFile))
  : Buffer.from('Content-Type: text/plain; charset=us-ascii\r\n\r\nsecret from PKI.js\r\nsecond line\r\n', 'latin1');

const env = new pkijs.EnvelopedData();
const [ktName, opt] = kt.split(':');
if (ktName.startsWith('oaep-')) {
  env.addRecipientByCertificate(cert, { useOAEP: true, oaepHashAlgorithm: ktName.slice(5) });
} else if (ktName === 'v15') {
  env.addRecipientByCertificate(cert, { useOAEP: false });
} else if (ktName.startsWith('ecdh-')) {
  env.addRecipientByCertificate(cert, { kdfAlgorithm: ktName.slice(5), kekEncryptionLength: opt === 'kek128' ? 128 : 256 });
}
await env.encrypt({ name: `AES-${mode}`, length: Number(bits) }, new Uint8Array(entity).buffer);
const der = new pkijs.ContentInfo({ contentType: '1.2.840.113549.1.7.3', content: env.toSchema() }).toSchema().toBER(false);
fs.writeFileSync(out + '.p7', Buffer.from(der));
fs.writeFileSync(out + '.entity', entity);
const msg = `From: bob@example.com\r\nTo: ${who}@example.com\r\nSubject: PKI.js ${cipher} ${kt}\r\nMIME-Version: 1.0\r\n` +
  `Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"\r\n` +
  `Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="smime.p7m"\r\n\r\n` + b64lines(der);
fs.writeFileSync(out, msg, 'latin1');
console.log('wrote', out);
