// How the build splits the app into files, for a fast first visit to the home page.
import { VantResolver } from '@vant/auto-import-resolver'
import type { ComponentResolver } from 'unplugin-vue-components'
import type { Plugin, Rollup } from 'vite'

const HOME_ROOTS = [/[\\/]src[\\/]layouts[\\/]TabLayout\.vue$/, /[\\/]src[\\/]pages[\\/]HomePage\.vue$/]
// Vant's index re-exports every component: a chunk that imports it takes them all in.
const BARREL = /[\\/]node_modules[\\/]vant[\\/]es[\\/]index\.mjs$/

/** Vant's resolver, importing each component from its own module rather than Vant's index. */
export function vantComponents(): ComponentResolver {
  const vant = VantResolver()
  return {
    type: 'component',
    resolve: (name: string) => {
      const found = vant.resolve(name)
      const dir = found?.sideEffects?.match(/^vant\/es\/([^/]+)\/style\/index$/)?.[1]
      return found && dir ? { ...found, from: `vant/es/${dir}` } : found
    },
  }
}

/**
 * The signed-in shell and the home page, the screen the app opens on, in one chunk (with one
 * stylesheet) instead of some thirty small files: over HTTP/1.1 on a slow network each file
 * costs a round trip, and the page's data requests queue behind them. What the entry already
 * holds stays in the entry; the other pages keep their own chunks.
 */
export function homeChunk(): Rollup.GetManualChunk {
  let entry: Set<string> | null = null
  let home: Set<string> | null = null
  const closure = (roots: string[], meta: Rollup.ManualChunkMeta): Set<string> => {
    const seen = new Set<string>()
    const stack = [...roots]
    while (stack.length) {
      const id = stack.pop()!
      if (seen.has(id)) continue
      if (BARREL.test(id)) {
        throw new Error(`${roots.join(', ')} reach Vant's index: import from 'vant/es/<component>' instead`)
      }
      seen.add(id)
      stack.push(...(meta.getModuleInfo(id)?.importedIds ?? []))
    }
    return seen
  }
  return (id, meta) => {
    if (!entry || !home) {
      const ids = [...meta.getModuleIds()]
      const start = closure(ids.filter((m) => meta.getModuleInfo(m)?.isEntry), meta)
      const shell = closure(ids.filter((m) => HOME_ROOTS.some((r) => r.test(m))), meta)
      entry = start
      home = new Set([...shell].filter((m) => !start.has(m)))
    }
    // The entry's modules are named too: Rollup pulls a manual chunk's unnamed dependencies in.
    if (entry.has(id)) return 'index'
    return home.has(id) ? 'home' : undefined
  }
}

/**
 * Marks the scripts the home page runs at start (the entry, what it imports, the home chunk) for
 * Chrome's explicit compile hints: their functions are compiled on a background thread while the
 * file streams in, instead of one by one on the main thread the first time each runs, which
 * made up much of the first render's long task. Other browsers ignore the comment.
 */
export function compileHints(): Plugin {
  return {
    name: 'vp-compile-hints',
    apply: 'build',
    generateBundle: {
      // After Vite's own rewriting of the chunks' code.
      order: 'post',
      handler(_options, bundle) {
        const chunks = Object.values(bundle).filter((c): c is Rollup.OutputChunk => c.type === 'chunk')
        const startup = new Set<string>()
        const visit = (chunk: Rollup.OutputChunk | undefined) => {
          if (!chunk || startup.has(chunk.fileName)) return
          startup.add(chunk.fileName)
          for (const name of chunk.imports) visit(chunks.find((c) => c.fileName === name))
        }
        for (const chunk of chunks) if (chunk.isEntry || chunk.name === 'home') visit(chunk)
        for (const chunk of chunks) {
          if (startup.has(chunk.fileName)) chunk.code = `//# allFunctionsCalledOnLoad\n${chunk.code}`
        }
      },
    },
  }
}
