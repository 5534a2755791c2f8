// The sample app's three journeys, in both SDK projects (tag @journey).
import { test, expect, errors, skipLoginPage, signUpThroughLoginPage } from './support.mjs'

test('sign up with the test IdP, create a passkey, signed in with a wallet @journey', async ({ page, dfnsMock }, testInfo) => {
  const authenticator = await dfnsMock.virtualAuthenticator()
  await signUpThroughLoginPage(page, 'new-user@example.com')

  await expect(page.locator('#signed-in-with')).toHaveText('sign-up')
  await expect(page.locator('#user-name')).toHaveText('new-user@example.com')
  await expect(page.locator('#user-id')).toHaveText(/^us-[a-z0-9]{5}-[a-z0-9]{5}-[a-z0-9]{16}$/)
  // The wallet made at sign-up, listed by GET /wallets.
  await expect(page.locator('#wallet-list .wallet-network')).toHaveText(['EthereumSepolia'])
  await expect(page.locator('#wallet-list .wallet-address')).toHaveText([/^0x[0-9a-fA-F]{40}$/])
  await expect(errors(page)).toHaveCount(0)
  // The passkey the mock accepted is the one Chrome's authenticator holds.
  const [credential, ...more] = await authenticator.credentials()
  expect(more).toHaveLength(0)
  const journal = await dfnsMock.journal()
  const enduser = journal.find((e) => e.path === '/auth/registration/enduser')
  expect(Buffer.from(enduser.body.firstFactorCredential.credentialInfo.credId, 'base64url')).toEqual(
    Buffer.from(credential.credentialId, 'base64'),
  )
  if (testInfo.project.name === 'sdk-0.6') {
    // SDK 0.6 sends its app id and a nonce on every call: the CORS preflight let them through.
    const social = journal.find((e) => e.path === '/auth/registration/social')
    expect(social.headers).toMatchObject({ 'x-dfns-appid': 'ap-dfns-mock-sample-app', 'x-dfns-sdk-version': '0.6.12' })
    expect(JSON.parse(Buffer.from(social.headers['x-dfns-nonce'], 'base64url'))).toHaveProperty('uuid')
  }
})

test('sign in with the test IdP as a fixture user @journey', async ({ page, dfnsMock }) => {
  await skipLoginPage(page, dfnsMock, 'registered@example.com')
  await page.goto('/')
  await page.click('#sign-in-idp')

  await expect(page.locator('#signed-in-with')).toHaveText('test IdP')
  await expect(page.locator('#user-id')).toHaveText(/^us-/)
  await expect(errors(page)).toHaveCount(0)
  // The id token came from signInUrl: the session and the email are in it.
  const login = (await dfnsMock.journal()).find((e) => e.path === '/auth/login/social')
  const claims = JSON.parse(Buffer.from(login.body.idToken.split('.')[1], 'base64url'))
  expect(claims).toMatchObject({ email: 'registered@example.com', dfns_mock_session: dfnsMock.session })
  expect(login.status).toBe(200)
})

test('sign in with a passkey made at sign-up @journey', async ({ page, dfnsMock }) => {
  const authenticator = await dfnsMock.virtualAuthenticator()
  await skipLoginPage(page, dfnsMock, 'passkey-user@example.com')
  await page.goto('/')
  await page.click('#sign-up')
  await expect(page.locator('#signed-in-with')).toHaveText('sign-up')
  const userId = await page.locator('#user-id').textContent()

  await page.reload()
  await expect(page.locator('#username')).toHaveValue('passkey-user@example.com')
  await page.click('#sign-in-passkey')
  await expect(page.locator('#signed-in-with')).toHaveText('passkey')
  await expect(page.locator('#user-id')).toHaveText(userId)
  await expect(page.locator('#wallet-list .wallet-network')).toHaveText(['EthereumSepolia'])
  await expect(errors(page)).toHaveCount(0)
  const [credential] = await authenticator.credentials()
  expect(credential.signCount).toBeGreaterThan(0)
})
