// Starts the real dfns-mock binary on a free port for a Node test, and stops it.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

/** The binary: $DFNS_MOCK_BIN (set by `cargo test`), else the debug build. */
export const binary = process.env.DFNS_MOCK_BIN ?? path.join(repo, 'target', 'debug', 'dfns-mock')

/** Runs `dfns-mock serve --port 0` with `args` and resolves once it logs its address. */
export async function startMock(args = []) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DFNS_MOCK_')))
  const child = spawn(binary, ['serve', '--port', '0', '--log-format', 'json', ...args], {
    cwd: repo,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout })
  const baseUrl = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('dfns-mock did not start within 20 s')), 20_000)
    child.once('exit', (code) => reject(new Error(`dfns-mock exited with ${code}`)))
    lines.on('line', (line) => {
      try {
        const addr = JSON.parse(line)?.fields?.addr
        if (addr) {
          clearTimeout(timer)
          resolve(`http://${addr}`)
        }
      } catch {}
    })
  })
  return {
    baseUrl,
    async mintIdToken(claims = {}) {
      const response = await fetch(new URL('/oidc/token', baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(claims),
      })
      if (!response.ok) throw new Error(`mint failed: ${response.status} ${await response.text()}`)
      return (await response.json()).id_token
    },
    async stop() {
      child.kill('SIGTERM')
      await new Promise((resolve) => child.once('exit', resolve))
    },
  }
}
