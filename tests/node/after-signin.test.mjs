// After sign-in, through the official @dfns/sdk@0.8.21 against the real binary: Key
// credentials made by the official signers, wallets whose signatures verify independently,
// the SDK's own user-action signing, credentials, login codes, recovery and logout.
// Each test signs up its own user; login and recovery codes are read from the control plane.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createPublicKey, verify } from 'node:crypto'
import { computeAddress, encodeBase58, getBytes, hexlify, keccak256, recoverAddress, Signature, toUtf8Bytes, verifyMessage } from 'ethers'
import { startMock } from './mock.mjs'
import {
  Key, client, dfnsError, encryptedRecoveryKey, logIn, orgId, pendingCode, registration, sendSigned, signUp, signedIn, userAction,
} from './journey.mjs'

const MISSING_OR_INVALID = 'user action signature is missing or invalid'
const message = hexlify(toUtf8Bytes('I love Dfns'))
const signMessage = (wallet, hex = message) => ({ method: 'POST', path: `/wallets/${wallet.id}/signatures`, body: { kind: 'Message', message: hex } })
const jwtPayload = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url'))
// The official key signer signs only for credentials the server offers in allowCredentials.key.
const notOffered = (err) => err.httpStatus === -1 && /does not match allowed credentials/.test(err.message)

let mock
before(async () => {
  mock = await startMock(['--clock', '2026-06-08T12:00:00Z'])
})
after(async () => {
  await mock?.stop()
})

test('sign up with a Key from the official browser key signer, log in with AsymmetricKeySigner', async () => {
  const { username, key, registered, user } = await signUp(mock, 'key-login')
  assert.equal(registered.credential.kind, 'Key')
  assert.equal(registered.credential.name, 'Default Credential')

  const challenge = await client(mock).auth.createLoginChallenge({ body: { username, orgId } })
  assert.deepEqual(challenge.allowCredentials.key, [{ type: 'public-key', id: key.credId }])
  const token = await logIn(mock, username, key)
  assert.equal(jwtPayload(token)['https://custom/app_metadata'].userId, user.id)
})

test('listWallets and getWallet: an EVM and a Solana wallet whose addresses derive from their keys', async () => {
  const account = await signedIn(mock, 'wallets', { wallets: [{ network: 'EthereumSepolia' }, { network: 'SolanaDevnet' }] })
  const { items } = await account.api.wallets.listWallets()
  assert.deepEqual(
    items.map((w) => w.id).sort(),
    account.wallets.map((w) => w.id).sort(),
  )
  for (const wallet of items) {
    assert.deepEqual(await account.api.wallets.getWallet({ walletId: wallet.id }), wallet)
    assert.equal(wallet.status, 'Active')
  }

  const evm = items.find((w) => w.network === 'EthereumSepolia')
  assert.equal(evm.signingKey.scheme, 'ECDSA')
  assert.equal(evm.signingKey.curve, 'secp256k1')
  assert.match(evm.signingKey.publicKey, /^0[23][0-9a-f]{64}$/, 'compressed secp256k1 point, hex')
  assert.equal(evm.address, computeAddress(`0x${evm.signingKey.publicKey}`), 'keccak-256 address with its EIP-55 checksum')

  const solana = items.find((w) => w.network === 'SolanaDevnet')
  assert.equal(solana.signingKey.scheme, 'EdDSA')
  assert.equal(solana.signingKey.curve, 'ed25519')
  assert.match(solana.signingKey.publicKey, /^[0-9a-f]{64}$/)
  assert.equal(solana.address, encodeBase58(`0x${solana.signingKey.publicKey}`), 'base58 of the public key')

  // Unknown wallets and other users' wallets are not found.
  const other = await signUp(mock, 'wallets-other', { wallets: [{ network: 'EthereumSepolia' }] })
  for (const walletId of ['wa-00000-00000-0000000000000000', other.wallets[0].id]) {
    await assert.rejects(account.api.wallets.getWallet({ walletId }), dfnsError(404, 'wallet not found'))
  }
})

