import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bilash, type Harness, registerBilash, startHarness } from '../helpers/harness.js'

let h: Harness
beforeAll(async () => {
  h = await startHarness({ name: 'deadlines' })
})
afterAll(async () => h.close())

async function post(url: string, payload: unknown, scope: 'admin' | 'staff' | 'partner' = 'staff') {
  return h.app.inject({ method: 'POST', url, headers: await h.auth(scope), payload: payload as object })
}
async function get(url: string, scope: 'admin' | 'staff' | 'partner' = 'staff') {
  return h.app.inject({ method: 'GET', url, headers: await h.auth(scope) })
}
async function bilashCase(extra: Record<string, unknown> = {}) {
  return (await post('/v1/cases', { ...bilash.case, ...extra })).json()
}

describe('deadlines', () => {
  it('a given deadline: due at the end of its day in the case zone, with no rule and no computation', async () => {
    const kase = await bilashCase()
    const res = await post(`/v1/cases/${kase.id}/deadlines`, {
      title: 'File the objections',
      dueOn: '2026-12-22',
    })
    expect(res.statusCode).toBe(201)
    expect(res.json()).toEqual({
      id: expect.stringMatching(/^dln_/),
      caseId: kase.id,
      title: 'File the objections',
      notes: null,
      dueOn: '2026-12-22',
      endOfDay: '23:59',
      // Asia/Almaty is UTC+5.
      dueAtUtc: '2026-12-22T18:59:00.000Z',
      timeZone: 'Asia/Almaty',
      status: 'open',
      ruleId: null,
      trigger: null,
      computation: null,
      metNote: null,
      cancelReason: null,
      version: 1,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    })
    const withTime = await post(`/v1/cases/${kase.id}/deadlines`, {
      title: 'x',
      dueOn: '2026-12-22',
      endOfDay: '18:00:30',
    })
    expect(withTime.json().dueAtUtc).toBe('2026-12-22T13:00:30.000Z')
  })

  it('a computed deadline explains itself: the appeal from the 14 December ruling (CrPC art. 416)', async () => {
    const kase = await bilashCase()
    const res = await post(`/v1/cases/${kase.id}/deadlines`, {
      ruleId: 'kz.crpc-416-appeal',
      trigger: { date: '2026-12-14' },
    })
    expect(res.statusCode).toBe(201)
    expect(res.json()).toMatchObject({
      title: 'Appeal against a verdict or ruling (criminal case)',
      dueOn: '2026-12-29',
      dueAtUtc: '2026-12-29T18:59:00.000Z',
      ruleId: 'kz.crpc-416-appeal',
      trigger: { date: '2026-12-14', hearingId: null },
      computation: {
        from: '2026-12-14',
        period: 'P15D',
        counting: 'calendar-days',
        direction: 'after',
        jurisdiction: 'KZ',
        lastDayCounted: '2026-12-29',
        rolledTo: null,
        skipped: [],
      },
    })
  })

  it('a hearing trigger takes the hearing date, and the decision date once decided', async () => {
    const { kase, hearing } = await registerBilash(h)
    const created = (
      await post(`/v1/cases/${kase.id}/deadlines`, {
        ruleId: 'kz.crpc-416-appeal',
        trigger: { hearingId: hearing.id },
      })
    ).json()
    expect(created.trigger).toEqual({ date: '2026-12-14', hearingId: hearing.id })
    const moved = await h.app.inject({
      method: 'PATCH',
      url: `/v1/hearings/${hearing.id}`,
      headers: await h.auth('staff'),
      payload: { startsAt: '2026-12-15' },
    })
    expect(moved.statusCode).toBe(200)
    const after = (await get(`/v1/deadlines/${created.id}`)).json()
    expect(after).toMatchObject({ dueOn: '2026-12-30', version: 2, trigger: { date: '2026-12-15' } })
    await post(`/v1/hearings/${hearing.id}/outcome`, {
      summary: 'Declared wanted',
      decidedAt: '2026-12-17T06:00:00Z',
    })
    const decided = (await get(`/v1/deadlines/${created.id}`)).json()
    // Decided on 17 December (local): + 15 days = 1 January, New Year, then 2 January and Sunday 3, and 4 January
    // (the substitute for 2 January): due Tuesday 5 January 2027.
    expect(decided).toMatchObject({
      dueOn: '2027-01-05',
      version: 3,
      computation: { rolledTo: '2027-01-05' },
    })
  })

  it('automatic deadlines: a decided hearing creates one per case rule, once however often decided', async () => {
    const kase = await bilashCase({ deadlineRules: ['kz.crpc-416-appeal', 'kz.cpc-429-private-complaint'] })
    const hearing = (await post(`/v1/cases/${kase.id}/hearings`, bilash.hearing)).json()
    expect((await get(`/v1/deadlines?caseId=${kase.id}`)).json().items).toEqual([])
    const decided = await post(`/v1/hearings/${hearing.id}/outcome`, {
      summary: 'Declared wanted',
      decidedAt: '2026-12-14T06:00:00Z',
    })
    expect(decided.statusCode).toBe(200)
    const again = await post(`/v1/hearings/${hearing.id}/outcome`, { summary: 'again' })
    expect(again.statusCode).toBe(409)
    await h.services.recomputation.hearingChanged((await get(`/v1/hearings/${hearing.id}`)).json())
    const items = (await get(`/v1/deadlines?caseId=${kase.id}`)).json().items
    // Both are due on 29 December (ten court days; fifteen calendar days): listed in due order, ties by id.
    const byRule = items.map((d: { ruleId: string; dueOn: string }) => [d.ruleId, d.dueOn]).sort()
    expect(byRule).toEqual([
      ['kz.cpc-429-private-complaint', '2026-12-29'],
      ['kz.crpc-416-appeal', '2026-12-29'],
    ])
    expect(items.every((d: { trigger: { hearingId: string } }) => d.trigger.hearingId === hearing.id)).toBe(
      true,
    )
  })

  it('lists by due moment with filters, and pages', async () => {
    const kase = await bilashCase()
    for (const dueOn of ['2027-03-03', '2027-03-01', '2027-03-02'])
      await post(`/v1/cases/${kase.id}/deadlines`, { title: `due ${dueOn}`, dueOn })
    const all = (await get(`/v1/deadlines?caseId=${kase.id}`)).json().items
    expect(all.map((d: { dueOn: string }) => d.dueOn)).toEqual(['2027-03-01', '2027-03-02', '2027-03-03'])
    const ranged = (
      await get(`/v1/deadlines?caseId=${kase.id}&from=2027-03-01T19:00:00Z&to=2027-03-03T00:00:00Z`)
    ).json()
    expect(ranged.items.map((d: { dueOn: string }) => d.dueOn)).toEqual(['2027-03-02'])
    const page = (await get(`/v1/deadlines?caseId=${kase.id}&limit=2`)).json()
    expect(page.items).toHaveLength(2)
    const rest = (await get(`/v1/deadlines?caseId=${kase.id}&limit=2&cursor=${page.nextCursor}`)).json()
    expect(rest.items.map((d: { dueOn: string }) => d.dueOn)).toEqual(['2027-03-03'])
    await post(`/v1/deadlines/${all[0].id}/met`, { note: 'Filed' })
    const open = (await get(`/v1/deadlines?caseId=${kase.id}&status=open`)).json().items
    expect(open).toHaveLength(2)
  })

  it('PATCH moves a given deadline (version, deadline.rescheduled); met and cancel close it', async () => {
    const kase = await bilashCase()
    const d = (await post(`/v1/cases/${kase.id}/deadlines`, { title: 'Brief', dueOn: '2027-02-01' })).json()
    const headers = await h.auth('staff')
    const titled = await h.app.inject({
      method: 'PATCH',
      url: `/v1/deadlines/${d.id}`,
      headers,
      payload: { title: 'Brief v2' },
    })
    expect(titled.json()).toMatchObject({ title: 'Brief v2', version: 1 })
    const moved = await h.app.inject({
      method: 'PATCH',
      url: `/v1/deadlines/${d.id}`,
      headers,
      payload: { dueOn: '2027-02-02' },
    })
    expect(moved.json()).toMatchObject({
      dueOn: '2027-02-02',
      dueAtUtc: '2027-02-02T18:59:00.000Z',
      version: 2,
    })
    const events = await h.redis.zrange(h.services.store.keys.eventOutbox, 0, -1)
    const types = (
      await h.services.store.getMany<{
        type: string
        data: { deadline?: { id: string }; previous?: unknown }
      }>(events)
    )
      .filter((e) => e?.data.deadline?.id === d.id)
      .map((e) => [e?.type, e?.data.previous])
    expect(types).toContainEqual([
      'deadline.rescheduled',
      { dueOn: '2027-02-01', dueAtUtc: '2027-02-01T18:59:00.000Z' },
    ])
    const met = await post(`/v1/deadlines/${d.id}/met`, { note: 'Filed on time' })
    expect(met.statusCode).toBe(200)
    expect(met.json()).toMatchObject({ status: 'met', metNote: 'Filed on time', version: 3 })
    for (const [method, url, payload] of [
      ['PATCH', `/v1/deadlines/${d.id}`, { title: 'x' }],
      ['POST', `/v1/deadlines/${d.id}/met`, {}],
      ['POST', `/v1/deadlines/${d.id}/cancel`, {}],
    ] as const) {
      const res = await h.app.inject({ method, url, headers, payload })
      expect(res.statusCode, `${method} ${url}`).toBe(409)
    }
    const other = (
      await post(`/v1/cases/${kase.id}/deadlines`, { title: 'Other', dueOn: '2027-02-01' })
    ).json()
    const cancelled = await h.app.inject({ method: 'POST', url: `/v1/deadlines/${other.id}/cancel`, headers })
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', cancelReason: null, version: 2 })
  })

  it('changing a rule recomputes the open deadlines computed from it, and only those', async () => {
    const kase = await bilashCase()
    const rule = (
      await post('/v1/deadline-rules', { jurisdiction: 'KZ', title: 'Objections', period: 'P5D' })
    ).json()
    const open = (
      await post(`/v1/cases/${kase.id}/deadlines`, { ruleId: rule.id, trigger: { date: '2027-02-01' } })
    ).json()
    const done = (
      await post(`/v1/cases/${kase.id}/deadlines`, { ruleId: rule.id, trigger: { date: '2027-02-01' } })
    ).json()
    expect(open.dueOn).toBe('2027-02-08') // 6 February is a Saturday: rolled to Monday
    await post(`/v1/deadlines/${done.id}/met`, {})
    const patched = await h.app.inject({
      method: 'PATCH',
      url: `/v1/deadline-rules/${rule.id}`,
      headers: await h.auth('staff'),
      payload: { period: 'P3D' },
    })
    expect(patched.statusCode).toBe(200)
    expect((await get(`/v1/deadlines/${open.id}`)).json()).toMatchObject({ dueOn: '2027-02-04', version: 2 })
    expect((await get(`/v1/deadlines/${done.id}`)).json()).toMatchObject({
      dueOn: '2027-02-08',
      status: 'met',
    })
  })

  it("an override of a country's calendar moves the deadlines of cases in its subdivisions", async () => {
    const kase = await bilashCase({ jurisdiction: 'US-NY', timeZone: 'America/New_York' })
    const d = (
      await post(`/v1/cases/${kase.id}/deadlines`, { ruleId: 'us.frcp-59e', trigger: { date: '2030-03-01' } })
    ).json()
    expect(d.dueOn).toBe('2030-03-29')
    const put = await h.app.inject({
      method: 'PUT',
      url: '/v1/court-calendars/US/days/2030-03-29',
      headers: await h.auth('staff'),
      payload: { open: false, reason: 'Federal offices closed by executive order' },
    })
    expect(put.statusCode).toBe(200)
    expect((await get(`/v1/deadlines/${d.id}`)).json()).toMatchObject({ dueOn: '2030-04-01', version: 2 })
  })

  it('409 for dueOn on a computed deadline', async () => {
    const kase = await bilashCase()
    const d = (
      await post(`/v1/cases/${kase.id}/deadlines`, {
        ruleId: 'kz.crpc-416-appeal',
        trigger: { date: '2026-12-14' },
      })
    ).json()
    const res = await h.app.inject({
      method: 'PATCH',
      url: `/v1/deadlines/${d.id}`,
      headers: await h.auth('staff'),
      payload: { dueOn: '2027-01-10' },
    })
    expect(res.statusCode).toBe(409)
    const title = await h.app.inject({
      method: 'PATCH',
      url: `/v1/deadlines/${d.id}`,
      headers: await h.auth('staff'),
      payload: { title: 'Appeal' },
    })
    expect(title.statusCode).toBe(200)
  })

  it('400 for bad bodies, a rule of another jurisdiction, a case without one, a hearing of another case', async () => {
    const kase = await bilashCase()
    const noJurisdiction = await bilashCase({ jurisdiction: null })
    const other = await registerBilash(h)
    for (const [url, payload] of [
      [`/v1/cases/${kase.id}/deadlines`, { title: 'x' }],
      [`/v1/cases/${kase.id}/deadlines`, { title: 'x', dueOn: '2026-02-30' }],
      [`/v1/cases/${kase.id}/deadlines`, { title: 'x', dueOn: '2026-12-01', extra: 1 }],
      [`/v1/cases/${kase.id}/deadlines`, { title: 'x', dueOn: '2026-12-01', endOfDay: '25:00' }],
      [`/v1/cases/${kase.id}/deadlines`, { ruleId: 'us.frap-4a1a', trigger: { date: '2026-12-14' } }],
      [`/v1/cases/${kase.id}/deadlines`, { ruleId: 'kz.nope', trigger: { date: '2026-12-14' } }],
      [`/v1/cases/${kase.id}/deadlines`, { ruleId: 'kz.crpc-416-appeal', trigger: {} }],
      [
        `/v1/cases/${kase.id}/deadlines`,
        { ruleId: 'kz.crpc-416-appeal', trigger: { hearingId: other.hearing.id } },
      ],
      [
        `/v1/cases/${noJurisdiction.id}/deadlines`,
        { ruleId: 'kz.crpc-416-appeal', trigger: { date: '2026-12-14' } },
      ],
    ] as const) {
      const res = await post(url, payload)
      expect(res.statusCode, JSON.stringify(payload)).toBe(400)
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    }
  })

  it('401, 403 and 404; a partner reads deadlines of public cases only', async () => {
    const kase = await bilashCase()
    const internal = await bilashCase({ visibility: 'internal' })
    const pub = (
      await post(`/v1/cases/${kase.id}/deadlines`, { title: 'Public', dueOn: '2027-05-05' })
    ).json()
    const hidden = (
      await post(`/v1/cases/${internal.id}/deadlines`, { title: 'Sealed', dueOn: '2027-05-05' })
    ).json()
    expect((await h.app.inject({ method: 'GET', url: '/v1/deadlines' })).statusCode).toBe(401)
    expect(
      (await post(`/v1/cases/${kase.id}/deadlines`, { title: 'x', dueOn: '2027-05-05' }, 'partner'))
        .statusCode,
    ).toBe(403)
    expect((await post(`/v1/deadlines/${pub.id}/met`, {}, 'partner')).statusCode).toBe(403)
    expect((await get(`/v1/deadlines/${pub.id}`, 'partner')).statusCode).toBe(200)
    expect((await get(`/v1/deadlines/${hidden.id}`, 'partner')).statusCode).toBe(404)
    const listed = (await get('/v1/deadlines?limit=200', 'partner'))
      .json()
      .items.map((d: { id: string }) => d.id)
    expect(listed).toContain(pub.id)
    expect(listed).not.toContain(hidden.id)
    expect((await get('/v1/deadlines/dln_nope')).statusCode).toBe(404)
    expect(
      (await post('/v1/cases/case_nope/deadlines', { title: 'x', dueOn: '2027-05-05' })).statusCode,
    ).toBe(404)
    expect((await post('/v1/deadlines/dln_nope/cancel', {})).statusCode).toBe(404)
  })
})
