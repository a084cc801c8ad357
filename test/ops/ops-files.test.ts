import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { registry } from '../../src/metrics/metrics.js'

/**
 * What operators deploy from the repository: the alert rules, the Grafana dashboard, compose.yaml and the
 * Dockerfile. Checked with the tools themselves where they are installed (promtool, docker-compose; .ci/run
 * installs both from Debian), and always by reading them against what courtbell exports.
 */
const root = fileURLToPath(new URL('../..', import.meta.url))
const read = (path: string) => readFileSync(`${root}/${path}`, 'utf8')
const installed = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0

const exported = new Set((await registry.getMetricsAsJSON()).map((m) => m.name))
/** courtbell_* names an expression uses that courtbell does not export (histogram suffixes allowed). */
const unknownMetrics = (expr: string) =>
  [...expr.matchAll(/\bcourtbell_[a-z_]+/g)]
    .map((m) => m[0])
    .filter((name) => !exported.has(name.replace(/_(bucket|sum|count)$/, '')) && !exported.has(name))

type Rule = {
  alert: string
  expr: string
  for: string
  labels: Record<string, string>
  annotations: Record<string, string>
}

describe('ops/prometheus/alerts.yml', () => {
  const rules = (parse(read('ops/prometheus/alerts.yml')).groups as { rules: Rule[] }[]).flatMap(
    (g) => g.rules,
  )

  it('alerts on what the issue names, each with a severity, a summary and a description', () => {
    const names = rules.map((r) => r.alert)
    for (const name of [
      'CourtbellReminderLagHigh',
      'CourtbellOldestOverdue',
      'CourtbellWebhookFailuresHigh',
      'CourtbellReconcilerPassTooLong',
    ])
      expect(names).toContain(name)
    for (const rule of rules) {
      expect(rule.labels.severity, rule.alert).toMatch(/^(page|ticket)$/)
      expect(rule.annotations.summary, rule.alert).toBeTruthy()
      expect(rule.annotations.description, rule.alert).toBeTruthy()
      expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/)
      expect(unknownMetrics(rule.expr), rule.alert).toEqual([])
      expect(rule.expr, rule.alert).toMatch(/courtbell_/)
    }
  })

  it.runIf(installed('promtool'))('passes promtool check rules and its unit tests', () => {
    const check = spawnSync('promtool', ['check', 'rules', 'ops/prometheus/alerts.yml'], { cwd: root })
    expect(check.status, String(check.stdout) + String(check.stderr)).toBe(0)
    const test = spawnSync('promtool', ['test', 'rules', 'ops/prometheus/alerts.test.yml'], { cwd: root })
    expect(test.status, String(test.stdout) + String(test.stderr)).toBe(0)
  })
})

describe('ops/grafana/courtbell.json', () => {
  type Panel = { id: number; title: string; targets: { expr: string }[] }
  const dashboard = JSON.parse(read('ops/grafana/courtbell.json')) as { uid: string; panels: Panel[] }

  it('has the panels an on-call person needs, each querying what courtbell exports', () => {
    const titles = dashboard.panels.map((p) => p.title)
    for (const title of [
      'Deliveries by status',
      'Reminder lag p50 / p99',
      'Queue depth',
      'Oldest overdue',
      'HTTP errors',
    ])
      expect(titles).toContain(title)
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length)
    for (const panel of dashboard.panels) {
      expect(panel.targets.length, panel.title).toBeGreaterThan(0)
      for (const target of panel.targets) expect(unknownMetrics(target.expr), panel.title).toEqual([])
    }
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n')
    expect(exprs).toContain('histogram_quantile(0.5, sum by (le) (rate(courtbell_reminder_lag_seconds_bucket')
    expect(exprs).toContain(
      'histogram_quantile(0.99, sum by (le) (rate(courtbell_reminder_lag_seconds_bucket',
    )
  })
})

describe('compose.yaml', () => {
  type Service = {
    image?: string
    command?: string[]
    ports?: string[]
    volumes?: string[]
    container_name?: string
    healthcheck?: { test: string[] }
    environment?: Record<string, string>
    depends_on?: Record<string, { condition: string }>
  }
  const compose = parse(read('compose.yaml'), { merge: true }) as {
    services: Record<string, Service>
    volumes: Record<string, unknown>
  }
  const { redis, mailpit, api, worker } = compose.services

  it('runs Redis with AOF, noeviction and hz 100 on a volume, and Mailpit as the SMTP server', () => {
    const args = (redis?.command ?? []).join(' ')
    expect(args).toContain('--appendonly yes')
    expect(args).toContain('--maxmemory-policy noeviction')
    expect(args).toContain('--hz 100')
    expect(redis?.volumes).toEqual(['redis-data:/data'])
    expect(compose.volumes).toHaveProperty('redis-data')
    expect(mailpit?.image).toMatch(/^axllent\/mailpit/)
    expect(api?.environment?.SMTP_URL).toBe('smtp://mailpit:1025')
  })

  it('has an api and a worker that can be scaled, every service with a health check', () => {
    expect(api?.environment?.ROLE).toBe('api')
    expect(worker?.environment?.ROLE).toBe('worker')
    // --scale worker=3 needs no fixed host port and no fixed container name.
    expect(worker?.ports).toBeUndefined()
    expect(worker?.container_name).toBeUndefined()
    for (const [name, service] of Object.entries(compose.services))
      expect(service.healthcheck?.test.length, name).toBeGreaterThan(0)
    for (const service of [api, worker]) expect(service?.depends_on?.redis?.condition).toBe('service_healthy')
  })

  it.runIf(installed('docker-compose'))('is valid for docker-compose config', () => {
    const env = { ...process.env, ADMIN_API_KEY: 'compose-admin-key-0123456789' }
    const run = (...args: string[]) =>
      execFileSync('docker-compose', ['-f', 'compose.yaml', 'config', ...args], { cwd: root, env }).toString()
    expect(run('--quiet')).toBe('')
    expect(run('--services').split('\n').filter(Boolean).sort()).toEqual([
      'api',
      'mailpit',
      'redis',
      'worker',
    ])
  })
})

describe('Dockerfile', () => {
  it('builds and runs on Node 22 LTS', () => {
    const stages = [...read('Dockerfile').matchAll(/^FROM (\S+)/gm)].map((m) => m[1])
    expect(stages).toHaveLength(3)
    for (const image of stages) expect(image).toMatch(/^node:22[.-]/)
  })
})