test('generateSignature (Message) on an EVM wallet through the SDK user-action flow: EIP-191, recovers to the wallet; getSignature returns it', async () => {
  const account = await signedIn(mock, 'sign-evm', { wallets: [{ network: 'EthereumSepolia' }] })
  const [wallet] = account.wallets
  const signed = await account.api.wallets.generateSignature({ walletId: wallet.id, body: { kind: 'Message', message } })
  assert.match(signed.id, /^sig-/)
  assert.equal(signed.walletId, wallet.id)
  assert.equal(signed.network, 'EthereumSepolia')
  assert.equal(signed.status, 'Signed')
  assert.equal(signed.requester.userId, account.user.id)
  assert.deepEqual(signed.requestBody, { kind: 'Message', message })

  const { r, s, recid, encoded } = signed.signature
  assert.equal(Signature.from({ r, s, v: 27 + recid }).serialized, encoded, 'encoded = r ‖ s ‖ (27 + recid)')
  const signer = verifyMessage(getBytes(message), encoded)
  assert.equal(signer, computeAddress(`0x${wallet.signingKey.publicKey}`))
  assert.equal(signer.toLowerCase(), wallet.address.toLowerCase())
  assert.notEqual(verifyMessage(toUtf8Bytes('I love Dfns!'), encoded), signer)

  const fetched = await account.api.wallets.getSignature({ walletId: wallet.id, signatureId: signed.id })
  assert.equal(fetched.id, signed.id)
  assert.equal(fetched.status, 'Signed')
  assert.deepEqual(fetched.signature, signed.signature)
  assert.deepEqual(fetched.requestBody, signed.requestBody)
  await assert.rejects(
    account.api.wallets.getSignature({ walletId: wallet.id, signatureId: 'sig-00000-00000-0000000000000000' }),
    dfnsError(404, 'signature not found'),
  )
})

test('generateSignature (Hash) on an EVM wallet: the 32-byte hash recovers to the wallet', async () => {
  const account = await signedIn(mock, 'sign-hash', { wallets: [{ network: 'EthereumSepolia' }] })
  const [wallet] = account.wallets
  const hash = keccak256(toUtf8Bytes('a transaction, hashed'))
  const signed = await account.api.wallets.generateSignature({ walletId: wallet.id, body: { kind: 'Hash', hash } })
  assert.equal(signed.status, 'Signed')
  assert.equal(recoverAddress(hash, signed.signature.encoded), computeAddress(`0x${wallet.signingKey.publicKey}`))
})

test('generateSignature (Message) on a Solana wallet: the Ed25519 signature verifies with node:crypto', async () => {
  const account = await signedIn(mock, 'sign-solana', { wallets: [{ network: 'SolanaDevnet' }] })
  const [wallet] = account.wallets
  const signed = await account.api.wallets.generateSignature({ walletId: wallet.id, body: { kind: 'Message', message } })
  assert.equal(signed.status, 'Signed')
  const { r, s, encoded } = signed.signature
  const signature = Buffer.from(getBytes(encoded))
  assert.equal(signature.length, 64)
  assert.equal(r, hexlify(signature.subarray(0, 32)))
  assert.equal(s, hexlify(signature.subarray(32)))
  const publicKey = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(wallet.signingKey.publicKey, 'hex').toString('base64url') },
    format: 'jwk',
  })
  assert.ok(verify(null, getBytes(message), publicKey, signature), 'verifies over the message bytes')
  assert.ok(!verify(null, toUtf8Bytes('I love Dfns!'), publicKey, signature))
})

