// What the page sent, read back from the mock's journal through the kit.
import { test, expect, signUpThroughLoginPage } from './support.mjs'

test('the journal shows what the page sent during sign-up', async ({ page, dfnsMock, baseURL }) => {
  await dfnsMock.virtualAuthenticator()
  await signUpThroughLoginPage(page, 'journal@example.com')
  await expect(page.locator('#signed-in-with')).toHaveText('sign-up')

  const journal = await dfnsMock.journal()
  // The page's requests (the form, the code exchange, the SDK's calls) all carried the
  // test's session, added by the kit: nothing else in the session, nothing of it elsewhere.
  expect(journal.map((e) => `${e.method} ${e.path.split('?')[0]} ${e.status}`)).toEqual([
    'GET /oidc/authorize 200',
    'POST /oidc/authorize 303',
    'POST /oidc/token 200',
    'POST /auth/registration/social 200',
    'POST /auth/registration/enduser 200',
    'GET /wallets 200',
  ])
  for (const entry of journal) {
    expect(entry.session).toBe(dfnsMock.session)
    expect(entry.headers['x-dfns-mock-session']).toBe(dfnsMock.session)
  }
  const [, , , social, enduser, wallets] = journal
  expect(social.body.socialLoginProviderKind).toBe('Oidc')
  expect(JSON.parse(Buffer.from(social.body.idToken.split('.')[1], 'base64url')).email).toBe('journal@example.com')
  expect(social.headers['x-dfns-sdk-version']).toBe(await page.locator('#sdk-version').textContent())
  expect(enduser.headers.authorization).toBe(`Bearer ${social.response.temporaryAuthenticationToken}`)
  expect(enduser.body.wallets).toEqual([{ network: 'EthereumSepolia' }])
  expect(enduser.body.firstFactorCredential.credentialKind).toBe('Fido2')
  // The wallets are listed with the session token the registration answered.
  expect(wallets.headers.authorization).toBe(`Bearer ${enduser.response.authentication.token}`)
  expect(wallets.response.items.map((w) => w.id)).toEqual(enduser.response.wallets.map((w) => w.id))
  const clientData = JSON.parse(Buffer.from(enduser.body.firstFactorCredential.credentialInfo.clientData, 'base64url'))
  expect(clientData).toMatchObject({ type: 'webauthn.create', origin: baseURL })
})
