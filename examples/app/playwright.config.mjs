// The kit's own suite: the sample app (served twice: with @dfns/sdk 0.8.21 and with 0.6.12)
// against one dfns-mock with a frozen clock and the repository's scenarios and fixtures, in
// Debian's Chromium. Ports: DFNS_MOCK_URL (the mock, default http://127.0.0.1:8080), APP_PORT
// (3000) and APP_PORT_SDK_0_6 (3001).
import { defineConfig } from '@playwright/test'
import { dfnsMockServer } from 'dfns-mock-playwright'

const mockUrl = new URL(process.env.DFNS_MOCK_URL ?? 'http://127.0.0.1:8080')
const appPort = Number(process.env.APP_PORT ?? 3000)
const appPort06 = Number(process.env.APP_PORT_SDK_0_6 ?? 3001)

/** The sample app bundled with one SDK pair, on `port`. */
const app = (port, sdk) => ({
  name: `app (${sdk})`,
  command: 'node server.mjs',
  url: `http://127.0.0.1:${port}/`,
  env: { PORT: String(port), APP_SDK: sdk, DFNS_MOCK_URL: mockUrl.origin },
  reuseExistingServer: !process.env.CI,
  stdout: 'ignore',
})

export default defineConfig({
  testDir: 'tests',
  fullyParallel: true,
  workers: 4,
  forbidOnly: !!process.env.CI,
  reporter: 'list',
  use: {
    dfnsMockUrl: mockUrl.origin,
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
  projects: [
    { name: 'sdk-0.8', use: { baseURL: `http://localhost:${appPort}` } },
    // SDK compatibility: the journeys again with @dfns/sdk 0.6.12 (x-dfns-appid, x-dfns-nonce).
    { name: 'sdk-0.6', use: { baseURL: `http://localhost:${appPort06}` }, grep: /@journey/ },
  ],
  webServer: [
    dfnsMockServer({
      port: Number(mockUrl.port),
      args: ['--clock', '2030-01-01T00:00:00Z', '--seed', 'sample-app', '--scenarios', '../../scenarios', '--fixtures', '../../fixtures'],
    }),
    app(appPort, 'default'),
    app(appPort06, '0.6'),
  ],
})
