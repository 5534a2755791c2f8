// The kit's fixture on its own (no app): signInUrl, mintIdToken, reset, and its errors.
import { test, expect } from './support.mjs'

const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url'))

test('signInUrl signs in at once with the session and extra claims in the token', async ({ page, dfnsMock }) => {
  const redirectUri = `${dfnsMock.url}/__mock/health`
  await page.goto(
    dfnsMock.signInUrl({ redirectUri, email: 'kit@example.com', state: 's-1', claims: { dfns_mock_scenario: 'slow' } }),
  )
  const back = new URL(page.url())
  expect(`${back.origin}${back.pathname}`).toBe(redirectUri)
  expect(back.searchParams.get('state')).toBe('s-1')
  const tokens = await page.evaluate(async ([code, redirectUri]) => {
    const response = await fetch('/oidc/token', {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri }),
    })
    return response.json()
  }, [back.searchParams.get('code'), redirectUri])
  expect(claimsOf(tokens.id_token)).toMatchObject({
    email: 'kit@example.com',
    aud: 'dfns-mock-client',
    dfns_mock_session: dfnsMock.session,
    dfns_mock_scenario: 'slow',
  })
})

test('mintIdToken carries the session; reset forgets the scenario and the journal', async ({ page, dfnsMock }) => {
  const idToken = await dfnsMock.mintIdToken({ email: 'kit@example.com' })
  expect(claimsOf(idToken)).toMatchObject({ email: 'kit@example.com', dfns_mock_session: dfnsMock.session })
  await page.goto(`${dfnsMock.url}/__mock/health`)
  const register = () =>
    page.evaluate(async (idToken) => {
      const response = await fetch('/auth/registration/social', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ socialLoginProviderKind: 'Oidc', idToken }),
      })
      return response.status
    }, idToken)

  await dfnsMock.useScenario('server-error')
  expect(await register()).toBe(500)
  expect((await dfnsMock.journal()).map((e) => e.status)).toEqual([500])
  await dfnsMock.reset()
  expect(await dfnsMock.journal()).toEqual([])
  expect(await register()).toBe(200)
})

test('an unknown scenario is refused with the known names', async ({ dfnsMock }) => {
  await expect(dfnsMock.useScenario('no-such-scenario')).rejects.toThrow(/answered 400: .*rate-limited/)
})

test('lastCode reads the code the mock "sent" from the journal; it opens one login', async ({ page, dfnsMock }) => {
  const user = { username: 'registered@example.com', orgId: 'or-30tnh-itmjs-s235s5ontr3r23h2' }
  await page.goto(`${dfnsMock.url}/__mock/health`)
  const post = (path, body) =>
    page.evaluate(async ([path, body]) => {
      const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      return response.status
    }, [path, body])
  await expect(dfnsMock.lastCode()).rejects.toThrow(/no one-time code was sent in session/)

  expect(await post('/auth/login/code', user)).toBe(200)
  expect(await post('/auth/recover/user/code', user)).toBe(200)
  const loginCode = await dfnsMock.lastCode({ username: user.username, kind: 'Login' })
  expect(loginCode).toMatch(/^\d{4}-\d{4}-\d{4}-\d{4}$/)
  expect(await dfnsMock.lastCode()).not.toBe(loginCode) // the recovery code, sent last
  await expect(dfnsMock.lastCode({ username: 'nobody@example.com' })).rejects.toThrow(/no one-time code to nobody@example.com/)
  expect(await post('/auth/login/init', { ...user, loginCode })).toBe(200)
  expect(await post('/auth/login/init', { ...user, loginCode })).toBe(403) // spent
})
