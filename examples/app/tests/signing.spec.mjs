// "Sign a message with my passkey": the page signs with the first wallet through the SDK's own
// user-action flow, Chrome's virtual authenticator answering the challenge; the test checks the
// signature itself with ethers against the wallet's address. Scripted refusals show the app's
// error path (tag @isolation).
import { verifyMessage } from 'ethers'
import { test, expect, errors, skipLoginPage } from './support.mjs'

const MESSAGE = 'I love Dfns'
const hex = (text) => `0x${Buffer.from(text, 'utf8').toString('hex')}`

/** Signs up through the app (login page skipped) with a fresh passkey; waits for the wallet list. */
async function signUp(page, dfnsMock, email) {
  const authenticator = await dfnsMock.virtualAuthenticator()
  await skipLoginPage(page, dfnsMock, email)
  await page.goto('/')
  await page.click('#sign-up')
  await expect(page.locator('#wallet-list li')).toHaveCount(1)
  return authenticator
}

/** Types MESSAGE and presses "Sign with my passkey". */
async function signMessage(page) {
  await page.fill('#message', MESSAGE)
  await page.click('#sign-message')
}

test('sign a message with my passkey: the signature recovers the wallet address @journey', async ({ page, dfnsMock }) => {
  const authenticator = await signUp(page, dfnsMock, 'signer@example.com')
  const [passkey] = await authenticator.credentials()
  await signMessage(page)

  await expect(page.locator('#signature')).toHaveText(/^0x[0-9a-f]{130}$/)
  await expect(errors(page)).toHaveCount(0)
  const address = await page.locator('#wallet-list .wallet-address').textContent()
  const signature = await page.locator('#signature').textContent()
  await expect(page.locator('#signed-by')).toHaveText(address)
  // EIP-191 personal_sign of the message's bytes, by the key behind the wallet's address.
  expect(verifyMessage(MESSAGE, signature)).toBe(address)
  expect(verifyMessage(`${MESSAGE}!`, signature)).not.toBe(address)
  // The passkey answered the user-action challenge: its counter moved.
  const [after] = await authenticator.credentials()
  expect(after.signCount).toBeGreaterThan(passkey.signCount)

  // The SDK's flow, as the mock saw it: challenge, assertion, then the call with its token.
  const walletId = await page.locator('#wallet-list li').getAttribute('data-wallet-id')
  const journal = await dfnsMock.journal()
  expect(journal.slice(-3).map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
    'POST /auth/action/init 200',
    'POST /auth/action 200',
    `POST /wallets/${walletId}/signatures 200`,
  ])
  const [init, action, signed] = journal.slice(-3)
  expect(init.body).toMatchObject({ userActionHttpMethod: 'POST', userActionHttpPath: `/wallets/${walletId}/signatures` })
  expect(JSON.parse(init.body.userActionPayload)).toEqual({ kind: 'Message', message: hex(MESSAGE) })
  expect(action.body.firstFactor.kind).toBe('Fido2')
  expect(Buffer.from(action.body.firstFactor.credentialAssertion.credId, 'base64url')).toEqual(
    Buffer.from(passkey.credentialId, 'base64'),
  )
  expect(signed.headers['x-dfns-useraction']).toBe(action.response.userAction)
  expect(signed.response).toMatchObject({ walletId, status: 'Signed', signature: { encoded: signature } })
})

const refusals = [
  // The signature call refuses the token: the passkey was asked, nothing is signed.
  ['user-action-replayed', '400 user action has already been used', { passkeyAsked: true }],
  // The challenge is refused: no passkey prompt at all.
  ['no-usable-credential', '401 User does not have a credential that can be used for the application.', { passkeyAsked: false }],
]
for (const [scenario, shown, { passkeyAsked }] of refusals) {
  test(`signing refused by ${scenario}: the app shows "${shown}" @isolation`, async ({ page, dfnsMock }) => {
    await dfnsMock.useScenario(scenario)
    const authenticator = await signUp(page, dfnsMock, `${scenario}@example.com`)
    const [passkey] = await authenticator.credentials()
    await signMessage(page)

    await expect(errors(page)).toHaveText([shown])
    await expect(page.locator('#signed')).toBeHidden()
    const [after] = await authenticator.credentials()
    expect(after.signCount > passkey.signCount).toBe(passkeyAsked)
    const last = (await dfnsMock.journal()).at(-1)
    expect(last).toMatchObject({ scenario, status: Number(shown.split(' ')[0]) })
    expect(last.rule).toBeGreaterThan(0)
  })
}
