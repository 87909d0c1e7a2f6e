// Reports the gzipped size of what a first visit downloads before any route chunk:
// the scripts, module preloads and stylesheets that dist/index.html names.
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../dist')
const html = readFileSync(resolve(dist, 'index.html'), 'utf8')
const refs = [
  ...html.matchAll(/<script[^>]+src="([^"]+\.js)"/g),
  ...html.matchAll(/<link[^>]+rel="(?:modulepreload|stylesheet)"[^>]+href="([^"]+)"/g),
].map((m) => m[1])
const limitKb = Number(process.env.INITIAL_LIMIT_KB ?? 150)
let total = 0
for (const ref of [...new Set(refs)]) {
  const size = gzipSync(readFileSync(resolve(dist, `.${ref}`)), { level: 9 }).length
  total += size
  console.log(`${(size / 1024).toFixed(1).padStart(7)} KB  ${ref}`)
}
console.log(`${(total / 1024).toFixed(1).padStart(7)} KB  initial JS+CSS, gzipped (limit ${limitKb} KB)`)
if (total / 1024 > limitKb) process.exit(1)
