// A real Chromium (Debian's, driven by playwright-core) runs the app page in app.js: sign in
// at the fake IdP's login page, register a passkey with Chrome's virtual authenticator
// through @dfns/sdk-browser, then sign in socially and with the passkey. Needs
// /usr/bin/chromium (bash .ci/run installs it).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { createRequire } from 'node:module'
import { startMock } from '../node/mock.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const require = createRequire(path.join(here, '..', 'node', 'package.json'))
const esbuild = require('esbuild')
const { chromium } = require('playwright-core')

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'
let mock, app, browser

before(async () => {
  mock = await startMock()
  const bundle = await esbuild.build({
    entryPoints: [path.join(here, 'app.js')],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    nodePaths: [path.join(here, '..', 'node', 'node_modules')],
    define: { global: 'globalThis' },
    logLevel: 'silent',
  })
  const script = bundle.outputFiles[0].text
  const page = (body) => `<!doctype html><html><head><meta charset="utf-8"><title>app</title>
    <script>window.APP_CONFIG = ${JSON.stringify({ mockUrl: mock.baseUrl, orgId: 'or-30tnh-itmjs-s235s5ontr3r23h2' })}</script>
    <script src="/bundle.js"></script></head><body><div id="log"></div>${body}</body></html>`
  app = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost')
    if (url.pathname === '/bundle.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script)
    } else if (url.pathname === '/callback') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(page('<script>window.app.callback()</script>'))
    } else {
      res.writeHead(200, { 'content-type': 'text/html' }).end(page('<button id="sign-up" onclick="window.app.signUp()">Sign up</button>'))
    }
  })
  await new Promise((resolve) => app.listen(0, '127.0.0.1', resolve))
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
})

after(async () => {
  await browser?.close()
  app?.close()
  await mock?.stop()
})

test('sign up through the IdP login page with a passkey, then sign in socially and with the passkey', async () => {
  const context = await browser.newContext()
  const page = await context.newPage()
  const cdp = await context.newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  })
  // The app runs on http://localhost (the WebAuthn RP id); the mock is another origin (CORS).
  await page.goto(`http://localhost:${app.address().port}/`)
  await page.click('#sign-up')
  await page.waitForURL(/\/oidc\/authorize/)
  assert.match(await page.title(), /sign in/)
  await page.fill('#email', 'browser-user@example.com')
  await page.click('#sign-in')
  await page.waitForSelector('#done, #error', { state: 'attached', timeout: 30_000 })
  const error = await page.locator('#error').count()
  assert.equal(error, 0, error ? await page.locator('#error').textContent() : '')
  assert.match(await page.locator('#registered-user').textContent(), /^us-[a-z0-9]{5}-[a-z0-9]{5}-[a-z0-9]{16}$/)
  assert.match(await page.locator('#wallet-address').textContent(), /^0x[0-9a-f]{40}$/)
  assert.equal(await page.locator('#social-login').textContent(), 'ok')
  assert.equal(await page.locator('#passkey-login').textContent(), 'ok')

  // The mock saw a real attestation from Chrome and the page's origin.
  const journal = await (await fetch(`${mock.baseUrl}/__mock/journal`)).json()
  const enduser = journal.entries.find((e) => e.path === '/auth/registration/enduser')
  assert.equal(enduser.status, 200)
  const clientData = JSON.parse(Buffer.from(enduser.body.firstFactorCredential.credentialInfo.clientData, 'base64url'))
  assert.equal(clientData.origin, `http://localhost:${app.address().port}`)
  await context.close()
})
