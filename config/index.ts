import { resolve } from 'node:path'
import { defaults, type SettingName } from './defaults.js'
import { ConfigError } from './errors.js'
import { type RedisTopology, redisTopology } from './redis-topology.js'

export type Role = 'all' | 'api' | 'worker'

export type Config = Readonly<{
  env: 'development' | 'production' | 'test'
  role: Role
  http: Readonly<{ port: number; host: string; publicBaseUrl: string }>
  redis: Readonly<{
    url: string
    prefix: string
    embedded: 'auto' | 'off'
    topology: RedisTopology
    /** API writes wait until this many replicas have them (Redis WAIT), up to waitTimeoutMs; 0: no wait. */
    waitReplicas: number
    waitTimeoutMs: number
  }>
  mail: Readonly<{ smtpUrl: string | undefined; from: string; outboxDir: string }>
  adminApiKey: string | undefined
  webhooks: Readonly<{
    allowPrivate: boolean
    timeoutMs: number
    requireHttps: boolean
    /** An endpoint failing this long without a success is disabled; its contact is warned at min(24 h, half). */
    disableAfterMs: number
  }>
  retryScheduleMs: readonly number[]
  reminders: Readonly<{
    courtDayStart: string
    defaultRemindBefore: readonly string[]
    reconcileIntervalMs: number
  }>
  /** Digests go out at this local wall time (HH:mm) in each subscriber's zone. */
  digests: Readonly<{ hour: string }>
  shutdownGraceMs: number
  /**
   * How long a worker's claim on a job lasts (renewed every half of it); the stalled check runs every half
   * too, so a crashed worker's jobs are back in the queue within 1.5 × this.
   */
  jobLockMs: number
  /** Bearer token a Prometheus server scrapes /metrics with (an admin key works too). */
  metricsToken: string | undefined
  /** ROLE=worker only: serve /healthz, /readyz and /metrics on this port (unset: a worker has no HTTP). */
  metricsPort: number | undefined
  /** Requests per minute one API key may make. */
  rateLimitPerMinute: number
  /** Fault tests only: the crash point at which the process kills itself (src/crash-point.ts). */
  crashAt: string | undefined
  dataDir: string
  logLevel: string
}>

export { ConfigError }

const DURATION = /^(\d+)(ms|s|m|h|d)$/
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** '5s' → 5000; used by RETRY_SCHEDULE. */
export function parseShortDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim())
  if (!m) return undefined
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]
}

