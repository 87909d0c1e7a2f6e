// Vant's icon font out of the home page's stylesheet.
//
// The font (some 25 KB, embedded as a data URL) sits in Vant's icon CSS, which comes with every
// component that can show an icon. The home page draws its icons inline (src/components/AppIcon),
// so the font's @font-face moves out of Vant's CSS into src/styles/icon-font.css, which main.ts
// loads once the first screen is up. The font also lists a CDN copy after the embedded one: the
// CSP blocks it (and an offline phone cannot reach it), so that fallback is dropped.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Plugin } from 'vite'

const ICON_CSS = /[\\/]vant[\\/]es[\\/]icon[\\/]index\.css$/
const ICON_FONT_CSS = /[\\/]src[\\/]styles[\\/]icon-font\.css$/
const FONT_FACE = /@font-face\s*\{[^}]*\}/
const REMOTE_FONT = /,\s*url\(["']?(?:https?:)?\/\/at\.alicdn\.com[^)]*\)\s*format\(["']woff["']\)/g

function fontFace(): string {
  const require = createRequire(import.meta.url)
  const css = readFileSync(require.resolve('vant/es/icon/index.css'), 'utf8')
  const rule = FONT_FACE.exec(css)?.[0]
  if (!rule) throw new Error('vant/es/icon/index.css has no @font-face: see build/vant-icon-font.ts')
  return rule.replace(REMOTE_FONT, '')
}

export function vantIconFont(): Plugin {
  return {
    name: 'vp-vant-icon-font',
    enforce: 'pre',
    transform(code, id) {
      const path = id.split('?')[0]
      if (ICON_FONT_CSS.test(path)) return { code: fontFace(), map: null }
      if (ICON_CSS.test(path)) return { code: code.replace(FONT_FACE, ''), map: null }
      return null
    },
  }
}
