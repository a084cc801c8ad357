import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadBuiltInRules, RuleFileError } from '../../src/deadlines/builtin-rules.js'
import { bilash, type Harness, startHarness } from '../helpers/harness.js'

let h: Harness
beforeAll(async () => {
  h = await startHarness({ name: 'deadline-rules' })
})
afterAll(async () => h.close())

const tenCourtDays = {
  id: 'kz.test-ten-days',
  jurisdiction: 'KZ',
  title: 'Reply to a private complaint',
  period: 'P10D',
  counting: 'court-days',
  source: 'Test rule',
}

describe('built-in deadline rules', () => {
  it('ships US federal and Kazakhstan rules, each with its source', async () => {
    const res = await h.app.inject({
      method: 'GET',
      url: '/v1/deadline-rules?limit=200',
      headers: await h.auth('partner'),
    })
    expect(res.statusCode).toBe(200)
    const { items, nextCursor } = res.json()
    expect(nextCursor).toBeNull()
    const ids = items.map((r: { id: string }) => r.id)
    for (const id of [
      'us.frap-4a1a',
      'us.frcp-59b',
      'us.frcp-59e',
      'us.frcp-12a1a',
      'kz.cpc-403-appeal',
      'kz.crpc-416-appeal',
    ])
      expect(ids).toContain(id)
    for (const rule of items) {
      expect(rule.builtIn).toBe(true)
      expect(rule.source).toMatch(/\S/)
      expect(rule.description).toMatch(/\S/)
    }
    const appeal = items.find((r: { id: string }) => r.id === 'kz.cpc-403-appeal')
    expect(appeal).toEqual({
      id: 'kz.cpc-403-appeal',
      jurisdiction: 'KZ',
      title: 'Appeal against a court decision (civil case)',
      description: expect.stringContaining('final form'),
      period: 'P1M',
      counting: 'calendar-days',
      direction: 'after',
      roll: 'next-court-day',
      endOfDay: '23:59',
      source: expect.stringContaining('art. 403'),
      builtIn: true,
    })
    expect(items.find((r: { id: string }) => r.id === 'kz.crpc-416-appeal')).toMatchObject({
      period: 'P15D',
      source: expect.stringContaining('art. 416'),
    })
    expect(items.find((r: { id: string }) => r.id === 'us.frap-4a1a')).toMatchObject({
      period: 'P30D',
      source: expect.stringContaining('4(a)(1)(A)'),
    })
  })

  it("filters by jurisdiction; a subdivision lists its country's rules too", async () => {
    const headers = await h.auth('staff')
    const kz = (
      await h.app.inject({ method: 'GET', url: '/v1/deadline-rules?jurisdiction=KZ', headers })
    ).json()
    expect(kz.items.length).toBeGreaterThan(0)
    expect(kz.items.every((r: { jurisdiction: string }) => r.jurisdiction === 'KZ')).toBe(true)
    const ny = (
      await h.app.inject({ method: 'GET', url: '/v1/deadline-rules?jurisdiction=US-NY', headers })
    ).json()
    expect(ny.items.map((r: { id: string }) => r.id)).toContain('us.frap-4a1a')
  })

  it('pages with limit and cursor', async () => {
    const headers = await h.auth('staff')
    const first = (await h.app.inject({ method: 'GET', url: '/v1/deadline-rules?limit=2', headers })).json()
    expect(first.items).toHaveLength(2)
    const second = (
      await h.app.inject({
        method: 'GET',
        url: `/v1/deadline-rules?limit=2&cursor=${first.nextCursor}`,
        headers,
      })
    ).json()
    expect(second.items[0].id > first.items[1].id).toBe(true)
    const bad = await h.app.inject({ method: 'GET', url: '/v1/deadline-rules?cursor=%2F%2F', headers })
    expect(bad.statusCode).toBe(400)
  })

  it('a built-in rule answers 409 to PATCH and DELETE, and its id cannot be taken', async () => {
    const headers = await h.auth('staff')
    const patch = await h.app.inject({
      method: 'PATCH',
      url: '/v1/deadline-rules/us.frap-4a1a',
      headers,
      payload: { period: 'P31D' },
    })
    expect(patch.statusCode).toBe(409)
    expect(patch.headers['content-type']).toMatch(/^application\/problem\+json/)
    const del = await h.app.inject({ method: 'DELETE', url: '/v1/deadline-rules/us.frap-4a1a', headers })
    expect(del.statusCode).toBe(409)
    const taken = await h.app.inject({
      method: 'POST',
      url: '/v1/deadline-rules',
      headers,
      payload: { ...tenCourtDays, id: 'us.frap-4a1a', jurisdiction: 'US' },
    })
    expect(taken.statusCode).toBe(409)
  })

  it('every built-in rule is of a jurisdiction the court calendars know', () => {
    // Start-up skips this check (it would load the holiday data of every country); the files are checked here.
    expect(loadBuiltInRules(undefined, { calendars: true }).length).toBeGreaterThanOrEqual(6)
    const unknown = { jurisdiction: 'XX', about: 'x', rules: [{ ...tenCourtDays, jurisdiction: 'XX' }] }
    expect(() => loadBuiltInRules([{ file: 'xx.json', content: unknown }])).toThrow(
      /XX has no court calendar/,
    )
  })

  it('rule files are validated like API rules: a bad file stops start-up with the file named', () => {
    const good = { jurisdiction: 'KZ', about: 'x', rules: [tenCourtDays] }
    expect(loadBuiltInRules([{ file: 'ok.json', content: good }])).toHaveLength(1)
    const bad = [
      { ...good, rules: [{ ...tenCourtDays, period: 'P1M' }] },
      { ...good, rules: [{ ...tenCourtDays, period: 'P1Y2M' }] },
      { ...good, rules: [{ ...tenCourtDays, source: undefined }] },
      { ...good, rules: [{ ...tenCourtDays, id: undefined }] },
      { ...good, rules: [{ ...tenCourtDays, jurisdiction: 'US' }] },
      { ...good, rules: [{ ...tenCourtDays, roll: 'sideways' }] },
      { ...good, rules: [tenCourtDays, tenCourtDays] },
    ]
    for (const content of bad)
      expect(() => loadBuiltInRules([{ file: 'bad.json', content }])).toThrow(RuleFileError)
    expect(() => loadBuiltInRules([{ file: 'bad.json', content: bad[0] }])).toThrow(/bad\.json/)
  })
})

