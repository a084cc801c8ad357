import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../config/index.js'
import { processEnv } from './faults/support.js'
import { startCourtbell } from './helpers/process.js'

/** Settings: what production insists on (issue 14, point 1), and the README's table against the code (point 12). */

const production = (extra: Record<string, string> = {}) =>
  loadConfig({
    NODE_ENV: 'production',
    SMTP_URL: 'smtp://mail.example.org:587',
    PUBLIC_BASE_URL: 'https://courtbell.example.org',
    ...extra,
  })

const settingIn = (fn: () => unknown): string | undefined => {
  try {
    fn()
    return undefined
  } catch (err) {
    if (err instanceof ConfigError) return err.setting
    throw err
  }
}

describe('production mode', () => {
  it('starts with SMTP and a public base URL of its own', () => {
    const config = production()
    expect(config.mail.smtpUrl).toBe('smtp://mail.example.org:587')
    expect(config.http.publicBaseUrl).toBe('https://courtbell.example.org')
  })

  it('refuses to start without SMTP_URL: emails would only be written to files', () => {
    expect(settingIn(() => production({ SMTP_URL: '' }))).toBe('SMTP_URL')
    expect(() => production({ SMTP_URL: '' })).toThrow(/SMTP_URL=outbox:/)
  })

  it('keeps the outbox when SMTP_URL=outbox: asks for it on purpose', () => {
    expect(production({ SMTP_URL: 'outbox:' }).mail.smtpUrl).toBeUndefined()
    expect(loadConfig({ SMTP_URL: 'outbox:' }).mail.smtpUrl).toBeUndefined()
  })

  it('refuses a PUBLIC_BASE_URL left unset or pointing at this machine', () => {
    for (const base of [
      '',
      'http://127.0.0.1:3000',
      'http://localhost:3000',
      'https://[::1]/',
      'http://0.0.0.0',
    ])
      expect(
        settingIn(() => production({ PUBLIC_BASE_URL: base })),
        base,
      ).toBe('PUBLIC_BASE_URL')
  })

  it('asks for neither in development', () => {
    const config = loadConfig({})
    expect(config.mail.smtpUrl).toBeUndefined()
    expect(config.http.publicBaseUrl).toBe('http://127.0.0.1:3000')
  })

  it('a production process without SMTP_URL stops with a message naming the setting', async () => {
    const env = processEnv('cbtest-config-prod', { NODE_ENV: 'production', ROLE: 'api', PORT: '0' })
    const error = await startCourtbell(env, 60_000).then(
      () => undefined,
      (err: Error) => err,
    )
    expect(error?.message).toMatch(/Invalid setting SMTP_URL: required when NODE_ENV=production/)
  }, 90_000)
})

/** Every name loadConfig asks the environment for, in whatever mode. */
function settingsRead(): Set<string> {
  const read = new Set<string>()
  const recording = (values: Record<string, string>) =>
    new Proxy(values, {
      get(target, name) {
        if (typeof name === 'string') read.add(name)
        return target[name as string]
      },
    })
  loadConfig(recording({}))
  loadConfig(recording({ ADMIN_API_KEY: 'an-admin-key-of-16+', CRASH_AT: 'x', SMTP_URL: 'outbox:' }))
  loadConfig(recording({ REDIS_SENTINELS: '127.0.0.1:26379' }))
  loadConfig(
    recording({
      NODE_ENV: 'production',
      SMTP_URL: 'outbox:',
      PUBLIC_BASE_URL: 'https://courtbell.example.org',
    }),
  )
  return read
}

/** The setting names in the first column of the README's configuration table. */
function readmeSettings(): Set<string> {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const section = readme.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? ''
  const names = section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) =>
      [...(line.split('|')[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1] as string),
    )
  return new Set(names)
}

/** Read by the code but not for operators: the fault tests' crash switch. */
const INTERNAL = new Set(['CRASH_AT'])

describe('the README configuration table', () => {
  it('lists every setting the code reads', () => {
    const missing = [...settingsRead()].filter((name) => !INTERNAL.has(name) && !readmeSettings().has(name))
    expect(missing).toEqual([])
  })

  it('lists no setting the code does not read', () => {
    const read = settingsRead()
    expect([...readmeSettings()].filter((name) => !read.has(name))).toEqual([])
  })

  it('gives each setting the default the code uses', async () => {
    const { defaults } = await import('../config/defaults.js')
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    for (const [name, value] of Object.entries(defaults)) {
      const row = readme
        .split('\n')
        .find((line) => line.startsWith('| ') && line.split('|')[1]?.includes(`\`${name}\``))
      expect(row, name).toBeDefined()
      expect(row?.split('|')[2], name).toContain(`\`${value}\``)
    }
  })
})
