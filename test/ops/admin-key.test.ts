import { readFileSync } from 'node:fs'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXAMPLE_ADMIN_KEYS, reportAdminKey } from '../../src/keys/admin-key.js'
import { ADMIN_KEY, type Harness, startHarness } from '../helpers/harness.js'

/** The admin key at start-up (issue 14, point 2): replacements are logged, README keys warned about in production. */

let h: Harness
beforeAll(async () => {
  h = await startHarness({ name: 'ops-admin-key' })
})
afterAll(async () => h?.close())

function capture() {
  const lines: { level: number; msg: string; [k: string]: unknown }[] = []
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) })
  const printed: string[] = []
  return { log, lines, printed, print: (text: string) => printed.push(text) }
}

const status = async (key: string) =>
  (await h.app.inject({ method: 'GET', url: '/v1/api-keys', headers: { authorization: `Bearer ${key}` } }))
    .statusCode

describe('the admin key at start-up', () => {
  it('keeps the configured key across restarts and says nothing', async () => {
    const out = capture()
    reportAdminKey(await h.services.keys.ensureAdminKey(ADMIN_KEY), { production: true, ...out })
    expect(out.lines).toEqual([])
    expect(await status(ADMIN_KEY)).toBe(200)
  })

  it('logs a warning when ADMIN_API_KEY replaces another admin key, which then stops working', async () => {
    const replacement = 'rotated-admin-key-0123456789'
    const out = capture()
    reportAdminKey(await h.services.keys.ensureAdminKey(replacement), { production: false, ...out })
    const warning = out.lines.find((l) => l.level === 40)
    expect(warning?.msg).toMatch(/replaces the earlier admin key/)
    expect(warning?.previousKey).toBe('admin (ADMIN_API_KEY)')
    expect(await status(ADMIN_KEY)).toBe(401)
    expect(await status(replacement)).toBe(200)
    await h.services.keys.ensureAdminKey(ADMIN_KEY) // back, for the other tests
  })

  it('warns in production, at every start, when the admin key is an example from the README', async () => {
    const example = EXAMPLE_ADMIN_KEYS[0]
    await h.services.keys.ensureAdminKey(example)
    // Started later without ADMIN_API_KEY, the example key is still the admin key: still warned about.
    for (const configured of [example, undefined]) {
      const out = capture()
      reportAdminKey(await h.services.keys.ensureAdminKey(configured), { production: true, ...out })
      expect(out.lines.some((l) => l.level === 40 && /example key from the README/.test(l.msg))).toBe(true)
    }
    const dev = capture()
    reportAdminKey(await h.services.keys.ensureAdminKey(example), { production: false, ...dev })
    expect(dev.lines.filter((l) => l.level >= 40)).toEqual([])
    await h.services.keys.ensureAdminKey(ADMIN_KEY)
  })

  it('knows every admin key the README shows', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    const shown = [...readme.matchAll(/ADMIN_API_KEY=([^\s`'"]+)/g)].map((m) => m[1] as string)
    expect(shown.length).toBeGreaterThan(0)
    for (const key of shown.filter((k) => k.length >= 16)) expect(EXAMPLE_ADMIN_KEYS).toContain(key)
  })
})
