'use strict'
// The `webServer` command of `dfnsMockServer`: runs `dfns-mock serve …` (argv after this
// script), or explains how to get the binary when it is missing. Stops it on SIGTERM/SIGINT.
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

/** The path `bin` runs as: itself when it names a file, else the first match on the PATH. */
function findBinary(bin) {
  if (bin.includes('/')) return fs.existsSync(bin) ? bin : null
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir || '.', bin)
    if (fs.existsSync(candidate)) return candidate
  }
  return null
}

const [bin, ...args] = process.argv.slice(2)
const found = findBinary(bin)
if (!found) {
  process.stderr.write(
    `dfns-mock-playwright: the dfns-mock binary was not found (looked for \`${bin}\`${bin.includes('/') ? '' : ' on the PATH'}).\n` +
      '  Install it from a clone of dfns-mock: cargo install --locked --path path/to/dfns-mock\n' +
      '  or point to it: DFNS_MOCK_BIN=/path/to/dfns-mock, or dfnsMockServer({ bin: "/path/to/dfns-mock" })\n' +
      '  or start the server yourself (the binary, or its image on port 8080): outside CI the kit reuses it.\n',
  )
  process.exit(127)
}
// The kit's own variables are not server settings (the server reads every DFNS_MOCK_* one).
const env = { ...process.env }
delete env.DFNS_MOCK_BIN
delete env.DFNS_MOCK_URL
const child = spawn(found, args, { stdio: 'inherit', env })
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
child.on('error', (err) => {
  process.stderr.write(`dfns-mock-playwright: could not start ${found}: ${err.message}\n`)
  process.exit(126)
})
