/**
 * Summarises V8 .cpuprofile files (from `npm run bench -- --profile`, which runs every courtbell process
 * with --cpu-prof): self and inclusive time per function and self time per package/module.
 *
 *   npx tsx bench/profile-summary.ts <file.cpuprofile | dir> [--top=25] [--filter=src/]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { ROOT } from './lib/proc.js'

type Node = {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
  children?: number[]
}
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

const args = process.argv.slice(2)
const top = Number(args.find((a) => a.startsWith('--top='))?.slice(6) ?? 25)
const filter = args.find((a) => a.startsWith('--filter='))?.slice(9)
const callersOf = args.find((a) => a.startsWith('--callers='))?.slice(10)
const paths = args.filter((a) => !a.startsWith('--'))
const files = paths.flatMap((p) =>
  statSync(p).isDirectory()
    ? readdirSync(p)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => join(p, f))
    : [p],
)

for (const file of files) summarise(file)

function where(url: string): string {
  const path = url.replace(/^file:\/\//, '')
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)
  if (nm) return nm[1] as string
  if (path.startsWith(ROOT)) return relative(ROOT, path)
  if (path.startsWith('node:')) return path
  return path === '' ? '(native/v8)' : path
}

function summarise(file: string) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const key = (n: Node) =>
    `${n.callFrame.functionName || '(anonymous)'}  ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`
  const self = new Map<string, number>()
  const incl = new Map<string, number>()
  const module = new Map<string, number>()
  let total = 0
  let idle = 0
  for (const [i, id] of profile.samples.entries()) {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000
    total += dt
    const node = byId.get(id)
    if (!node) continue
    const name = node.callFrame.functionName
    if (name === '(idle)') {
      idle += dt
      continue
    }
    self.set(key(node), (self.get(key(node)) ?? 0) + dt)
    const mod = name === '(garbage collector)' || name === '(program)' ? name : where(node.callFrame.url)
    module.set(mod, (module.get(mod) ?? 0) + dt)
    const seen = new Set<string>()
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)
      if (!n) break
      const k = key(n)
      if (seen.has(k)) continue
      seen.add(k)
      incl.set(k, (incl.get(k) ?? 0) + dt)
    }
  }
  if (callersOf) {
    // Time of `callersOf` split by the chain of (up to 6) frames above it.
    const chains = new Map<string, number>()
    for (const [i, id] of profile.samples.entries()) {
      const dt = (profile.timeDeltas[i] ?? 0) / 1000
      let cur: number | undefined = id
      while (cur !== undefined && byId.get(cur)?.callFrame.functionName !== callersOf) cur = parent.get(cur)
      if (cur === undefined) continue
      const chain: string[] = []
      for (
        let up = parent.get(cur);
        up !== undefined && chain.length < (Number(process.env.DEPTH) || 14);
        up = parent.get(up)
      ) {
        const n = byId.get(up)
        if (n)
          chain.push(
            `${n.callFrame.functionName || '(anon)'}@${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`,
          )
      }
      const k = chain.join(' < ')
      chains.set(k, (chains.get(k) ?? 0) + dt)
    }
    console.log(`\n  callers of ${callersOf}`)
    for (const [k, ms] of [...chains.entries()].sort((a, b) => b[1] - a[1]).slice(0, top))
      console.log(`  ${ms.toFixed(0).padStart(8)} ms  ${k}`)
    return
  }
  const busy = total - idle
  const pct = (ms: number) => `${((ms / busy) * 100).toFixed(1).padStart(5)}%`
  const show = (title: string, m: Map<string, number>) => {
    console.log(`\n  ${title}`)
    const rows = [...m.entries()].filter(([k]) => !filter || k.includes(filter)).sort((a, b) => b[1] - a[1])
    for (const [k, ms] of rows.slice(0, top))
      console.log(`  ${ms.toFixed(0).padStart(8)} ms ${pct(ms)}  ${k}`)
  }
  console.log(
    `\n== ${relative(process.cwd(), file)}: ${(total / 1000).toFixed(1)} s sampled, ${(busy / 1000).toFixed(1)} s busy (${((busy / total) * 100).toFixed(0)}%)`,
  )
  show('self time by module', module)
  show('self time by function', self)
  show('inclusive time by function', incl)
}
