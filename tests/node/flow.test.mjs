// The whole social sign-up and sign-in journey through the official @dfns/sdk@0.8.21,
// with a software authenticator standing in for the browser's.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import sdk from '@dfns/sdk'
import { startMock } from './mock.mjs'
import { SoftAuthenticator } from './authenticator.mjs'

const { DfnsApiClient, DfnsError } = sdk
const orgId = 'or-30tnh-itmjs-s235s5ontr3r23h2'

let mock
before(async () => {
  mock = await startMock()
})
after(async () => {
  await mock?.stop()
})

test('createSocialRegistrationChallenge → registerEndUser → socialLogin → passkey login', async () => {
  const idToken = await mock.mintIdToken({ email: 'sdk-flow@example.com' })
  const api = new DfnsApiClient({ baseUrl: mock.baseUrl })

  // An unregistered user cannot log in yet: the official example falls back to registration on 401.
  await assert.rejects(
    api.auth.socialLogin({ body: { socialLoginProviderKind: 'Oidc', idToken } }),
    (err) => err instanceof DfnsError && err.httpStatus === 401 && err.message === 'User not found',
  )

  const challenge = await api.auth.createSocialRegistrationChallenge({ body: { socialLoginProviderKind: 'Oidc', idToken } })
  const authenticator = new SoftAuthenticator()
  const firstFactorCredential = authenticator.create(challenge)

  const userApi = new DfnsApiClient({ baseUrl: mock.baseUrl, orgId, authToken: challenge.temporaryAuthenticationToken })
  const registered = await userApi.auth.registerEndUser({
    body: { firstFactorCredential, wallets: [{ network: 'EthereumSepolia' }] },
  })
  assert.equal(registered.user.id, challenge.user.id)
  assert.equal(registered.user.username, 'sdk-flow@example.com')
  assert.equal(registered.user.orgId, orgId)
  assert.equal(registered.credential.kind, 'Fido2')
  assert.match(registered.credential.uuid, /^cr-/)
  assert.equal(registered.wallets.length, 1)
  assert.match(registered.wallets[0].address, /^0x[0-9a-fA-F]{40}$/)
  assert.equal(registered.authentication.token.split('.').length, 3)

  // The temporary token is spent.
  await assert.rejects(
    userApi.auth.registerEndUser({ body: { firstFactorCredential, wallets: [] } }),
    (err) => err instanceof DfnsError && err.httpStatus === 401,
  )

  const { token } = await api.auth.socialLogin({ body: { socialLoginProviderKind: 'Oidc', idToken } })
  // A client built with the session token and the org passes the SDK's own org check.
  new DfnsApiClient({ baseUrl: mock.baseUrl, orgId, authToken: token })

  const loginChallenge = await api.auth.createLoginChallenge({ body: { username: 'sdk-flow@example.com', orgId } })
  assert.deepEqual(loginChallenge.allowCredentials.webauthn, [{ type: 'public-key', id: firstFactorCredential.credentialInfo.credId }])
  const login = await api.auth.login({
    body: { challengeIdentifier: loginChallenge.challengeIdentifier, firstFactor: authenticator.get(loginChallenge, challenge.user.id) },
  })
  assert.equal(login.token.split('.').length, 3)
})

test('a credential answering another challenge is refused with a DfnsError naming the check', async () => {
  const idToken = await mock.mintIdToken({ email: 'sdk-wrong@example.com' })
  const api = new DfnsApiClient({ baseUrl: mock.baseUrl })
  const challenge = await api.auth.createSocialRegistrationChallenge({ body: { socialLoginProviderKind: 'Oidc', idToken } })
  const credential = new SoftAuthenticator().create({ challenge: 'not-the-challenge' })
  const userApi = new DfnsApiClient({ baseUrl: mock.baseUrl, authToken: challenge.temporaryAuthenticationToken })
  await assert.rejects(
    userApi.auth.registerEndUser({ body: { firstFactorCredential: credential, wallets: [] } }),
    (err) => err instanceof DfnsError && err.httpStatus === 401 && err.context.body.error.details.check === 'challenge',
  )
})
