// Type-checked by `tsc -p examples/app` (tests/playwright_kit.rs): the kit's .d.ts describes
// what a TypeScript suite writes, and rejects what it must not.
import { defineConfig } from '@playwright/test'
import { dfnsMockServer, expect, test, type DfnsMock, type DfnsMockOptions, type JournalEntry, type SentCode } from 'dfns-mock-playwright'

export default defineConfig<DfnsMockOptions>({
  webServer: [dfnsMockServer(), dfnsMockServer({ port: 9000, bin: './dfns-mock', args: ['--seed', 's'], env: { A: 'b' } })],
  use: { dfnsMockUrl: 'http://127.0.0.1:9000' },
})

test('every member of dfnsMock', async ({ page, dfnsMock }) => {
  const mock: DfnsMock = dfnsMock
  const url: string = mock.url
  const session: string = mock.session
  await mock.useScenario('rate-limited')
  await mock.setState('user-already-exists', 'registered')
  const idToken: string = await mock.mintIdToken({ email: 'jane@example.com', dfns_mock_scenario: 'slow' })
  const signIn: string = mock.signInUrl({ redirectUri: `${url}/cb`, email: 'jane@example.com', claims: { a: 1 } })
  mock.signInUrl({ authorizeUrl: new URL(signIn) })
  mock.signInUrl(signIn)
  const journal: JournalEntry[] = await mock.journal()
  const statuses: (number | null)[] = journal.map((entry) => entry.status)
  const sent: SentCode | undefined = journal[0]?.annotations?.sentCode
  const code: string = await mock.lastCode({ username: 'jane@example.com', kind: 'Login' })
  await mock.lastCode()
  await mock.reset()
  const authenticator = await mock.virtualAuthenticator(page)
  const signCounts: number[] = (await authenticator.credentials()).map((c) => c.signCount)
  expect([session, idToken, statuses, sent, code, signCounts]).toBeTruthy()

  // @ts-expect-error: a scenario is named by a string
  await mock.useScenario(42)
  // @ts-expect-error: the session is read-only
  mock.session = 'other'
  // @ts-expect-error: no such member
  await mock.startRecording()
  // @ts-expect-error: codes are of two kinds
  await mock.lastCode({ kind: 'Registration' })
})

// @ts-expect-error: port is a number
dfnsMockServer({ port: '8080' })
