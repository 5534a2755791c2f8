// Writes tests/fixtures/key-credentials.json: Key credentials as the official signers make
// them, for the Rust tests of src/webauthn (which verify these exact bytes).
//
// Run from a folder where @dfns/sdk@0.8.21, @dfns/sdk-browser@0.6.12 and
// @dfns/sdk-keysigner@0.8.3 are installed (the key signer's peer dependency asks for
// @dfns/sdk 0.8.3, so install it with --legacy-peer-deps):
//
//   npm install --legacy-peer-deps @dfns/sdk@0.8.21 @dfns/sdk-browser@0.6.12 @dfns/sdk-keysigner@0.8.3
//   node /path/to/dfns-mock/tests/node/make-key-fixtures.mjs > /path/to/dfns-mock/tests/fixtures/key-credentials.json
//
// ECDSA signatures are randomised, so every run writes new (equally valid) bytes.
import crypto from 'node:crypto'
import { createRequire } from 'node:module'
import path from 'node:path'

const require = createRequire(path.join(process.cwd(), 'package.json'))
const { BrowserKeySigner } = require('@dfns/sdk-browser/signers/key')
const { AsymmetricKeySigner } = require('@dfns/sdk-keysigner')
const version = (name) => require(`${name}/package.json`).version

// Challenges shaped like the ones the mock issues (base64url of 32 hex characters).
const challenge = (i) =>
  Buffer.from(crypto.createHash('sha256').update(`challenge ${i}`).digest('hex').slice(0, 32)).toString('base64url')
const allow = (id) => ({ allowCredentials: { key: [{ type: 'public-key', id }], webauthn: [] } })

// BrowserKeySigner: WebCrypto P-256 key (Node's globalThis.crypto), create() and sign().
const keyPair = await globalThis.crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])
const browser = new BrowserKeySigner({ keyPair })
const registrationChallenge = challenge('browser-create')
const registration = await browser.create({ challenge: registrationChallenge })
const browserAssertions = []
for (let i = 0; i < 8; i++) {
  // Eight signatures: WebCrypto's r and s have their top bit set about half the time, which
  // the signer's own DER encoding has to handle.
  const c = challenge(`browser-get-${i}`)
  const assertion = await browser.sign({ challenge: c, ...allow(registration.credentialInfo.credId) })
  browserAssertions.push({ challenge: c, assertion })
}

// AsymmetricKeySigner: Node keys of each type the Dfns docs list, sign() only (it has no create()).
const keys = {
  'ec-p256': crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  ed25519: crypto.generateKeyPairSync('ed25519'),
  'rsa-2048': crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }),
}
const asymmetric = []
for (const [keyType, { publicKey, privateKey }] of Object.entries(keys)) {
  const credId = `cred-${keyType}`
  const signer = new AsymmetricKeySigner({ credId, privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) })
  const assertions = []
  for (let i = 0; i < (keyType === 'ec-p256' ? 4 : 1); i++) {
    const c = challenge(`${keyType}-get-${i}`)
    assertions.push({ challenge: c, assertion: await signer.sign({ challenge: c, ...allow(credId) }) })
  }
  // A registration for the same key made as the Dfns docs' Node example does it
  // (advanced-topics/authentication/api-objects): clientData with origin, keys sorted,
  // fingerprint signed with crypto.sign(undefined, …), PEM as Node exports it.
  const c = challenge(`${keyType}-create`)
  const clientData = JSON.stringify({ challenge: c, crossOrigin: false, origin: 'http://localhost:3000', type: 'key.create' })
  const publicKeyPem = publicKey.export(keyType === 'rsa-2048' ? { type: 'pkcs1', format: 'pem' } : { type: 'spki', format: 'pem' })
  const fingerprint = JSON.stringify({
    clientDataHash: crypto.createHash('sha256').update(clientData).digest('hex'),
    publicKey: publicKeyPem,
  })
  const signature = crypto.sign(undefined, Buffer.from(fingerprint), privateKey).toString('hex')
  asymmetric.push({
    keyType,
    credId,
    assertions,
    docsRegistration: {
      challenge: c,
      credentialInfo: {
        credId,
        clientData: Buffer.from(clientData).toString('base64url'),
        attestationData: Buffer.from(JSON.stringify({ publicKey: publicKeyPem, signature })).toString('base64url'),
      },
    },
  })
}

const fixtures = {
  producedBy: 'tests/node/make-key-fixtures.mjs',
  versions: {
    '@dfns/sdk': version('@dfns/sdk'),
    '@dfns/sdk-browser': version('@dfns/sdk-browser'),
    '@dfns/sdk-keysigner': version('@dfns/sdk-keysigner'),
    node: process.version,
  },
  browserKeySigner: { registration: { challenge: registrationChallenge, ...registration }, assertions: browserAssertions },
  asymmetricKeySigner: asymmetric,
}
process.stdout.write(JSON.stringify(fixtures, null, 2) + '\n')