/** Reads settings from `env` (process.env by default), validates each, and names the first bad one. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const get = (name: SettingName): string | undefined => {
    const value = env[name]
    if (value !== undefined && value !== '') return value
    return name in defaults ? defaults[name as keyof typeof defaults] : undefined
  }
  const must = (name: keyof typeof defaults): string => get(name) as string

  const int = (name: keyof typeof defaults, min: number, max: number): number => {
    const raw = must(name)
    const n = Number(raw)
    if (!/^\d+$/.test(raw) || n < min || n > max)
      throw new ConfigError(name, `expected an integer from ${min} to ${max}, got "${raw}"`)
    return n
  }
  const oneOf = <T extends string>(name: keyof typeof defaults, values: readonly T[]): T => {
    const raw = must(name)
    if (!values.includes(raw as T))
      throw new ConfigError(name, `expected one of ${values.join(', ')}, got "${raw}"`)
    return raw as T
  }
  const bool = (name: keyof typeof defaults): boolean =>
    oneOf(name, ['true', 'false', '1', '0'] as const).match(/^(true|1)$/) !== null
  const url = (name: SettingName, protocols: readonly string[]): string | undefined => {
    const raw = get(name)
    if (raw === undefined) return undefined
    let parsed: URL
    try {
      parsed = new URL(raw)
    } catch {
      throw new ConfigError(name, `not a URL: "${redactUrl(raw)}"`)
    }
    if (!protocols.includes(parsed.protocol))
      throw new ConfigError(name, `expected ${protocols.join(' or ')} URL`)
    return raw
  }

  const env_ = oneOf('NODE_ENV', ['development', 'production', 'test'] as const)
  const retryScheduleMs = must('RETRY_SCHEDULE')
    .split(',')
    .map((part) => {
      const ms = parseShortDuration(part)
      if (ms === undefined)
        throw new ConfigError('RETRY_SCHEDULE', `"${part}" is not a duration like 5s, 5m, 2h`)
      return ms
    })
  const remindBefore = must('DEFAULT_REMIND_BEFORE')
    .split(',')
    .map((s) => s.trim().toUpperCase())
  for (const d of remindBefore)
    if (!/^P(?!$)(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/.test(d))
      throw new ConfigError('DEFAULT_REMIND_BEFORE', `"${d}" is not an ISO 8601 duration like P1D or PT2H`)
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(must('COURT_DAY_START')))
    throw new ConfigError('COURT_DAY_START', 'expected HH:mm, e.g. 09:00')
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(must('DIGEST_HOUR')))
    throw new ConfigError('DIGEST_HOUR', 'expected HH:mm, e.g. 07:00')
  const adminApiKey = get('ADMIN_API_KEY')
  if (adminApiKey !== undefined && adminApiKey.length < 16)
    throw new ConfigError('ADMIN_API_KEY', 'must be at least 16 characters')
  const prefix = must('REDIS_PREFIX')
  if (!/^[A-Za-z0-9_{}.-]+$/.test(prefix))
    throw new ConfigError('REDIS_PREFIX', 'letters, digits, _ . - { } only')
  const dataDir = resolve(must('DATA_DIR'))
  if (env_ === 'production') requireForProduction(env)
  const duration = (name: keyof typeof defaults): number => {
    const ms = parseShortDuration(must(name))
    if (ms === undefined || ms < 1000)
      throw new ConfigError(name, `"${must(name)}" is not a duration of at least 1s, like 36h or 5d`)
    return ms
  }
  const optionalPort = (name: SettingName): number => {
    const raw = get(name) as string
    if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 65535)
      throw new ConfigError(name, `expected a port from 1 to 65535, got "${raw}"`)
    return Number(raw)
  }
  const metricsToken = get('METRICS_TOKEN')
  if (metricsToken !== undefined && metricsToken.length < 16)
    throw new ConfigError('METRICS_TOKEN', 'must be at least 16 characters')

  const config: Config = {
    env: env_,
    role: oneOf('ROLE', ['all', 'api', 'worker'] as const),
    http: {
      port: int('PORT', 0, 65535),
      host: must('HOST'),
      publicBaseUrl: (url('PUBLIC_BASE_URL', ['http:', 'https:']) as string).replace(/\/+$/, ''),
    },
    redis: {
      url: url('REDIS_URL', ['redis:', 'rediss:']) as string,
      prefix,
      embedded: oneOf('EMBEDDED_REDIS', ['auto', 'off'] as const),
      topology: redisTopology(get, prefix),
      waitReplicas: int('REDIS_WAIT_REPLICAS', 0, 16),
      waitTimeoutMs: int('REDIS_WAIT_TIMEOUT_MS', 1, 60_000),
    },
    mail: {
      // 'outbox:' asks for the outbox on purpose (production refuses to fall back to it silently).
      smtpUrl: outboxOrSmtp(url('SMTP_URL', ['smtp:', 'smtps:', 'outbox:'])),
      from: must('MAIL_FROM'),
      outboxDir: resolve(dataDir, 'outbox'),
    },
    adminApiKey,
    webhooks: {
      allowPrivate: bool('WEBHOOK_ALLOW_PRIVATE'),
      timeoutMs: int('WEBHOOK_TIMEOUT_MS', 100, 120_000),
      requireHttps: env_ === 'production',
      disableAfterMs: duration('WEBHOOK_DISABLE_AFTER'),
    },
    retryScheduleMs,
    reminders: {
      courtDayStart: must('COURT_DAY_START'),
      defaultRemindBefore: remindBefore,
      reconcileIntervalMs: int('RECONCILE_INTERVAL_MS', 1000, 86_400_000),
    },
    digests: { hour: must('DIGEST_HOUR') },
    shutdownGraceMs: int('SHUTDOWN_GRACE_MS', 0, 600_000),
    jobLockMs: int('JOB_LOCK_MS', 1000, 600_000),
    metricsToken,
    metricsPort: get('METRICS_PORT') === undefined ? undefined : optionalPort('METRICS_PORT'),
    rateLimitPerMinute: int('RATE_LIMIT_PER_MINUTE', 1, 10_000_000),
    crashAt: get('CRASH_AT'),
    dataDir,
    logLevel: oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
  }
  return deepFreeze(config)
}

const outboxOrSmtp = (raw: string | undefined) => (raw?.startsWith('outbox:') ? undefined : raw)

/**
 * In production, two defaults that suit a laptop would fail silently: emails written to files instead of
 * sent, and links in them pointing at 127.0.0.1. Each must be chosen on purpose.
 */
function requireForProduction(env: Record<string, string | undefined>) {
  if (!env.SMTP_URL)
    throw new ConfigError(
      'SMTP_URL',
      'required when NODE_ENV=production, or emails are only written to files; set smtp://… or smtps://…, or SMTP_URL=outbox: to keep the outbox on purpose',
    )
  const base = env.PUBLIC_BASE_URL
  const example = 'e.g. https://courtbell.example.org'
  if (!base)
    throw new ConfigError(
      'PUBLIC_BASE_URL',
      `required when NODE_ENV=production: the links in emails use it (${example})`,
    )
  let host = ''
  try {
    host = new URL(base).hostname.replace(/^\[|\]$/g, '')
  } catch {
    return // url() names the setting with a better message
  }
  if (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    /^127\./.test(host) ||
    host === '0.0.0.0'
  )
    throw new ConfigError(
      'PUBLIC_BASE_URL',
      `points at this machine (${host}); in production the links in emails must reach the service from outside (${example})`,
    )
}

export function redactUrl(raw: string): string {
  return raw.replace(/\/\/[^@/]*@/, '//***@')
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}
