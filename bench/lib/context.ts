import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { type Child, spawnChild } from './proc.js'
import type { PrivateRedis } from './redis-server.js'
import { ADMIN_KEY } from './services.js'
import type { Sizes } from './sizes.js'
import { freePort, scratchDir } from './util.js'

/** One line of the results table. `value` and `baseline` are in `unit`; `ratio` is value / baseline. */
export type Row = {
  section: string
  metric: string
  value: number
  baseline: number | null
  /** What the baseline is (printed in the notes). */
  baselineLabel?: string
  unit: string
  ratio: number | null
  target: string
  /** true / false when there is a target; null for context rows. */
  met: boolean | null
  note?: string
}

export type Ctx = {
  mode: 'quick' | 'full' | 'large'
  /** The command line, for section-specific options (e.g. --routes=). */
  argv: string[]
  sizes: Sizes
  redis: PrivateRedis
  runId: string
  runDir: string
  logDir: string
  profileDir: string | undefined
  rows: Row[]
  /** Raw figures per section, written to the JSON. */
  details: Record<string, unknown>
  /** Settings per section (printed and written to the JSON). */
  settings: Record<string, Record<string, string>>
  notes: string[]
  prefixes: string[]
  newPrefix(section: string): string
  row(row: Omit<Row, 'ratio'> & { ratio?: number | null }): void
  startCourtbell(opts: CourtbellOptions): Promise<Courtbell>
  startBare(opts: {
    name: string
    script: string
    env: Record<string, string>
    ipc?: boolean
    readyLine?: string
  }): Promise<Child>
}

export type CourtbellOptions = {
  section: string
  name: string
  role: 'api' | 'worker' | 'all'
  prefix: string
  env?: Record<string, string>
}
export type Courtbell = Child & { port: number; baseUrl: string; env: Record<string, string> }

/** The courtbell settings every bench process gets; section-specific ones are added on top and printed. */
export function baseEnv(redisUrl: string, prefix: string, port: number): Record<string, string> {
  return {
    NODE_ENV: 'development',
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    EMBEDDED_REDIS: 'off',
    ADMIN_API_KEY: ADMIN_KEY,
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    // Loopback receivers and sinks only.
    WEBHOOK_ALLOW_PRIVATE: 'true',
    // The per-key limit (3000/min by default) would turn a load test into a 429 test.
    RATE_LIMIT_PER_MINUTE: '10000000',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    DATA_DIR: scratchDir('data'),
  }
}

export function createCtx(init: {
  mode: Ctx['mode']
  sizes: Sizes
  redis: PrivateRedis
  runId: string
  runDir: string
  profile: boolean
  argv: string[]
}): Ctx {
  const logDir = join(init.runDir, 'logs')
  mkdirSync(logDir, { recursive: true })
  const profileDir = init.profile ? join(init.runDir, 'profiles') : undefined
  let seq = 0
  const ctx: Ctx = {
    ...init,
    logDir,
    profileDir,
    rows: [],
    details: {},
    settings: {},
    notes: [],
    prefixes: [],
    newPrefix(section) {
      // Short, like the default 'courtbell' (9 characters): key names are part of the memory measured. The
      // Redis is the bench's own, so a prefix only has to be unique within this run.
      const prefix = `cb-${section.replace(/[^a-z]/g, '').slice(0, 4)}${++seq}`
      ctx.prefixes.push(prefix)
      return prefix
    },
    row(r) {
      const ratio =
        r.ratio !== undefined
          ? r.ratio
          : r.baseline === null || r.baseline === 0
            ? null
            : r.value / r.baseline
      ctx.rows.push({ ...r, ratio })
    },
    async startCourtbell(opts) {
      const port = await freePort()
      const env = { ...baseEnv(init.redis.url, opts.prefix, port), ROLE: opts.role, ...opts.env }
      const shown = { ...env, ADMIN_API_KEY: '[bench key]' }
      delete (shown as Record<string, string | undefined>).DATA_DIR
      ctx.settings[`${opts.section}/${opts.name}`] = shown
      const nodeArgs = profileDir
        ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, `${opts.section}-${opts.name}`)}`]
        : undefined
      const child = await spawnChild({
        name: `${opts.section}-${opts.name}`,
        script: 'src/main.ts',
        env,
        logDir,
        nodeArgs,
        readyLine: 'courtbell started',
        readyTimeoutMs: 60_000,
      })
      return Object.assign(child, { port, baseUrl: `http://127.0.0.1:${port}`, env })
    },
    startBare(opts) {
      return spawnChild({
        name: opts.name,
        script: opts.script,
        env: opts.env,
        logDir,
        ipc: opts.ipc ?? false,
        ...(opts.readyLine ? { readyLine: opts.readyLine } : {}),
        readyTimeoutMs: 60_000,
      })
    },
  }
  return ctx
}
