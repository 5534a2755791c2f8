'use strict'
// dfns-mock-playwright: starts dfns-mock from a Playwright config (`dfnsMockServer`) and gives
// every test an isolated mock session (`test` with the `dfnsMock` fixture). Talks to the mock
// over HTTP only: its control plane (`/__mock/…`) and its built-in issuer (`/oidc/…`).
const { createRequire } = require('node:module')
const path = require('node:path')

/** The runner's own @playwright/test: a kit installed as a link (`npm install <path>`) must
 * share it, so the runner's script (then the working folder) is asked before the kit's folder. */
function loadPlaywright() {
  const candidates = [process.argv[1] && path.dirname(process.argv[1]), process.cwd(), __dirname]
  for (const from of candidates.filter(Boolean)) {
    const requireFrom = createRequire(path.join(from, 'package.json'))
    let resolved
    try {
      resolved = requireFrom.resolve('@playwright/test')
    } catch {
      continue
    }
    return requireFrom(resolved)
  }
  throw new Error('dfns-mock-playwright needs @playwright/test: npm install --save-dev @playwright/test')
}

const playwright = loadPlaywright()

const SESSION_HEADER = 'x-dfns-mock-session'
const DEFAULT_URL = 'http://127.0.0.1:8080'
/** What the mock's journal shows in place of a secret when it redacts (`journal_redact`). */
const REDACTED = '[redacted]'

/** Quotes one word for the POSIX shell Playwright runs `webServer.command` in. */
const shellQuote = (word) => `'${String(word).replace(/'/g, `'\\''`)}'`

/**
 * One Playwright `webServer` entry that runs `dfns-mock serve` on `options.port` (8080) and
 * waits for `/__mock/health`. The binary is `options.bin`, else `$DFNS_MOCK_BIN`, else
 * `dfns-mock` on the PATH; a missing binary fails the run with how to get one.
 */
function dfnsMockServer(options = {}) {
  const port = options.port ?? 8080
  const bin = options.bin ?? process.env.DFNS_MOCK_BIN ?? 'dfns-mock'
  const argv = [bin, 'serve', '--port', String(port), ...(options.args ?? [])]
  return {
    name: 'dfns-mock',
    command: [process.execPath, path.join(__dirname, 'start.cjs'), ...argv].map(shellQuote).join(' '),
    url: `http://127.0.0.1:${port}/__mock/health`,
    reuseExistingServer: !process.env.CI,
    timeout: 30_000,
    env: { ...options.env },
    stdout: 'ignore',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
  }
}

/**
 * A control-plane or issuer call; a non-2xx answer throws with the mock's error body. It marks
 * itself as a program's call (`X-Dfns-Mock-Control`, which the control plane asks of requests
 * that change state) and carries `$DFNS_MOCK_ADMIN_TOKEN` when the mock is given one.
 */
