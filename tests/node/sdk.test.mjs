// The official @dfns/sdk@0.8.21 against the real dfns-mock binary.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import sdk from '@dfns/sdk'
import { startMock } from './mock.mjs'

const { DfnsApiClient, DfnsError } = sdk
const { assertAuthTokenIsSameOrg } = createRequire(import.meta.url)('@dfns/sdk/utils/authToken')
const sdkVersion = createRequire(import.meta.url)('@dfns/sdk/package.json').version

let mock
before(async () => {
  mock = await startMock(['--clock', '2026-06-08T12:00:00Z'])
})
after(async () => {
  await mock?.stop()
})

test('the SDK under test is 0.8.21', () => {
  assert.equal(sdkVersion, '0.8.21')
})

test('createSocialRegistrationChallenge returns the registration challenge', async () => {
  const idToken = await mock.mintIdToken({ email: 'sdk-user@example.com' })
  const api = new DfnsApiClient({ baseUrl: mock.baseUrl })
  const challenge = await api.auth.createSocialRegistrationChallenge({
    body: { socialLoginProviderKind: 'Oidc', idToken },
  })
  assert.match(challenge.user.id, /^us-[a-z0-9]{5}-[a-z0-9]{5}-[a-z0-9]{16}$/)
  assert.equal(challenge.user.name, 'sdk-user@example.com')
  assert.equal(challenge.user.displayName, 'sdk-user@example.com')
  assert.match(challenge.challenge, /^[A-Za-z0-9_-]{43}$/)
  assert.deepEqual(challenge.rp, { id: 'localhost', name: 'dfns-mock' })
  assert.deepEqual(challenge.supportedCredentialKinds, { firstFactor: ['Fido2', 'Key'], secondFactor: ['Fido2', 'Key'] })
  assert.deepEqual(challenge.authenticatorSelection, { residentKey: 'required', requireResidentKey: true, userVerification: 'required' })
  assert.equal(challenge.attestation, 'direct')
  assert.deepEqual(challenge.pubKeyCredParams, [{ type: 'public-key', alg: -7 }, { type: 'public-key', alg: -257 }])
  assert.deepEqual(challenge.excludeCredentials, [])
  assert.equal(challenge.otpUrl, '')
  assert.equal(challenge.temporaryAuthenticationToken.split('.').length, 3)
  // The SDK's own org check accepts the temporary token for the default org.
  assert.doesNotThrow(() =>
    assertAuthTokenIsSameOrg({ orgId: 'or-30tnh-itmjs-s235s5ontr3r23h2', authToken: challenge.temporaryAuthenticationToken }),
  )
  assert.throws(() =>
    assertAuthTokenIsSameOrg({ orgId: 'or-aaaaa-bbbbb-cccccccccccccccc', authToken: challenge.temporaryAuthenticationToken }),
  )
})

test('orgId is passed through and scoped into the token', async () => {
  const idToken = await mock.mintIdToken({ sub: 'org-scoped' })
  const orgId = 'or-abcde-fghij-0123456789abcdef'
  const api = new DfnsApiClient({ baseUrl: mock.baseUrl, orgId })
  const challenge = await api.auth.createSocialRegistrationChallenge({
    body: { socialLoginProviderKind: 'Oidc', idToken, orgId },
  })
  assert.doesNotThrow(() => assertAuthTokenIsSameOrg({ orgId, authToken: challenge.temporaryAuthenticationToken }))
})

test('a bad body is a DfnsError with httpStatus 400', async () => {
  const api = new DfnsApiClient({ baseUrl: mock.baseUrl })
  await assert.rejects(
    api.auth.createSocialRegistrationChallenge({ body: { socialLoginProviderKind: 'Google', idToken: 'x' } }),
    (err) => {
      assert.ok(err instanceof DfnsError, `not a DfnsError: ${err}`)
      assert.equal(err.httpStatus, 400)
      assert.match(err.message, /socialLoginProviderKind: must be one of: Oidc/)
      return true
    },
  )
})

test('a forged idToken is a DfnsError with httpStatus 401', async () => {
  const idToken = await mock.mintIdToken({})
  const [h, p] = idToken.split('.')
  const api = new DfnsApiClient({ baseUrl: mock.baseUrl })
  await assert.rejects(
    api.auth.createSocialRegistrationChallenge({ body: { socialLoginProviderKind: 'Oidc', idToken: `${h}.${p}.AAAA` } }),
    (err) => err instanceof DfnsError && err.httpStatus === 401 && /signature is invalid/.test(err.message),
  )
})
