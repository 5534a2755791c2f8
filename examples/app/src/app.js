// The sample app: the sign-up / sign-in journeys a Dfns frontend builds, then the user's
// wallets and "sign a message with my passkey", with the official @dfns/sdk (API calls and
// its user-action signing) and @dfns/sdk-browser (passkeys through WebAuthnSigner), against
// dfns-mock and its test IdP. Every Dfns error it meets is listed in the page (#errors).
import { DfnsApiClient, DfnsError } from '@dfns/sdk'
import { WebAuthnSigner } from '@dfns/sdk-browser'

const config = window.APP_CONFIG
const $ = (id) => document.getElementById(id)
const CLIENT_ID = 'dfns-mock-client'
const PENDING_AFTER_MS = 1000

/** A client, signed in with `authToken` when given, signing user actions with `signer` when given. */
const api = (authToken, signer) =>
  // appId is what SDK 0.6 sends as x-dfns-appid; 0.8 ignores it.
  new DfnsApiClient({ baseUrl: config.mockUrl, appId: config.appId, ...(authToken ? { authToken } : {}), ...(signer ? { signer } : {}) })
const signer = () => new WebAuthnSigner({ relyingParty: { id: location.hostname, name: 'dfns-mock sample app' } })

function step(text) {
  const li = document.createElement('li')
  li.textContent = text
  $('log').appendChild(li)
}

/** Lists an error in the page: Dfns errors with their status, others by name. */
function showError(err) {
  const li = document.createElement('li')
  li.className = 'dfns-error'
  if (err instanceof DfnsError) {
    li.dataset.status = String(err.httpStatus)
    li.textContent = `${err.httpStatus} ${err.message}`
  } else {
    li.dataset.status = 'none'
    li.textContent = `${err.name}: ${err.message}`
  }
  $('errors').appendChild(li)
}

/** One Dfns call: shows "Waiting for Dfns…" while it is slow; retries 429s after Retry-After. */
async function dfns(label, call) {
  for (let attempt = 1; ; attempt++) {
    const timer = setTimeout(() => ($('pending').hidden = false), PENDING_AFTER_MS)
    try {
      return await call()
    } catch (err) {
      if (!(err instanceof DfnsError && err.httpStatus === 429 && attempt < 4)) throw err
      showError(err)
      const seconds = Number(err.context?.headers?.get?.('retry-after') ?? 1)
      step(`${label}: rate limited, retrying in ${seconds} s`)
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
    } finally {
      clearTimeout(timer)
      $('pending').hidden = true
    }
  }
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** The userId of a Dfns token (its `https://custom/app_metadata` claim). */
function userIdOf(token) {
  const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')))
  return payload['https://custom/app_metadata']?.userId
}

/** The signed-in user's Dfns token and wallets. */
const current = { token: null, wallets: [] }

/** Lists the user's wallets, then shows who signed in: the page's last step of a sign-in. */
async function signedIn({ via, token, username }) {
  current.token = token
  if (username) localStorage.setItem('username', username)
  await listWallets()
  $('user-id').textContent = userIdOf(token)
  $('user-name').textContent = username ?? ''
  $('signed-in-with').textContent = via
  $('session').hidden = false
  step(`signed in (${via})`)
}

/** `GET /wallets`: one list item per wallet (id, network, address). */
async function listWallets() {
  const { items } = await dfns('wallets', () => api(current.token).wallets.listWallets())
  current.wallets = items
  $('wallet-list').replaceChildren(
    ...items.map((wallet) => {
      const li = document.createElement('li')
      li.dataset.walletId = wallet.id
      for (const [name, text] of [['id', wallet.id], ['network', wallet.network], ['address', wallet.address ?? '']]) {
        const part = document.createElement(name === 'network' ? 'span' : 'code')
        part.className = `wallet-${name}`
        part.textContent = text
        li.append(part, ' ')
      }
      return li
    }),
  )
  $('sign').hidden = items.length === 0
  $('wallets').hidden = false
  step(`${items.length} wallet(s) listed`)
}

/**
 * "Sign with my passkey": the message, hex-encoded, signed by the first wallet through the
 * SDK's user-action flow (`/auth/action/init`, the passkey's assertion, `/auth/action`, then
 * the signature request with its `X-DFNS-USERACTION`).
 */
async function signMessage() {
  const [wallet] = current.wallets
  const bytes = new TextEncoder().encode($('message').value)
  const message = `0x${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`
  $('signed').hidden = true
  const signed = await dfns('signature', () =>
    api(current.token, signer()).wallets.generateSignature({ walletId: wallet.id, body: { kind: 'Message', message } }),
  )
  $('signed-by').textContent = wallet.address
  $('signature').textContent = signed.signature.encoded
  $('signed').hidden = false
  step(`message signed by ${wallet.id} (${signed.status})`)
}

/** "Sign up / Sign in with the test IdP": the authorization code request with PKCE. */
async function toIdP(mode) {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)))
  const state = base64url(crypto.getRandomValues(new Uint8Array(12)))
  sessionStorage.setItem('oidc', JSON.stringify({ mode, verifier, state }))
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)))
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: `${location.origin}/callback`,
    scope: 'openid email',
    state,
    nonce: 'sample-app',
    code_challenge: base64url(digest),
    code_challenge_method: 'S256',
  })
  location.href = `${config.mockUrl}/oidc/authorize?${params}`
}

