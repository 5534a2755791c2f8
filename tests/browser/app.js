// The frontend under test: the sign-up/sign-in journey a Dfns app builds, with the official
// @dfns/sdk (API calls) and @dfns/sdk-browser (WebAuthnSigner), bundled by esbuild for the page.
import { DfnsApiClient } from '@dfns/sdk'
import { WebAuthnSigner } from '@dfns/sdk-browser'

const config = window.APP_CONFIG
const status = (text) => {
  const p = document.createElement('p')
  p.textContent = text
  document.getElementById('log').appendChild(p)
}
const finish = (id, value) => {
  const el = document.createElement('output')
  el.id = id
  el.textContent = value
  document.body.appendChild(el)
}

async function sha256base64url(text) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))
  return btoa(String.fromCharCode(...digest)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

// "Sign up with the fake IdP": the authorization code request with PKCE.
export async function signUp() {
  const verifier = crypto.randomUUID() + crypto.randomUUID()
  sessionStorage.setItem('pkce', verifier)
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: 'dfns-mock-client',
    redirect_uri: `${location.origin}/callback`,
    scope: 'openid email',
    state: 'browser-state',
    nonce: 'browser-nonce',
    code_challenge: await sha256base64url(verifier),
    code_challenge_method: 'S256',
  })
  location.href = `${config.mockUrl}/oidc/authorize?${params}`
}

// Back from the IdP: exchange the code, register a passkey, then sign in two ways.
export async function callback() {
  try {
    const query = new URLSearchParams(location.search)
    if (query.get('state') !== 'browser-state') throw new Error('state mismatch')
    const tokenResponse = await fetch(`${config.mockUrl}/oidc/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: query.get('code'),
        redirect_uri: `${location.origin}/callback`,
        code_verifier: sessionStorage.getItem('pkce'),
      }),
    })
    const { id_token: idToken } = await tokenResponse.json()
    status('got an id token')

    const api = new DfnsApiClient({ baseUrl: config.mockUrl })
    const challenge = await api.auth.createSocialRegistrationChallenge({
      body: { socialLoginProviderKind: 'Oidc', idToken },
    })
    status(`registration challenge for ${challenge.user.name}`)

    const signer = new WebAuthnSigner({ relyingParty: { id: 'localhost', name: 'dfns-mock browser test' } })
    const firstFactorCredential = await signer.create(challenge)
    status('passkey created')

    const userApi = new DfnsApiClient({ baseUrl: config.mockUrl, authToken: challenge.temporaryAuthenticationToken })
    const registered = await userApi.auth.registerEndUser({
      body: { firstFactorCredential, wallets: [{ network: 'EthereumSepolia' }] },
    })
    finish('registered-user', registered.user.id)
    finish('wallet-address', registered.wallets[0].address)

    const { token } = await api.auth.socialLogin({ body: { socialLoginProviderKind: 'Oidc', idToken } })
    finish('social-login', token.split('.').length === 3 ? 'ok' : 'bad token')

    const loginChallenge = await api.auth.createLoginChallenge({ body: { username: challenge.user.name, orgId: config.orgId } })
    const firstFactor = await signer.sign(loginChallenge)
    const login = await api.auth.login({ body: { challengeIdentifier: loginChallenge.challengeIdentifier, firstFactor } })
    finish('passkey-login', login.token.split('.').length === 3 ? 'ok' : 'bad token')
    finish('done', 'yes')
  } catch (err) {
    finish('error', `${err.name}: ${err.message} ${JSON.stringify(err.context?.body ?? '')}`)
  }
}

window.app = { signUp, callback }
