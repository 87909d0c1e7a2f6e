// Writes the PWA icons (Party-red tile, gold star over three rising bars: "points") as PNGs
// using only node:zlib.
// Run with `npm run icons`; the output in public/icons/ is committed.
import { deflateSync } from 'node:zlib'
import { writeFileSync, mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const RED = [200, 22, 29]
const GOLD = [255, 222, 0]
const outDir = resolve(dirname(fileURLToPath(import.meta.url)), '../public/icons')

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(buf) {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}
function png(size, rgba) {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 6 // RGBA
  const raw = Buffer.alloc((size * 4 + 1) * size)
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0 // filter: none
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

/** Star polygon centred at (cx, cy) with outer radius r, one point straight up. */
function starPolygon(cx, cy, r) {
  const inner = r * 0.382
  const pts = []
  for (let i = 0; i < 10; i++) {
    const rad = i % 2 === 0 ? r : inner
    const a = -Math.PI / 2 + (i * Math.PI) / 5
    pts.push([cx + rad * Math.cos(a), cy + rad * Math.sin(a)])
  }
  return pts
}
function inside(pts, x, y) {
  let hit = false
  for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
    const [xi, yi] = pts[i]
    const [xj, yj] = pts[j]
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit
  }
  return hit
}
function rect(x0, y0, x1, y1) {
  return [
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
  ]
}
function inRoundedSquare(size, radius, x, y) {
  const cx = Math.min(Math.max(x, radius), size - radius)
  const cy = Math.min(Math.max(y, radius), size - radius)
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2
}

/**
 * The emblem, in a unit box [0,1]² around the centre: a star above three rising bars.
 * `scale` shrinks it (the share of the icon the emblem spans).
 */
function emblem(size, scale) {
  const box = size * scale
  const ox = (size - box) / 2
  const oy = (size - box) / 2
  const at = (u, v) => [ox + u * box, oy + v * box]
  const star = starPolygon(...at(0.5, 0.3), box * 0.3)
  const bars = [
    [0.14, 0.78],
    [0.4, 0.68],
    [0.66, 0.58],
  ].map(([u, top]) => rect(...at(u, top), ...at(u + 0.2, 1)))
  return [star, ...bars]
}

/**
 * Render one icon. `emblemScale` is the emblem's share of the size;
 * `cornerRadius` (share of size) rounds the tile, 0 gives a full-bleed square (maskable, apple).
 */
function render(size, { emblemScale, cornerRadius }) {
  const rgba = Buffer.alloc(size * size * 4)
  const shapes = emblem(size, emblemScale)
  const radius = cornerRadius * size
  const SS = 4 // 4×4 supersampling for smooth edges
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let tile = 0
      let gold = 0
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) {
          const px = x + (sx + 0.5) / SS
          const py = y + (sy + 0.5) / SS
          if (radius === 0 || inRoundedSquare(size, radius, px, py)) {
            tile++
            if (shapes.some((p) => inside(p, px, py))) gold++
          }
        }
      }
      const n = SS * SS
      const o = (y * size + x) * 4
      const g = tile ? gold / tile : 0
      for (let c = 0; c < 3; c++) rgba[o + c] = Math.round(RED[c] * (1 - g) + GOLD[c] * g)
      rgba[o + 3] = Math.round((255 * tile) / n)
    }
  }
  return png(size, rgba)
}

mkdirSync(outDir, { recursive: true })
const icons = [
  ['icon-192.png', 192, { emblemScale: 0.62, cornerRadius: 0.18 }],
  ['icon-512.png', 512, { emblemScale: 0.62, cornerRadius: 0.18 }],
  // Maskable: full bleed, emblem kept well inside the 80% safe-zone circle.
  ['maskable-512.png', 512, { emblemScale: 0.5, cornerRadius: 0 }],
  // iOS rounds the corners itself and shows transparency as black.
  ['apple-touch-icon-180.png', 180, { emblemScale: 0.6, cornerRadius: 0 }],
  ['favicon-32.png', 32, { emblemScale: 0.8, cornerRadius: 0.15 }],
]
for (const [name, size, opts] of icons) {
  writeFileSync(resolve(outDir, name), render(size, opts))
  console.log(`wrote public/icons/${name}`)
}