describe('deadline rules over the API', () => {
  it('creates a rule with defaults, reads, changes and deletes it', async () => {
    const headers = await h.auth('staff')
    const created = await h.app.inject({
      method: 'POST',
      url: '/v1/deadline-rules',
      headers,
      payload: { jurisdiction: 'KZ', title: 'Objections to the minutes', period: 'P5D' },
    })
    expect(created.statusCode).toBe(201)
    const rule = created.json()
    expect(rule).toEqual({
      id: expect.stringMatching(/^rul_/),
      jurisdiction: 'KZ',
      title: 'Objections to the minutes',
      description: null,
      period: 'P5D',
      counting: 'calendar-days',
      direction: 'after',
      roll: 'next-court-day',
      endOfDay: '23:59',
      source: null,
      builtIn: false,
    })
    const read = await h.app.inject({
      method: 'GET',
      url: `/v1/deadline-rules/${rule.id}`,
      headers: await h.auth('partner'),
    })
    expect(read.json()).toEqual(rule)
    const changed = await h.app.inject({
      method: 'PATCH',
      url: `/v1/deadline-rules/${rule.id}`,
      headers,
      payload: { period: 'P7D', endOfDay: '18:00', source: 'Court practice' },
    })
    expect(changed.statusCode).toBe(200)
    expect(changed.json()).toMatchObject({
      id: rule.id,
      period: 'P7D',
      endOfDay: '18:00',
      source: 'Court practice',
    })
    const del = await h.app.inject({ method: 'DELETE', url: `/v1/deadline-rules/${rule.id}`, headers })
    expect(del.statusCode).toBe(204)
    const gone = await h.app.inject({ method: 'GET', url: `/v1/deadline-rules/${rule.id}`, headers })
    expect(gone.statusCode).toBe(404)
    const again = await h.app.inject({ method: 'DELETE', url: `/v1/deadline-rules/${rule.id}`, headers })
    expect(again.statusCode).toBe(404)
  })

  it('takes a chosen id once (409 the second time)', async () => {
    const headers = await h.auth('staff')
    const first = await h.app.inject({
      method: 'POST',
      url: '/v1/deadline-rules',
      headers,
      payload: tenCourtDays,
    })
    expect(first.statusCode).toBe(201)
    expect(first.json()).toMatchObject({ id: 'kz.test-ten-days', counting: 'court-days', builtIn: false })
    const second = await h.app.inject({
      method: 'POST',
      url: '/v1/deadline-rules',
      headers,
      payload: tenCourtDays,
    })
    expect(second.statusCode).toBe(409)
  })

  it('answers 400 for a bad id, period, counting, jurisdiction or field', async () => {
    const headers = await h.auth('staff')
    const base = { jurisdiction: 'KZ', title: 'x', period: 'P5D' }
    for (const [payload, path] of [
      [{ ...base, id: 'Bad_Id' }, '/id'],
      [{ ...base, id: 'ab' }, '/id'],
      [{ ...base, period: 'PT5H' }, '/period'],
      [{ ...base, period: 'P0D' }, '/period'],
      [{ ...base, period: 'P1M', counting: 'court-days' }, '/counting'],
      [{ ...base, jurisdiction: 'XX' }, '/jurisdiction'],
      [{ ...base, jurisdiction: 'Kazakhstan' }, '/jurisdiction'],
      [{ ...base, direction: 'sideways' }, '/direction'],
      [{ ...base, endOfDay: '24:00' }, '/endOfDay'],
      [{ ...base, builtIn: true }, '/builtIn'],
      [{ jurisdiction: 'KZ', period: 'P5D' }, '/title'],
    ] as const) {
      const res = await h.app.inject({ method: 'POST', url: '/v1/deadline-rules', headers, payload })
      expect(res.statusCode, JSON.stringify(payload)).toBe(400)
      expect(res.json().errors?.[0]?.path ?? res.json().detail, JSON.stringify(payload)).toContain(path)
    }
    const patch = await h.app.inject({
      method: 'PATCH',
      url: '/v1/deadline-rules/kz.test-ten-days',
      headers,
      payload: { period: 'P1Y' },
    })
    expect(patch.statusCode).toBe(400)
    const empty = await h.app.inject({
      method: 'PATCH',
      url: '/v1/deadline-rules/kz.test-ten-days',
      headers,
      payload: {},
    })
    expect(empty.statusCode).toBe(400)
    const unknown = await h.app.inject({
      method: 'PATCH',
      url: '/v1/deadline-rules/kz.nope',
      headers,
      payload: { title: 'y' },
    })
    expect(unknown.statusCode).toBe(404)
  })

  it('answers 401 without a key and 403 for a partner writing', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/v1/deadline-rules' })).statusCode).toBe(401)
    const partner = await h.auth('partner')
    const post = await h.app.inject({
      method: 'POST',
      url: '/v1/deadline-rules',
      headers: partner,
      payload: tenCourtDays,
    })
    expect(post.statusCode).toBe(403)
    const patch = await h.app.inject({
      method: 'PATCH',
      url: '/v1/deadline-rules/kz.test-ten-days',
      headers: partner,
      payload: { title: 'y' },
    })
    expect(patch.statusCode).toBe(403)
    const del = await h.app.inject({
      method: 'DELETE',
      url: '/v1/deadline-rules/kz.test-ten-days',
      headers: partner,
    })
    expect(del.statusCode).toBe(403)
  })
})