test('createCredentialChallenge + createCredential add a second Key (user-action signed); deactivateCredential retires it', async () => {
  const account = await signedIn(mock, 'second-key')
  const second = await Key.generate()
  const challenge = await account.api.auth.createCredentialChallenge({ body: { kind: 'Key' } })
  assert.equal(challenge.kind, 'Key')
  const added = await account.api.auth.createCredential({
    body: { ...(await second.create(challenge)), credentialName: 'Backup key', challengeIdentifier: challenge.challengeIdentifier },
  })
  assert.equal(added.kind, 'Key')
  assert.equal(added.credentialId, second.credId)
  assert.equal(added.name, 'Backup key')
  assert.equal(added.isActive, true)
  assert.match(added.credentialUuid, /^cr-/)

  const active = async () => (await account.api.auth.listCredentials()).items.map((c) => [c.credentialId, c.isActive]).sort()
  assert.deepEqual(await active(), [[account.key.credId, true], [second.credId, true]].sort())
  await logIn(mock, account.username, second)

  assert.deepEqual(await account.api.auth.deactivateCredential({ body: { credentialUuid: added.credentialUuid } }), { message: 'success' })
  assert.deepEqual(await active(), [[account.key.credId, true], [second.credId, false]].sort())
  await assert.rejects(logIn(mock, account.username, second), notOffered)
  await logIn(mock, account.username, account.key)
})

test('deactivating the last active first-factor credential is refused', async () => {
  const account = await signedIn(mock, 'last-key')
  const { items } = await account.api.auth.listCredentials()
  assert.equal(items.length, 1)
  await assert.rejects(
    account.api.auth.deactivateCredential({ body: { credentialUuid: items[0].credentialUuid } }),
    dfnsError(400, 'cannot deactivate the last active credential'),
  )
  await logIn(mock, account.username, account.key)
})

test('sendLoginCode: the code listed by the control plane opens a login; a wrong or spent code is refused', async () => {
  const { username, key } = await signUp(mock, 'login-code')
  const anonymous = client(mock).auth
  assert.deepEqual(await anonymous.sendLoginCode({ body: { username, orgId } }), { message: 'success' })
  const loginCode = await pendingCode(mock, 'Login', username)

  await assert.rejects(
    anonymous.createLoginChallenge({ body: { username, orgId, loginCode: `${loginCode}-wrong` } }),
    dfnsError(403, 'Invalid code'),
  )
  const token = await logIn(mock, username, key, { loginCode })
  assert.equal(token.split('.').length, 3)
  await assert.rejects(anonymous.createLoginChallenge({ body: { username, orgId, loginCode } }), dfnsError(403, 'Invalid code'))
  await assert.rejects(
    anonymous.sendLoginCode({ body: { username: 'nobody@after-signin.example', orgId } }),
    dfnsError(401, 'User not found'),
  )
})

test('recover with a RecoveryKey: sendRecoveryCode, createRecoveryChallenge, recover; only the new Key logs in', async () => {
  const recoveryKey = await Key.generate()
  const account = await signUp(mock, 'recovery', { recoveryKey })
  const { username } = account
  const anonymous = client(mock).auth
  assert.deepEqual(await anonymous.sendRecoveryCode({ body: { username, orgId } }), { message: 'success' })
  const verificationCode = await pendingCode(mock, 'Recovery', username)

  await assert.rejects(
    anonymous.createRecoveryChallenge({ body: { username, verificationCode, orgId, credentialId: account.key.credId } }),
    dfnsError(401, 'Credential cannot be used as a recovery factor.'),
  )
  const challenge = await anonymous.createRecoveryChallenge({ body: { username, verificationCode, orgId, credentialId: recoveryKey.credId } })
  assert.equal(challenge.user.id, account.user.id)
  assert.deepEqual(challenge.allowedRecoveryCredentials, [{ id: recoveryKey.credId, encryptedRecoveryKey: encryptedRecoveryKey(username) }])

  const newKey = await Key.generate()
  const newCredentials = { firstFactorCredential: await newKey.create(challenge) }
  const recovered = await client(mock, { authToken: challenge.temporaryAuthenticationToken }).auth.recover({
    body: { recovery: await recoveryKey.signRecovery(newCredentials), newCredentials },
  })
  assert.deepEqual(recovered.user, { id: account.user.id, username, orgId })
  assert.equal(recovered.credential.kind, 'Key')
  assert.equal(recovered.credential.name, 'Default Credential')

  await logIn(mock, username, newKey)
  await assert.rejects(logIn(mock, username, account.key), notOffered)
})

