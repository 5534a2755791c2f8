// What the sample app's tests share: the kit's `test` plus an automatic recorder, and the
// page steps of the journeys.
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { test as kit, expect } from 'dfns-mock-playwright'

export { expect }

/** Values the mock generated, found in the journal by their path, e.g. `user.id`. */
const GENERATED =
  /(^|\.)(challenge|challengeIdentifier|temporaryAuthenticationToken|token|id_token|idToken|userAction|user\.id|(wallets|items)\.\d+\.(id|address)|signature\.encoded)$/

function generated(value, prefix, out) {
  if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) generated(inner, prefix ? `${prefix}.${key}` : key, out)
  } else if (typeof value === 'string' && GENERATED.test(prefix)) {
    out[prefix] = value
  }
  return out
}

/**
 * The kit's `test`; with SAMPLE_APP_RECORD_DIR set, each test also writes what the mock
 * generated for it (request ids, challenges, user and wallet ids, tokens) to
 * `<dir>/<session>.json`, for comparing two runs.
 */
export const test = kit.extend({
  record: [
    async ({ dfnsMock }, use) => {
      await use()
      const dir = process.env.SAMPLE_APP_RECORD_DIR
      if (!dir) return
      const entries = (await dfnsMock.journal()).map((e) => ({
        request: `${e.method} ${e.path.split('?')[0]}`, // the query has the app's random PKCE
        status: e.status,
        requestId: e.request_id,
        sent: generated(e.body, '', {}),
        got: generated(e.response, '', {}),
      }))
      mkdirSync(dir, { recursive: true })
      writeFileSync(path.join(dir, `${dfnsMock.session}.json`), `${JSON.stringify(entries, null, 2)}\n`)
    },
    { auto: true },
  ],
})

/** Sends the app's redirect to the test IdP through `signInUrl`: signs in as `email` at once. */
export async function skipLoginPage(page, dfnsMock, email) {
  await page.route(
    (url) => url.origin === dfnsMock.url && url.pathname === '/oidc/authorize',
    (route) => route.fallback({ url: dfnsMock.signInUrl({ authorizeUrl: route.request().url(), email }) }),
  )
}

/** "Sign up with the test IdP" through its login page, as `email`. */
export async function signUpThroughLoginPage(page, email) {
  await page.goto('/')
  await page.click('#sign-up')
  await page.waitForURL(/\/oidc\/authorize/)
  await page.fill('#email', email)
  await page.click('#sign-in')
}

/** The page's list of Dfns errors. */
export const errors = (page) => page.locator('#errors li')
