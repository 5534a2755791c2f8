// Steps shared by the after-sign-in tests: users signed up and logged in with Key credentials
// made by the official signers, SDK clients built as an app builds them, the control plane.
import { KeyObject, randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import sdk from '@dfns/sdk'

const require = createRequire(import.meta.url)
const { BrowserKeySigner } = require('@dfns/sdk-browser/signers/key')
const { AsymmetricKeySigner } = require('@dfns/sdk-keysigner')
const { simpleFetch } = require('@dfns/sdk/utils/fetch')
const { DfnsApiClient, DfnsError } = sdk

/** The mock's default org (fixtures/), which every user here signs up in. */
export const orgId = 'or-30tnh-itmjs-s235s5ontr3r23h2'

/**
 * A P-256 key held as an app holds one: registered through `@dfns/sdk-browser`'s
 * `BrowserKeySigner` (the official `key.create` attestation; it runs on Node's WebCrypto) and
 * used through `@dfns/sdk-keysigner`'s `AsymmetricKeySigner` (the official `key.get` assertion).
 */
export class Key {
  static async generate() {
    const keyPair = await globalThis.crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])
    return new Key(keyPair)
  }

  constructor(keyPair) {
    this.credId = randomBytes(32).toString('base64url')
    this.browser = new BrowserKeySigner({ keyPair, credId: this.credId })
    this.signer = new AsymmetricKeySigner({
      credId: this.credId,
      privateKey: KeyObject.from(keyPair.privateKey).export({ type: 'pkcs8', format: 'pem' }),
    })
  }

  /** The credential answering a `key.create` challenge, registered as `credentialKind`. */
  async create(challenge, credentialKind = 'Key') {
    return { ...(await this.browser.create(challenge)), credentialKind }
  }

  /** The `key.get` assertion over `challenge` as a RecoveryKey proves the new credentials. */
  async signRecovery(newCredentials) {
    const challenge = Buffer.from(JSON.stringify(newCredentials)).toString('base64url')
    const { credentialAssertion } = await this.signer.sign({ challenge, allowCredentials: { key: [{ type: 'public-key', id: this.credId }] } })
    return { kind: 'RecoveryKey', credentialAssertion }
  }
}

/** An SDK client on the mock; `authToken` and `signer` as an app passes them. */
export function client(mock, { authToken, signer } = {}) {
  return new DfnsApiClient({ baseUrl: mock.baseUrl, orgId, authToken, signer })
}

/**
 * A social registration of `<name>@after-signin.example` under way: its challenge, a Key made
 * by the official browser key signer to answer it, and `register(body)` to complete it.
 */
export async function registration(mock, name) {
  const username = `${name}@after-signin.example`
  const idToken = await mock.mintIdToken({ email: username })
  const challenge = await client(mock).auth.createSocialRegistrationChallenge({ body: { socialLoginProviderKind: 'Oidc', idToken } })
  const key = await Key.generate()
  const temporary = client(mock, { authToken: challenge.temporaryAuthenticationToken })
  return { username, challenge, key, register: (body) => temporary.auth.registerEndUser({ body }) }
}

/** Signs up `<name>@after-signin.example` with a Key, `wallets` and, when given, a RecoveryKey. */
export async function signUp(mock, name, { wallets = [], recoveryKey } = {}) {
  const { username, challenge, key, register } = await registration(mock, name)
  const body = { firstFactorCredential: await key.create(challenge), wallets }
  if (recoveryKey) {
    body.recoveryCredential = { ...(await recoveryKey.create(challenge, 'RecoveryKey')), encryptedPrivateKey: encryptedRecoveryKey(username) }
  }
  const registered = await register(body)
  return { username, key, registered, user: registered.user, wallets: registered.wallets }
}

/** What an app would store as the RecoveryKey's encrypted private key: opaque to the server. */
export const encryptedRecoveryKey = (username) => Buffer.from(`recovery key of ${username}, encrypted`).toString('base64')

/** Logs `username` in with `key` (and `loginCode`, when given); the session token. */
export async function logIn(mock, username, key, { loginCode } = {}) {
  const api = client(mock)
  const challenge = await api.auth.createLoginChallenge({ body: { username, orgId, ...(loginCode && { loginCode }) } })
  const firstFactor = await key.signer.sign(challenge)
  return (await api.auth.login({ body: { challengeIdentifier: challenge.challengeIdentifier, firstFactor } })).token
}

/** A user signed up and logged in with their Key: `api` signs user actions with it. */
export async function signedIn(mock, name, options) {
  const account = await signUp(mock, name, options)
  const token = await logIn(mock, account.username, account.key)
  return { ...account, token, api: client(mock, { authToken: token, signer: account.key.signer }) }
}

/**
 * A `X-DFNS-USERACTION` token for `method path body`, obtained as the SDK's own signing
 * wrapper obtains it (`/auth/action/init`, the signer, `/auth/action`), for tests that then
 * spend it themselves.
 */
export async function userAction(account, { method, path, body }) {
  const { auth } = account.api
  const challenge = await auth.createUserActionChallenge({
    body: { userActionPayload: body === undefined ? '' : JSON.stringify(body), userActionHttpMethod: method, userActionHttpPath: path, userActionServerKind: 'Api' },
  })
  const firstFactor = await account.key.signer.sign(challenge)
  return (await auth.createUserActionSignature({ body: { challengeIdentifier: challenge.challengeIdentifier, firstFactor } })).userAction
}

/** Sends `method path body` through the SDK's own fetch stack with the user action given (or none). */
export async function sendSigned(mock, account, { method, path, body }, action) {
  const response = await simpleFetch(path, {
    method,
    body,
    headers: action === undefined ? {} : { 'x-dfns-useraction': action },
    apiOptions: { baseUrl: mock.baseUrl, orgId, authToken: account.token },
  })
  return response.json()
}

/** `GET /__mock/sessions/default`: the control plane's view of the session these tests share. */
export async function sessionView(mock) {
  const response = await fetch(new URL('/__mock/sessions/default', mock.baseUrl))
  if (!response.ok) throw new Error(`GET /__mock/sessions/default: ${response.status} ${await response.text()}`)
  return response.json()
}

/**
 * The code the mock "sent" to `username`: the last of the session view's `pendingCodes` of
 * `kind` (`Login` for `/auth/login/code`, `Recovery` for `/auth/recover/user/code`).
 */
export async function pendingCode(mock, kind, username) {
  const { pendingCodes } = await sessionView(mock)
  const code = (pendingCodes ?? []).filter((c) => c.kind === kind && c.username === username && c.orgId === orgId).at(-1)?.code
  if (typeof code !== 'string') throw new Error(`no ${kind} code for ${username} in pendingCodes: ${JSON.stringify(pendingCodes)}`)
  return code
}

/** An `assert.rejects` check: a `DfnsError` with this HTTP status and message. */
export function dfnsError(httpStatus, message) {
  return (err) => {
    if (!(err instanceof DfnsError)) throw err
    if (err.httpStatus !== httpStatus || !(message instanceof RegExp ? message.test(err.message) : err.message === message)) {
      throw new Error(`expected ${httpStatus} ${message}, got ${err.httpStatus} ${err.message}`, { cause: err })
    }
    return true
  }
}