test('logout ends the session token; allSessions ends every session of the user', async () => {
  const { username, key } = await signUp(mock, 'logout')
  const [first, second, third] = [await logIn(mock, username, key), await logIn(mock, username, key), await logIn(mock, username, key)]
  const as = (authToken) => client(mock, { authToken }).auth
  const notAuthorized = dfnsError(401, 'Not Authorized.')

  assert.deepEqual(await as(first).logout(), { message: 'success' })
  await assert.rejects(as(first).listCredentials(), notAuthorized)
  await as(second).listCredentials()

  assert.deepEqual(await as(second).logout({ body: { allSessions: true } }), { message: 'success' })
  await assert.rejects(as(second).listCredentials(), notAuthorized)
  await assert.rejects(as(third).listCredentials(), notAuthorized)
  await as(await logIn(mock, username, key)).listCredentials()
})

test('a replayed user action is refused: 400 user action has already been used', async () => {
  const account = await signedIn(mock, 'replay', { wallets: [{ network: 'EthereumSepolia' }] })
  const request = signMessage(account.wallets[0])
  const action = await userAction(account, request)
  assert.equal((await sendSigned(mock, account, request, action)).status, 'Signed')
  await assert.rejects(sendSigned(mock, account, request, action), dfnsError(400, 'user action has already been used'))
})

test('a user action signed for another path or body is refused with 403, and still serves its own request', async () => {
  const account = await signedIn(mock, 'mismatch', { wallets: [{ network: 'EthereumSepolia' }, { network: 'EthereumSepolia' }] })
  const [mine, otherWallet] = account.wallets
  const request = signMessage(mine)
  const action = await userAction(account, request)
  for (const other of [signMessage(otherWallet), signMessage(mine, hexlify(toUtf8Bytes('something else')))]) {
    await assert.rejects(sendSigned(mock, account, other, action), dfnsError(403, MISSING_OR_INVALID))
  }
  assert.equal((await sendSigned(mock, account, request, action)).status, 'Signed')
})

test('a signed endpoint without X-DFNS-USERACTION, or with a forged one, is refused with 403', async () => {
  const account = await signedIn(mock, 'no-action', { wallets: [{ network: 'EthereumSepolia' }] })
  const { items } = await account.api.auth.listCredentials()
  const requests = [
    signMessage(account.wallets[0]),
    { method: 'PUT', path: '/auth/credentials/deactivate', body: { credentialUuid: items[0].credentialUuid } },
  ]
  for (const request of requests) {
    await assert.rejects(sendSigned(mock, account, request), dfnsError(403, MISSING_OR_INVALID))
    await assert.rejects(sendSigned(mock, account, request, 'not-a-user-action'), dfnsError(403, MISSING_OR_INVALID))
  }
})

test('a wallet on network "NotANetwork" is refused with 400', async () => {
  const { challenge, key, register } = await registration(mock, 'bad-network')
  await assert.rejects(
    register({ firstFactorCredential: await key.create(challenge), wallets: [{ network: 'NotANetwork' }] }),
    dfnsError(400, /^wallets\.0\.network: .*NotANetwork/),
  )
})

test('createLoginChallenge without orgId is refused with 400', async () => {
  const { username } = await signUp(mock, 'no-org')
  await assert.rejects(client(mock).auth.createLoginChallenge({ body: { username } }), dfnsError(400, 'orgId: is required'))
})
