// zh-CN and en carry the same keys and placeholders, and every key the code uses exists.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import zhCN from '@/locales/zh-CN'
import en from '@/locales/en'

type Tree = { [key: string]: string | Tree }

function flatten(tree: Tree, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key
    if (typeof value === 'string') out[path] = value
    else Object.assign(out, flatten(value, path))
  }
  return out
}
const placeholders = (message: string) => [...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()

const zh = flatten(zhCN)
const english = flatten(en as Tree)

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return /\.(ts|vue)$/.test(name) && !path.includes('locales') ? [path] : []
  })
}

describe('locales', () => {
  it('have the same keys', () => {
    expect(Object.keys(english).sort()).toEqual(Object.keys(zh).sort())
  })

  it('have the same placeholders in every message', () => {
    for (const key of Object.keys(zh)) {
      expect(placeholders(english[key]), key).toEqual(placeholders(zh[key]))
    }
  })

  it('have no empty messages', () => {
    for (const [key, value] of [...Object.entries(zh), ...Object.entries(english)]) {
      expect(value.trim(), key).not.toBe('')
    }
  })

  it('use the product names of the domain', () => {
    expect(zh['app.name']).toBe('先锋积分')
    expect(zh['errors.invalid_credentials']).toBe('用户名或密码错误')
    expect(zh['role.secretary']).toBe('支部书记')
    expect(zh['role.reviewer']).toBe('支委')
    expect(zh['category.rural_community']).toBe('农村和社区党员')
    expect(zh['category.institution']).toBe('机关企事业单位党员')
    expect(zh['category.new_org']).toBe('两新组织党员')
    expect(zh['category.mobile']).toBe('流动党员')
  })

  it('contain every literal key the source code asks for', () => {
    const src = resolve(__dirname, '../../src')
    const missing: string[] = []
    for (const file of sourceFiles(src)) {
      // Commented-out examples (e.g. future tabs in navigation.ts) are not asked for.
      const text = readFileSync(file, 'utf8').replace(/^\s*\/\/.*$/gm, '')
      for (const match of text.matchAll(/\bt\(\s*'([a-zA-Z_]+(?:\.[a-zA-Z_-]+)+)'/g)) {
        if (!(match[1] in zh)) missing.push(`${file}: ${match[1]}`)
      }
      for (const match of text.matchAll(/(?:label|title):\s*'([a-z]+\.[a-zA-Z_.-]+)'/g)) {
        if (!(match[1] in zh)) missing.push(`${file}: ${match[1]}`)
      }
    }
    expect(missing).toEqual([])
  })
})