describe('cases and deadline rules', () => {
  it('a case in a subdivision takes ISO 3166-2, and lists rules of its jurisdiction or its country', async () => {
    const headers = await h.auth('staff')
    const created = await h.app.inject({
      method: 'POST',
      url: '/v1/cases',
      headers,
      payload: {
        title: 'Doe v. City of New York',
        court: 'U.S. District Court for the Southern District of New York',
        timeZone: 'America/New_York',
        jurisdiction: 'US-NY',
        deadlineRules: ['us.frap-4a1a', 'us.frcp-59e'],
      },
    })
    expect(created.statusCode).toBe(201)
    expect(created.json()).toMatchObject({
      jurisdiction: 'US-NY',
      deadlineRules: ['us.frap-4a1a', 'us.frcp-59e'],
    })
  })

  it("defaults deadlineRules to [] and checks each rule against the case's jurisdiction", async () => {
    const headers = await h.auth('staff')
    const plain = (
      await h.app.inject({ method: 'POST', url: '/v1/cases', headers, payload: bilash.case })
    ).json()
    expect(plain.deadlineRules).toEqual([])
    for (const deadlineRules of [['us.frap-4a1a'], ['kz.nope']]) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/cases',
        headers,
        payload: { ...bilash.case, deadlineRules },
      })
      expect(res.statusCode).toBe(400)
      expect(res.json().errors[0].path).toBe('/deadlineRules/0')
    }
    const patched = await h.app.inject({
      method: 'PATCH',
      url: `/v1/cases/${plain.id}`,
      headers,
      payload: { deadlineRules: ['kz.crpc-416-appeal'] },
    })
    expect(patched.statusCode).toBe(200)
    expect(patched.json().deadlineRules).toEqual(['kz.crpc-416-appeal'])
    // Moving the case to another jurisdiction while it lists Kazakh rules is refused.
    const moved = await h.app.inject({
      method: 'PATCH',
      url: `/v1/cases/${plain.id}`,
      headers,
      payload: { jurisdiction: 'US' },
    })
    expect(moved.statusCode).toBe(400)
    const bad = await h.app.inject({
      method: 'PATCH',
      url: `/v1/cases/${plain.id}`,
      headers,
      payload: { jurisdiction: 'us-ny' },
    })
    expect(bad.statusCode).toBe(400)
  })
})
