// Compiles the locale messages at build time, so that the app ships vue-i18n without its message
// compiler (__INTLIFY_DROP_MESSAGE_COMPILER__) and never parses a message on the phone.
//
// Every string that is a property value in a locale module (src/locales/*.ts but index.ts) becomes
// the message's AST, which vue-i18n's runtime turns into a message function on first use. The
// source files stay plain strings: the dev server and the unit tests use them as they are, with
// the compiler included.
import { baseCompile } from '@intlify/message-compiler'
import type { Plugin } from 'vite'

const LOCALE_MODULE = /[\\/]src[\\/]locales[\\/](?!index\.)[^\\/]+\.ts$/

interface Node {
  type: string
  start: number
  end: number
  [key: string]: unknown
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as Node).type === 'string'
}

/** The AST of one message, as a JavaScript expression; throws on a message that does not parse. */
export function compileMessage(source: string, where: string): string {
  const errors: string[] = []
  const { ast } = baseCompile(source, {
    jit: true,
    location: false,
    minify: true,
    onError: (error) => errors.push(error.message),
  })
  if (errors.length) throw new Error(`${where}: message ${JSON.stringify(source)}: ${errors.join('; ')}`)
  return JSON.stringify(ast)
}

export function precompileMessages(): Plugin {
  return {
    name: 'vp-precompile-messages',
    apply: 'build',
    // After esbuild has turned the TypeScript into JavaScript.
    enforce: 'post',
    transform(code, id) {
      if (!LOCALE_MODULE.test(id.split('?')[0])) return null
      const program = this.parse(code) as unknown as Node
      const edits: { start: number; end: number; text: string }[] = []
      const visit = (node: Node): void => {
        if (node.type === 'Property') {
          const value = node.value as Node
          if (value.type === 'Literal' && typeof value.value === 'string') {
            edits.push({ start: value.start, end: value.end, text: compileMessage(value.value, id) })
            return
          }
        }
        for (const child of Object.values(node)) {
          if (Array.isArray(child)) child.filter(isNode).forEach(visit)
          else if (isNode(child)) visit(child)
        }
      }
      visit(program)
      let out = code
      for (const edit of edits.sort((a, b) => b.start - a.start)) {
        out = out.slice(0, edit.start) + edit.text + out.slice(edit.end)
      }
      return { code: out, map: null }
    },
  }
}
