// Serves the sample app: esbuild bundles src/app.js with the official SDK once at start-up,
// then index.html answers every page path (/, /callback). Settings come from the environment:
// PORT (3000), DFNS_MOCK_URL (http://127.0.0.1:8080), and APP_SDK: `default` (this folder's
// @dfns/sdk 0.8 + @dfns/sdk-browser 0.6.12) or `0.6` (sdk-0.6/: @dfns/sdk 0.6.12 with it).
import { readFileSync } from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'

const here = path.dirname(fileURLToPath(import.meta.url))
const port = Number(process.env.PORT ?? 3000)
const sdkDir = path.join(here, process.env.APP_SDK === '0.6' ? 'sdk-0.6' : '.', 'node_modules', '@dfns')
const sdkVersion = JSON.parse(readFileSync(path.join(sdkDir, 'sdk', 'package.json'), 'utf8')).version

const bundle = await esbuild.build({
  entryPoints: [path.join(here, 'src', 'app.js')],
  bundle: true,
  write: false,
  format: 'iife',
  platform: 'browser',
  // Both SDK packages from the chosen folder, so one page never mixes versions.
  alias: { '@dfns/sdk': path.join(sdkDir, 'sdk'), '@dfns/sdk-browser': path.join(sdkDir, 'sdk-browser') },
  define: { global: 'globalThis' },
  logLevel: 'warning',
})
const files = {
  '/app.js': ['text/javascript', bundle.outputFiles[0].text],
  '/config.js': [
    'text/javascript',
    `window.APP_CONFIG = ${JSON.stringify({
      mockUrl: process.env.DFNS_MOCK_URL ?? 'http://127.0.0.1:8080',
      orgId: 'or-30tnh-itmjs-s235s5ontr3r23h2',
      appId: 'ap-dfns-mock-sample-app',
      sdk: sdkVersion,
    })}`,
  ],
}
const page = readFileSync(path.join(here, 'index.html'))

http
  .createServer((req, res) => {
    const { pathname } = new URL(req.url, 'http://localhost')
    const [type, body] = files[pathname] ?? ['text/html; charset=utf-8', page]
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body)
  })
  .listen(port, '127.0.0.1', () => console.log(`sample app (@dfns/sdk ${sdkVersion}) on http://localhost:${port}`))
