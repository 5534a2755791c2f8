// Scripted Dfns errors, each selected for one test through the kit, shown by the app
// (tag @isolation: run with --repeat-each to prove the sessions do not leak).
import { test, expect, errors, skipLoginPage } from './support.mjs'

/** Signs up through the app (login page skipped) with `scenario` answering. */
async function signUpWith(page, dfnsMock, scenario) {
  await dfnsMock.useScenario(scenario)
  await skipLoginPage(page, dfnsMock, `${scenario}@example.com`)
  await page.goto('/')
  await page.click('#sign-up')
}

const refusals = [
  ['invalid-id-token', '401 idToken signature is invalid'],
  ['social-registration-disabled', '403 Social registration is not enabled for this organization'],
  ['server-error', '500 Internal Server Error'],
]
for (const [scenario, shown] of refusals) {
  test(`${scenario}: the app shows "${shown}" @isolation`, async ({ page, dfnsMock }) => {
    await signUpWith(page, dfnsMock, scenario)
    await expect(errors(page)).toHaveText([shown])
    await expect(page.locator('#session')).toBeHidden()
  })
}

test('user already exists: the app shows the 401 @isolation', async ({ page, dfnsMock }) => {
  await dfnsMock.setState('user-already-exists', 'registered')
  await signUpWith(page, dfnsMock, 'user-already-exists')
  await expect(errors(page)).toHaveText(['401 User already exists.'])
  await expect(page.locator('#session')).toBeHidden()
})

test('rate limited twice: the app shows both 429s, retries, and signs up @isolation', async ({ page, dfnsMock }) => {
  await dfnsMock.virtualAuthenticator()
  await signUpWith(page, dfnsMock, 'rate-limited')
  // Two Retry-After waits of a second each come first.
  await expect(page.locator('#signed-in-with')).toHaveText('sign-up', { timeout: 10_000 })
  await expect(errors(page)).toHaveText(['429 Too Many Requests', '429 Too Many Requests'])
  const statuses = (await dfnsMock.journal()).filter((e) => e.path === '/auth/registration/social').map((e) => e.status)
  expect(statuses).toEqual([429, 429, 200])
})

test('slow answer: the app says it is waiting, then signs up @isolation', async ({ page, dfnsMock }) => {
  await dfnsMock.virtualAuthenticator()
  await signUpWith(page, dfnsMock, 'slow')
  await expect(page.locator('#pending')).toBeVisible()
  await expect(page.locator('#signed-in-with')).toHaveText('sign-up', { timeout: 10_000 })
  await expect(page.locator('#pending')).toBeHidden()
  await expect(errors(page)).toHaveCount(0)
  const social = (await dfnsMock.journal()).find((e) => e.path === '/auth/registration/social')
  expect(social.latency_ms).toBeGreaterThanOrEqual(3000)
})

test('dropped connection: the app shows the network failure @isolation', async ({ page, dfnsMock }) => {
  await signUpWith(page, dfnsMock, 'dropped-connection')
  await expect(errors(page)).toHaveText([/^TypeError: Failed to fetch/])
})
