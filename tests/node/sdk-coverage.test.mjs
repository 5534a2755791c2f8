// The README's "The SDK's auth client" tables, checked against the facts: the methods of
// @dfns/sdk's AuthClient (deprecated aliases aside) with the HTTP method and path its own
// generated code sends, and whether the real binary routes each (an unserved route answers
// 404 "No route for …", whatever the body and headers).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startMock } from './mock.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const generated = path.join(here, 'node_modules', '@dfns', 'sdk', 'generated', 'auth')

/** Every method of the SDK's AuthClient but its deprecated aliases: name → "METHOD /path/{param}". */
function sdkMethods() {
  const code = readFileSync(path.join(generated, 'client.js'), 'utf8')
  const types = readFileSync(path.join(generated, 'client.d.ts'), 'utf8')
  const deprecated = new Set([...types.matchAll(/@deprecated[^\n]*\n\s+(\w+)\(/g)].map((m) => m[1]))
  const methods = new Map()
  for (const body of code.split(/\n {4}async /).slice(1)) {
    const name = body.match(/^\w+/)[0]
    if (deprecated.has(name)) continue
    const template = body.match(/buildPathAndQuery\)\('([^']+)'/)?.[1]
    const method = body.match(/method: '(\w+)'/)?.[1]
    assert.ok(template && method, `${name}: no path or method found in the SDK's code`)
    methods.set(name, `${method} ${template.replace(/:(\w+)/g, '{$1}')}`)
  }
  return { methods, deprecated }
}

/** The README section's two tables: served name → endpoint, and the names left out. */
function readmeTables() {
  const readme = readFileSync(path.join(here, '..', '..', 'README.md'), 'utf8')
  const start = readme.indexOf("\n### The SDK's auth client")
  assert.ok(start > 0, 'README has the section')
  const section = readme.slice(start + 1, readme.indexOf('\n## ', start + 1))
  const served = new Map()
  const leftOut = []
  for (const line of section.split('\n').filter((l) => l.startsWith('| ') && l.includes('`'))) {
    const cells = line.slice(2, -2).split(' | ')
    const endpoint = cells[1].match(/^`(\w+ \/\S+)`$/)
    if (endpoint) served.set(cells[0].slice(1, -1), endpoint[1])
    else leftOut.push(...[...cells[1].matchAll(/`(\w+)`/g)].map((m) => m[1]))
  }
  return { section, served, leftOut }
}

let mock
before(async () => {
  mock = await startMock()
})
after(async () => {
  await mock?.stop()
})

test("the README's tables name every AuthClient method once, with the SDK's method and path", () => {
  const { methods, deprecated } = sdkMethods()
  const { section, served, leftOut } = readmeTables()
  assert.equal(methods.size, 53)
  assert.equal(deprecated.size, 9)
  assert.match(section, new RegExp(`has ${methods.size} methods, plus ${deprecated.size} deprecated aliases`))
  assert.deepEqual([...served.keys(), ...leftOut].sort(), [...methods.keys()].sort())
  for (const [name, endpoint] of served) assert.equal(endpoint, methods.get(name), name)
  assert.match(section, new RegExp(`^### The SDK's auth client: ${served.size} of its ${methods.size} methods served$`, 'm'))
  assert.match(section, new RegExp(`Left out on purpose \\(${leftOut.length}\\)`))
})

test('the binary routes exactly the methods the README says it serves', async () => {
  const { methods } = sdkMethods()
  const { served } = readmeTables()
  for (const [name, endpoint] of methods) {
    const [method, template] = endpoint.split(' ')
    const url = new URL(template.replace(/\{(\w+)\}/g, 'x-$1'), mock.baseUrl)
    const response = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' })
    const answer = await response.json()
    const routed = !(response.status === 404 && /^No route for /.test(answer.error?.message))
    assert.equal(routed, served.has(name), `${name} (${endpoint}) answered ${response.status} ${answer.error?.message}`)
  }
})
