// How the build splits the app into files, for a fast first visit to the home page.
import { VantResolver } from '@vant/auto-import-resolver'
import type { ComponentResolver } from 'unplugin-vue-components'
import type { Plugin, Rollup } from 'vite'

const SHELL = /[\\/]src[\\/]layouts[\\/]TabLayout\.vue$/
const HOME = /[\\/]src[\\/]pages[\\/]HomePage\.vue$/
const API = /[\\/]src[\\/]api[\\/][^\\/]+\.ts$/
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
 * How the app is split for a fast first visit, over HTTP/1.1 on a slow network where each file
 * costs a round trip and the page's data requests queue behind them:
 * - the entry holds what every start needs, and the API client modules (src/api): a page's
 *   first read calls them, and must not wait for another screen's chunk;
 * - `shell`: the signed-in layout every screen opens in, with what the home page shares with
 *   other screens (Vant's buttons, tags, icons...), in one chunk and one stylesheet;
 * - `home`: the rest of the home page, the screen the app opens on, likewise in one chunk
 *   instead of some thirty small files;
 * - the other pages keep their own chunks.
 */
export function startupChunks(): Rollup.GetManualChunk {
  let chunkOf: Map<string, string> | null = null
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
  const plan = (meta: Rollup.ManualChunkMeta): Map<string, string> => {
    const ids = [...meta.getModuleIds()]
    const entry = closure(ids.filter((m) => meta.getModuleInfo(m)?.isEntry), meta)
    const start = new Set(
      [...closure(ids.filter((m) => SHELL.test(m) || HOME.test(m)), meta)].filter((m) => !entry.has(m)),
    )
    const elsewhere = (m: string) => !entry.has(m) && !start.has(m)
    const shared = [...start].filter((m) => {
      const info = meta.getModuleInfo(m)
      return SHELL.test(m) || [...(info?.importers ?? []), ...(info?.dynamicImporters ?? [])].some(elsewhere)
    })
    const shell = closure(shared, meta)
    const chunks = new Map<string, string>()
    // The entry's modules are named too: Rollup pulls a manual chunk's unnamed dependencies in.
    for (const m of ids) {
      if (entry.has(m) || API.test(m)) chunks.set(m, 'index')
      else if (start.has(m)) chunks.set(m, shell.has(m) ? 'shell' : 'home')
    }
    return chunks
  }
  return (id, meta) => {
    chunkOf ??= plan(meta)
    return chunkOf.get(id)
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