/** Back from the IdP: the code becomes an id token, then a sign-up or a sign-in. */
async function callback() {
  const query = new URLSearchParams(location.search)
  const { mode, verifier, state } = JSON.parse(sessionStorage.getItem('oidc') ?? '{}')
  history.replaceState(null, '', '/')
  if (query.get('error')) throw new Error(`the IdP answered ${query.get('error')}: ${query.get('error_description')}`)
  if (!state || query.get('state') !== state) throw new Error('the IdP answered with an unknown state')
  const response = await fetch(`${config.mockUrl}/oidc/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: query.get('code'),
      redirect_uri: `${location.origin}/callback`,
      client_id: CLIENT_ID,
      code_verifier: verifier,
    }),
  })
  const answer = await response.json()
  if (!response.ok) throw new Error(`token exchange failed: ${answer.error}: ${answer.error_description}`)
  step('got an id token from the test IdP')
  if (mode === 'signup') await signUp(answer.id_token)
  else await signInWithIdToken(answer.id_token)
}

async function signUp(idToken) {
  const challenge = await dfns('registration', () =>
    api().auth.createSocialRegistrationChallenge({ body: { socialLoginProviderKind: 'Oidc', idToken } }),
  )
  step(`registration challenge for ${challenge.user.name}`)
  const firstFactorCredential = await signer().create(challenge)
  step('passkey created')
  const registered = await dfns('registration', () =>
    api(challenge.temporaryAuthenticationToken).auth.registerEndUser({
      body: { firstFactorCredential, wallets: [{ network: 'EthereumSepolia' }] },
    }),
  )
  await signedIn({ via: 'sign-up', token: registered.authentication.token, username: registered.user.username })
}

async function signInWithIdToken(idToken) {
  const { token } = await dfns('social login', () =>
    api().auth.socialLogin({ body: { socialLoginProviderKind: 'Oidc', idToken } }),
  )
  await signedIn({ via: 'test IdP', token })
}

async function signInWithPasskey() {
  const username = $('username').value
  const challenge = await dfns('login', () =>
    api().auth.createLoginChallenge({ body: { username, orgId: config.orgId } }),
  )
  const firstFactor = await signer().sign(challenge)
  step('passkey assertion made')
  const { token } = await dfns('login', () =>
    api().auth.login({ body: { challengeIdentifier: challenge.challengeIdentifier, firstFactor } }),
  )
  await signedIn({ via: 'passkey', token, username })
}

/** Runs a user action; whatever fails ends in the page's error list. */
const action = (run) => () => run().catch(showError)

$('sdk-version').textContent = config.sdk
$('username').value = localStorage.getItem('username') ?? ''
$('sign-up').onclick = action(() => toIdP('signup'))
$('sign-in-idp').onclick = action(() => toIdP('login'))
$('sign-in-passkey').onclick = action(signInWithPasskey)
$('sign-message').onclick = action(signMessage)
if (location.pathname === '/callback') action(callback)()
