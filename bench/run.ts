/**
 * npm run bench [-- --quick | --large] [--only=api,precision,delivery,scale,reschedule,calendar,deadlines] [--profile]
 *               [--redis-hz=N] [--routes=get,list,post]
 *
 * Measures courtbell as it runs (its own processes, a real redis-server, real HTTP and SMTP on loopback)
 * and prints every figure beside a baseline measured in the same run. See bench/README.md.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { createCtx } from './lib/context.js'
import { ROOT } from './lib/proc.js'
import { startPrivateRedis } from './lib/redis-server.js'
import { sizesFor } from './lib/sizes.js'
import { renderTable } from './lib/table.js'
import { deletePrefix, removeScratch } from './lib/util.js'
import { apiSection } from './sections/api.js'
import { calendarSection } from './sections/calendar.js'
import { deadlinesSection } from './sections/deadlines.js'
import { deliverySection } from './sections/delivery.js'
import { precisionSection } from './sections/precision.js'
import { rescheduleSection } from './sections/reschedule.js'
import { scaleSection } from './sections/scale.js'

const SECTIONS = {
  api: apiSection,
  precision: precisionSection,
  delivery: deliverySection,
  scale: scaleSection,
  reschedule: rescheduleSection,
  calendar: calendarSection,
  deadlines: deadlinesSection,
} as const
type SectionName = keyof typeof SECTIONS

const argv = process.argv.slice(2)
const flag = (name: string) => argv.includes(`--${name}`)
const mode = flag('quick') ? 'quick' : flag('large') ? 'large' : 'full'
const onlyArg = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length)
const only = (onlyArg ? onlyArg.split(',') : Object.keys(SECTIONS)) as SectionName[]
for (const name of only) if (!(name in SECTIONS)) throw new Error(`unknown section ${name}`)
const sizes = sizesFor(mode)
const runId = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${mode}`
const runDir = join(ROOT, 'bench', 'results', runId)
mkdirSync(runDir, { recursive: true })

const started = Date.now()
const hzArg = argv.find((a) => a.startsWith('--redis-hz='))?.slice('--redis-hz='.length)
// `hz 100` as README.md recommends; --redis-hz=10 shows Redis's default.
const redis = await startPrivateRedis({ hz: hzArg ? Number(hzArg) : 100 })
const ctx = createCtx({
  mode,
  sizes,
  redis,
  runId: runId.toLowerCase(),
  runDir,
  profile: flag('profile'),
  argv,
})

const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  node: process.version,
  redis: redis.version,
  os: `${os.type()} ${os.release()}`,
}
console.log(`courtbell bench — mode ${mode}, sections ${only.join(', ')}`)
console.log(
  `machine: ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, load ${machine.loadAverageAtStart.join(' ')}; Node ${machine.node}; Redis ${machine.redis}; ${machine.os}`,
)
console.log(`redis: private redis-server on ${redis.url} (${redis.args.join(' ')})`)
console.log(`logs and raw results: ${runDir}`)
console.log(`sizes: ${JSON.stringify(sizes)}`)

let failed: unknown
const timings: Record<string, number> = {}
try {
  for (const name of only) {
    const t0 = Date.now()
    process.stdout.write(`\n▶ ${name} … `)
    try {
      await SECTIONS[name](ctx)
      timings[name] = Date.now() - t0
      console.log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    } catch (err) {
      timings[name] = Date.now() - t0
      console.log(
        `FAILED after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${err instanceof Error ? err.stack : err}`,
      )
      ctx.notes.push(`section ${name} failed: ${err instanceof Error ? err.message : String(err)}`)
      failed ??= err
    }
  }
} finally {
  for (const prefix of ctx.prefixes) await deletePrefix(redis.client, prefix).catch(() => undefined)
  // A cleanup failure must not cost the results: say so and go on to print them.
  await redis.destroy().catch((err) => ctx.notes.push(`private Redis cleanup failed: ${err}`))
  removeScratch()
}

console.log('\nsettings of the courtbell processes (per section/process):')
const common = commonSettings(
  Object.entries(ctx.settings)
    .filter(([k]) => !k.startsWith('bare/'))
    .map(([, v]) => v),
)
console.log(
  `  every process: ${Object.entries(common)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}`,
)
for (const [who, env] of Object.entries(ctx.settings)) {
  const own = Object.entries(env).filter(
    ([k, v]) => common[k] !== v && k !== 'PORT' && k !== 'PUBLIC_BASE_URL',
  )
  console.log(`  ${who}: ${own.map(([k, v]) => `${k}=${v}`).join(' ')}`)
}
if (ctx.notes.length > 0) console.log(`\n${ctx.notes.map((n) => `note: ${n}`).join('\n')}`)
console.log(`\n${renderTable(ctx.rows)}`)
const totalS = (Date.now() - started) / 1000
console.log(`\ntotal ${totalS.toFixed(1)} s`)

const jsonPath = join(ROOT, 'bench', 'results', `${runId}.json`)
writeFileSync(
  jsonPath,
  JSON.stringify(
    {
      runId,
      mode,
      machine,
      redisArgs: redis.args,
      sizes,
      settings: ctx.settings,
      timings,
      totalS,
      notes: ctx.notes,
      rows: ctx.rows,
      details: ctx.details,
    },
    null,
    2,
  ),
)
// In biome's own JSON style, so that `npm run lint` (biome checks bench/**) passes while results exist.
spawnSync(join(ROOT, 'node_modules', '.bin', 'biome'), ['format', '--write', jsonPath], { stdio: 'ignore' })
console.log(`results: ${jsonPath}`)
process.exitCode = failed ? 1 : 0

function commonSettings(envs: Record<string, string>[]): Record<string, string> {
  const [first, ...rest] = envs
  if (!first) return {}
  return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((e) => e[k] === v)))
}
