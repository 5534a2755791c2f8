// Types of dfns-mock-playwright.
import type { Page, PlaywrightTestArgs, PlaywrightTestOptions, PlaywrightWorkerArgs, PlaywrightWorkerOptions, TestType } from '@playwright/test'

export { expect } from '@playwright/test'

/** Options of {@link dfnsMockServer}. */
export interface DfnsMockServerOptions {
  /** Port the mock listens on (default 8080). */
  port?: number
  /** The binary: default `process.env.DFNS_MOCK_BIN`, else `dfns-mock` on the PATH. */
  bin?: string
  /** Extra arguments after `serve --port N`, e.g. `['--clock', '2030-01-01T00:00:00Z']`. */
  args?: string[]
  /** Extra environment of the server, e.g. `{ DFNS_MOCK_SEED: 'my-suite' }`. */
  env?: Record<string, string>
}

/** One entry of Playwright's `webServer` list. */
export interface DfnsMockWebServer {
  name: string
  command: string
  url: string
  reuseExistingServer: boolean
  timeout: number
  env: Record<string, string>
  stdout: 'ignore' | 'pipe'
  stderr: 'ignore' | 'pipe'
  gracefulShutdown: { signal: 'SIGTERM' | 'SIGINT'; timeout: number }
}

/** A Playwright `webServer` entry that starts dfns-mock and waits for `/__mock/health`. */
export declare function dfnsMockServer(options?: DfnsMockServerOptions): DfnsMockWebServer

/** Parameters of {@link DfnsMock.signInUrl}. */
export interface SignInParams {
  /** An authorization URL the app built (its state, nonce, PKCE); the other fields override it. */
  authorizeUrl?: string | URL
  /** Where the IdP sends the browser back (required unless `authorizeUrl` has one). */
  redirectUri?: string
  /** Default `dfns-mock-client` (the token's `aud`). */
  clientId?: string
  /** The signed-in user's email (default `jane.doe@example.com`). */
  email?: string
  /** The signed-in user's display name. */
  name?: string
  /** Extra claims of the id token (`dfns_mock_session` is this test's session unless given). */
  claims?: Record<string, unknown>
  /** `code` (default) or `id_token`. */
  responseType?: 'code' | 'id_token'
  scope?: string
  state?: string
  nonce?: string
  codeChallenge?: string
  codeChallengeMethod?: 'S256' | 'plain'
}

/** A one-time code the mock "sent" (it e-mails nothing), as its journal notes it. */
export interface SentCode {
  /** `Login` (`POST /auth/login/code`) or `Recovery` (`POST /auth/recover/user/code`). */
  kind: 'Login' | 'Recovery'
  username: string
  orgId: string
  /** The code, `dddd-dddd-dddd-dddd` (`[redacted]` when the mock redacts its journal). */
  code: string
}

/** One request the mock answered, as `GET /__mock/journal` lists it. */
export interface JournalEntry {
  seq: number
  request_id: string
  method: string
  path: string
  headers: Record<string, unknown>
  body: any
  session: string
  scenario: string | null
  rule: number | null
  status: number | null
  fault: string | null
  latency_ms: number
  response: any
  /** What the endpoint noted that its answer does not show; absent when nothing. */
  annotations?: { sentCode?: SentCode; [key: string]: unknown }
  [key: string]: unknown
}

/** A credential of Chrome's virtual authenticator (CDP `WebAuthn.Credential`). */
export interface VirtualCredential {
  credentialId: string
  isResidentCredential: boolean
  rpId?: string
  privateKey: string
  userHandle?: string
  signCount: number
  [key: string]: unknown
}

/** Chrome's virtual authenticator attached to a page. */
export interface VirtualAuthenticator {
  authenticatorId: string
  /** The passkeys it holds. */
  credentials(): Promise<VirtualCredential[]>
}

/** The per-test handle on the mock. */
export interface DfnsMock {
  /** The mock's origin, e.g. `http://127.0.0.1:8080`. */
  readonly url: string
  /** This test's session key: unique per test, repeat and retry (so per worker); stable across runs. */
  readonly session: string
  /** Makes scenario `name` answer this session's requests. */
  useScenario(name: string): Promise<void>
  /** Moves `scenario` to `state` in this session. */
  setState(scenario: string, state: string): Promise<void>
  /** An id token of the built-in issuer carrying `dfns_mock_session` and `claims`. */
  mintIdToken(claims?: Record<string, unknown>): Promise<string>
  /** An `/oidc/authorize` URL that signs in at once (no form), the session in the token. */
  signInUrl(params: SignInParams | string | URL): string
  /** The requests of this session the mock answered, oldest first. */
  journal(): Promise<JournalEntry[]>
  /**
   * The last one-time code the mock "sent" in this session (login or recovery code), read from
   * the journal; only those sent to `username`, of `kind`, when given. Throws when there is none.
   */
  lastCode(filter?: { username?: string; kind?: SentCode['kind'] }): Promise<string>
  /** Clears this session's state and journal (done before each test). */
  reset(): Promise<void>
  /** Chrome's virtual authenticator on `page` (default: the test's page). */
  virtualAuthenticator(page?: Page): Promise<VirtualAuthenticator>
}

/** The kit's option, for `defineConfig<DfnsMockOptions>({ use: { dfnsMockUrl } })`. */
export interface DfnsMockOptions {
  /** The mock's base URL (default `$DFNS_MOCK_URL`, else `http://127.0.0.1:8080`). */
  dfnsMockUrl: string
}

/** Playwright's `test` with the `dfnsMock` fixture and the `dfnsMockUrl` option. */
export declare const test: TestType<
  PlaywrightTestArgs & PlaywrightTestOptions & DfnsMockOptions & { dfnsMock: DfnsMock },
  PlaywrightWorkerArgs & PlaywrightWorkerOptions
>
