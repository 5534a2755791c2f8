// A software WebAuthn authenticator for Node tests: a P-256 key that produces the same
// credentialInfo the official browser signer (@dfns/sdk-browser WebAuthnSigner) sends.
import crypto from 'node:crypto'

const b64url = (bytes) => Buffer.from(bytes).toString('base64url')

// Just enough CBOR (RFC 8949) for attestation objects and COSE keys.
function cbor(value) {
  const head = (major, n) => {
    if (n < 24) return Buffer.from([(major << 5) | n])
    if (n < 256) return Buffer.from([(major << 5) | 24, n])
    if (n < 65536) return Buffer.from([(major << 5) | 25, n >> 8, n & 255])
    const b = Buffer.alloc(5)
    b[0] = (major << 5) | 26
    b.writeUInt32BE(n, 1)
    return b
  }
  if (Number.isInteger(value)) return value >= 0 ? head(0, value) : head(1, -1 - value)
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.concat([head(2, value.length), Buffer.from(value)])
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8')
    return Buffer.concat([head(3, bytes.length), bytes])
  }
  if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(cbor)])
  if (value instanceof Map) {
    const parts = [head(5, value.size)]
    for (const [k, v] of value) parts.push(cbor(k), cbor(v))
    return Buffer.concat(parts)
  }
  throw new Error(`cannot CBOR-encode ${value}`)
}

export class SoftAuthenticator {
  constructor({ rpId = 'localhost', origin = 'http://localhost:3000' } = {}) {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
    this.privateKey = privateKey
    this.jwk = publicKey.export({ format: 'jwk' })
    this.credId = crypto.randomBytes(32)
    this.rpId = rpId
    this.origin = origin
    this.counter = 0
  }

  clientData(type, challenge) {
    // The browser signer passes the challenge's UTF-8 bytes; clientDataJSON carries their base64url.
    return Buffer.from(JSON.stringify({ type, challenge: b64url(Buffer.from(challenge, 'utf8')), origin: this.origin, crossOrigin: false }))
  }

  authData(attested) {
    const rpIdHash = crypto.createHash('sha256').update(this.rpId).digest()
    const flags = Buffer.from([0x01 | 0x04 | (attested ? 0x40 : 0)])
    const counter = Buffer.alloc(4)
    counter.writeUInt32BE(this.counter)
    if (!attested) return Buffer.concat([rpIdHash, flags, counter])
    const coseKey = cbor(new Map([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(this.jwk.x, 'base64url')], [-3, Buffer.from(this.jwk.y, 'base64url')]]))
    const length = Buffer.from([this.credId.length >> 8, this.credId.length & 255])
    return Buffer.concat([rpIdHash, flags, counter, Buffer.alloc(16), length, this.credId, coseKey])
  }

  /** The `firstFactorCredential` for a registration challenge (fmt "none"). */
  create(challenge) {
    const clientData = this.clientData('webauthn.create', challenge.challenge)
    const attestation = cbor(new Map([['fmt', 'none'], ['attStmt', new Map()], ['authData', this.authData(true)]]))
    return {
      credentialKind: 'Fido2',
      credentialInfo: { credId: b64url(this.credId), clientData: b64url(clientData), attestationData: b64url(attestation) },
    }
  }

  /** The `firstFactor` answering a login challenge. */
  get(loginChallenge, userId) {
    this.counter += 1
    const clientData = this.clientData('webauthn.get', loginChallenge.challenge)
    const authData = this.authData(false)
    const signed = Buffer.concat([authData, crypto.createHash('sha256').update(clientData).digest()])
    const signature = crypto.sign('sha256', signed, this.privateKey)
    return {
      kind: 'Fido2',
      credentialAssertion: {
        credId: b64url(this.credId),
        clientData: b64url(clientData),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        userHandle: b64url(Buffer.from(userId, 'utf8')),
      },
    }
  }
}