async function call(base, method, pathname, body) {
  const headers = { 'x-dfns-mock-control': '1' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (process.env.DFNS_MOCK_ADMIN_TOKEN) headers['x-dfns-mock-admin-token'] = process.env.DFNS_MOCK_ADMIN_TOKEN
  const response = await fetch(new URL(pathname, base), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  if (!response.ok) {
    throw new Error(`dfns-mock: ${method} ${pathname} answered ${response.status}: ${text}`)
  }
  return text ? JSON.parse(text) : null
}

/** The session key of one test run: its id, repeat and retry (stable across runs). */
function sessionKey(testInfo) {
  return `pw-${testInfo.testId}-${testInfo.repeatEachIndex}-${testInfo.retry}`
}

/** The `dfnsMock` fixture's value for one test. */
function createDfnsMock(url, session, context) {
  const base = url.endsWith('/') ? url : `${url}/`
  const sessionPath = `__mock/sessions/${encodeURIComponent(session)}`
  const journal = async () => {
    const answer = await call(base, 'GET', `__mock/journal?session=${encodeURIComponent(session)}`)
    return answer.entries
  }
  return {
    url: new URL(base).origin,
    session,
    async useScenario(name) {
      await call(base, 'PUT', `${sessionPath}/scenario`, { name })
    },
    async setState(scenario, state) {
      await call(base, 'PUT', `${sessionPath}/states`, { scenario, state })
    },
    async mintIdToken(claims = {}) {
      const answer = await call(base, 'POST', 'oidc/token', { dfns_mock_session: session, ...claims })
      return answer.id_token
    },
    signInUrl(params = {}) {
      const given = typeof params === 'string' || params instanceof URL ? { authorizeUrl: params } : params
      const target = new URL(given.authorizeUrl ?? 'oidc/authorize', base)
      const query = target.searchParams
      const explicit = {
        response_type: given.responseType,
        client_id: given.clientId,
        redirect_uri: given.redirectUri,
        scope: given.scope,
        state: given.state,
        nonce: given.nonce,
        code_challenge: given.codeChallenge,
        code_challenge_method: given.codeChallengeMethod,
      }
      const defaults = { response_type: 'code', client_id: 'dfns-mock-client', scope: 'openid email' }
      // Explicit parameters win over the ones of `authorizeUrl`, which win over the defaults.
      for (const [key, value] of Object.entries(explicit)) {
        if (value !== undefined) query.set(key, value)
        else if (!query.has(key) && defaults[key]) query.set(key, defaults[key])
      }
      if (!query.get('redirect_uri')) throw new Error('dfnsMock.signInUrl: redirectUri is required')
      query.set('login_hint', given.email ?? query.get('login_hint') ?? 'jane.doe@example.com')
      if (given.name !== undefined) query.set('name', given.name)
      const earlier = query.get('claims') ? JSON.parse(query.get('claims')) : {}
      query.set('claims', JSON.stringify({ ...earlier, dfns_mock_session: session, ...given.claims }))
      return target.toString()
    },
    journal,
    async lastCode(filter = {}) {
      // The mock notes each code it "sends" on that call's journal entry.
      const sent = (await journal())
        .map((entry) => entry.annotations?.sentCode)
        .filter((c) => c && (!filter.username || c.username === filter.username) && (!filter.kind || c.kind === filter.kind))
        .at(-1)
      const what = `${filter.kind ?? 'one-time'} code${filter.username ? ` to ${filter.username}` : ''}`
      if (!sent) throw new Error(`dfnsMock.lastCode: no ${what} was sent in session ${session}`)
      if (sent.code === REDACTED) {
        throw new Error(`dfnsMock.lastCode: the mock redacts its journal (journal_redact); read ${sessionPath} (pendingCodes)`)
      }
      return sent.code
    },
    async reset() {
      await call(base, 'POST', `${sessionPath}/reset`)
      await call(base, 'DELETE', `__mock/journal?session=${encodeURIComponent(session)}`)
    },
    async virtualAuthenticator(page) {
      const target = page ?? context.pages()[0]
      if (!target) throw new Error('dfnsMock.virtualAuthenticator: the test has no page; pass one')
      const cdp = await target.context().newCDPSession(target)
      await cdp.send('WebAuthn.enable')
      const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: {
          protocol: 'ctap2',
          transport: 'internal',
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
        },
      })
      return {
        authenticatorId,
        async credentials() {
          return (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials
        },
      }
    },
  }
}

const test = playwright.test.extend({
  dfnsMockUrl: [process.env.DFNS_MOCK_URL || DEFAULT_URL, { option: true }],
  dfnsMock: async ({ dfnsMockUrl, context }, use, testInfo) => {
    const session = sessionKey(testInfo)
    const mock = createDfnsMock(dfnsMockUrl, session, context)
    // A fresh session even on a reused server, and the test's pages speak in it.
    await mock.reset()
    const origin = mock.url
    await context.route(
      (url) => url.origin === origin,
      (route) => route.fallback({ headers: { ...route.request().headers(), [SESSION_HEADER]: session } }),
    )
    await use(mock)
  },
})

module.exports = { test, expect: playwright.expect, dfnsMockServer }

