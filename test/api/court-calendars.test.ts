import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from '../helpers/harness.js'

let h: Harness
beforeAll(async () => {
  h = await startHarness({ name: 'court-calendars' })
})
afterAll(async () => h.close())

const days = async (path: string, scope: 'admin' | 'staff' | 'partner' = 'partner') =>
  h.app.inject({ method: 'GET', url: `/v1/court-calendars/${path}`, headers: await h.auth(scope) })

describe('court calendars', () => {
  it('lists every date of the range with why courts are closed (Kazakhstan, December 2026)', async () => {
    const res = await days('KZ/days?from=2026-12-14&to=2026-12-20')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      jurisdiction: 'KZ',
      items: [
        { date: '2026-12-14', open: true, reason: null },
        { date: '2026-12-15', open: true, reason: null },
        { date: '2026-12-16', open: false, reason: 'Independence Day' },
        { date: '2026-12-17', open: true, reason: null },
        { date: '2026-12-18', open: true, reason: null },
        { date: '2026-12-19', open: false, reason: 'Saturday' },
        { date: '2026-12-20', open: false, reason: 'Sunday' },
      ],
    })
  })

  it("includes observed days, and a subdivision has its own holidays and its country's", async () => {
    const federal = (await days('US/days?from=2026-07-03&to=2026-07-03')).json().items
    expect(federal).toEqual([
      { date: '2026-07-03', open: false, reason: 'Independence Day (substitute day)' },
    ])
    const ny = (await days('US-NY/days?from=2026-11-03&to=2026-11-11')).json()
    expect(ny.jurisdiction).toBe('US-NY')
    expect(ny.items[0]).toEqual({ date: '2026-11-03', open: false, reason: 'Election Day' })
    expect(ny.items[8]).toEqual({ date: '2026-11-11', open: false, reason: 'Veterans Day' })
    const plainUs = (await days('US/days?from=2026-11-03&to=2026-11-03')).json().items
    expect(plainUs[0].open).toBe(true)
  })

  it('overrides a date: closes a court day, opens a Saturday, and goes back to the default on DELETE', async () => {
    const staff = await h.auth('staff')
    const close = await h.app.inject({
      method: 'PUT',
      url: '/v1/court-calendars/KZ/days/2026-12-29',
      headers: staff,
      payload: { open: false, reason: 'Court closed: heating failure' },
    })
    expect(close.statusCode).toBe(200)
    expect(close.json()).toEqual({ date: '2026-12-29', open: false, reason: 'Court closed: heating failure' })
    const open = await h.app.inject({
      method: 'PUT',
      url: '/v1/court-calendars/KZ/days/2026-12-26',
      headers: staff,
      payload: { open: true, reason: 'Working Saturday (government decree)' },
    })
    expect(open.json()).toEqual({
      date: '2026-12-26',
      open: true,
      reason: 'Working Saturday (government decree)',
    })
    const listed = (await days('KZ/days?from=2026-12-26&to=2026-12-29')).json().items
    expect(listed).toEqual([
      { date: '2026-12-26', open: true, reason: 'Working Saturday (government decree)' },
      { date: '2026-12-27', open: false, reason: 'Sunday' },
      { date: '2026-12-28', open: true, reason: null },
      { date: '2026-12-29', open: false, reason: 'Court closed: heating failure' },
    ])
    for (const date of ['2026-12-26', '2026-12-29']) {
      const res = await h.app.inject({
        method: 'DELETE',
        url: `/v1/court-calendars/KZ/days/${date}`,
        headers: staff,
      })
      expect(res.statusCode).toBe(204)
    }
    const again = await h.app.inject({
      method: 'DELETE',
      url: '/v1/court-calendars/KZ/days/2026-12-29',
      headers: staff,
    })
    expect(again.statusCode).toBe(204)
    const back = (await days('KZ/days?from=2026-12-26&to=2026-12-29')).json().items
    expect(back.map((d: { open: boolean }) => d.open)).toEqual([false, false, true, true])
  })

  it("a country's override applies to its subdivisions, and the subdivision's own wins", async () => {
    const staff = await h.auth('staff')
    await h.app.inject({
      method: 'PUT',
      url: '/v1/court-calendars/US/days/2026-12-24',
      headers: staff,
      payload: { open: false, reason: 'Executive order: federal offices closed' },
    })
    const ny = (await days('US-NY/days?from=2026-12-24&to=2026-12-24')).json().items
    expect(ny).toEqual([
      { date: '2026-12-24', open: false, reason: 'Executive order: federal offices closed' },
    ])
    await h.app.inject({
      method: 'PUT',
      url: '/v1/court-calendars/US-NY/days/2026-12-24',
      headers: staff,
      payload: { open: true, reason: 'New York courts sit' },
    })
    expect((await days('US-NY/days?from=2026-12-24&to=2026-12-24')).json().items[0].open).toBe(true)
    expect((await days('US/days?from=2026-12-24&to=2026-12-24')).json().items[0].open).toBe(false)
  })

  it('answers 404 for a jurisdiction the holiday data does not know', async () => {
    for (const j of ['XX', 'US-ZZ', 'kz']) {
      const res = await days(`${j}/days?from=2026-12-01&to=2026-12-02`)
      expect(res.statusCode).toBe(404)
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    }
    const put = await h.app.inject({
      method: 'PUT',
      url: '/v1/court-calendars/XX/days/2026-12-01',
      headers: await h.auth('staff'),
      payload: { open: false, reason: 'x' },
    })
    expect(put.statusCode).toBe(404)
  })

  it('answers 400 for bad ranges, dates and bodies', async () => {
    for (const query of [
      'from=2026-12-10&to=2026-12-01',
      'from=2026-01-01&to=2027-01-02',
      'from=2026-02-30&to=2026-03-01',
      'from=2026-12-01',
      'from=2026-12-01&to=2026-12-02&extra=1',
    ]) {
      const res = await days(`KZ/days?${query}`)
      expect(res.statusCode, query).toBe(400)
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    }
    expect((await days('KZ/days?from=2026-01-01&to=2027-01-01')).json().items).toHaveLength(366)
    const staff = await h.auth('staff')
    for (const [url, payload] of [
      ['/v1/court-calendars/KZ/days/2026-13-01', { open: false, reason: 'x' }],
      ['/v1/court-calendars/KZ/days/2026-12-01', { open: 'no', reason: 'x' }],
      ['/v1/court-calendars/KZ/days/2026-12-01', { open: false }],
      ['/v1/court-calendars/KZ/days/2026-12-01', { open: false, reason: 'x', extra: 1 }],
    ] as const) {
      const res = await h.app.inject({ method: 'PUT', url, headers: staff, payload })
      expect(res.statusCode, JSON.stringify(payload)).toBe(400)
    }
  })

  it('answers 401 without a key and 403 for a partner changing a calendar', async () => {
    const anonymous = await h.app.inject({
      method: 'GET',
      url: '/v1/court-calendars/KZ/days?from=2026-12-01&to=2026-12-02',
    })
    expect(anonymous.statusCode).toBe(401)
    const partner = await h.app.inject({
      method: 'PUT',
      url: '/v1/court-calendars/KZ/days/2026-12-01',
      headers: await h.auth('partner'),
      payload: { open: false, reason: 'x' },
    })
    expect(partner.statusCode).toBe(403)
    const del = await h.app.inject({
      method: 'DELETE',
      url: '/v1/court-calendars/KZ/days/2026-12-01',
      headers: await h.auth('partner'),
    })
    expect(del.statusCode).toBe(403)
  })
})
