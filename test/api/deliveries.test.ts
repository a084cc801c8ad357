import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bilash, type Harness, startHarness } from '../helpers/harness.js'

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/
// Loopback only: nothing is ever delivered (no workers run here), these URLs are only stored.
const STAFF_URL = 'http://127.0.0.1:9/staff-hooks'
const PARTNER_URL = 'http://127.0.0.1:9/partner-hooks'
const OTHER_URL = 'http://127.0.0.1:9/other-hooks'

type Delivery = {
  id: string
  eventId: string
  eventType: string
  channel: 'email' | 'webhook'
  target: string
  hearingId: string | null
  status: string
  attempts: { at: string; durationMs: number; statusCode?: number; error?: string }[]
  nextAttemptAt: string | null
  createdAt: string
}
type Res = LightMyRequestResponse

function expectProblem(res: Res, status: number) {
  expect(res.statusCode, res.body).toBe(status)
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
  expect(res.json()).toMatchObject({ status, type: expect.any(String), title: expect.any(String) })
}

let h: Harness
let hearingId: string
let otherPartner: { authorization: string }
let staffEndpoint: string
let partnerEndpoint: string
let otherEndpoint: string
/** Deliveries made in beforeAll: a webhook.test per endpoint, and a confirmation email. */
let staffTest: { eventId: string; deliveryId: string }
let partnerTest: { eventId: string; deliveryId: string }
let otherTest: { eventId: string; deliveryId: string }
let subscriptionId: string

async function endpoint(headers: Record<string, string>, url: string): Promise<string> {
  const res = await h.app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers, payload: { url } })
  expect(res.statusCode).toBe(201)
  return res.json().id
}

async function sendTest(headers: Record<string, string>, id: string) {
  const res = await h.app.inject({ method: 'POST', url: `/v1/webhook-endpoints/${id}/test`, headers })
  expect(res.statusCode).toBe(202)
  return res.json() as { eventId: string; deliveryId: string }
}

async function list(query: string, headers: Record<string, string>): Promise<Delivery[]> {
  const res = await h.app.inject({ method: 'GET', url: `/v1/deliveries?limit=200&${query}`, headers })
  expect(res.statusCode, res.body).toBe(200)
  return res.json().items
}

async function getDelivery(id: string, headers: Record<string, string>) {
  return h.app.inject({ method: 'GET', url: `/v1/deliveries/${id}`, headers })
}

beforeAll(async () => {
  h = await startHarness({ name: 'deliveries' })
  const staff = await h.auth('staff')
  const partner = await h.auth('partner')
  otherPartner = {
    authorization: `Bearer ${(await h.services.keys.create('another NGO', 'partner')).key}`,
  }
  const caseId = (
    await h.app.inject({ method: 'POST', url: '/v1/cases', headers: staff, payload: bilash.case })
  ).json().id
  hearingId = (
    await h.app.inject({
      method: 'POST',
      url: `/v1/cases/${caseId}/hearings`,
      headers: staff,
      payload: bilash.hearing,
    })
  ).json().id
  staffEndpoint = await endpoint(staff, STAFF_URL)
  partnerEndpoint = await endpoint(partner, PARTNER_URL)
  otherEndpoint = await endpoint(otherPartner, OTHER_URL)
  staffTest = await sendTest(staff, staffEndpoint)
  partnerTest = await sendTest(partner, partnerEndpoint)
  otherTest = await sendTest(otherPartner, otherEndpoint)
  // A self-service subscription: its confirmation email is an email delivery for the hearing.
  const sub = await h.app.inject({
    method: 'POST',
    url: `/v1/hearings/${hearingId}/subscriptions`,
    payload: { email: 'confirm.me@lawyer.kz' },
  })
  expect(sub.statusCode).toBe(202)
  subscriptionId = sub.json().id
})
afterAll(async () => h.close())

describe('deliveries', () => {
  it('lists deliveries as { items, nextCursor }, the test webhook among them, pending since no worker runs', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/deliveries', headers: await h.auth('staff') })
    expect(res.statusCode).toBe(200)
    const page = res.json()
    expect(Object.keys(page).sort()).toEqual(['items', 'nextCursor'])
    expect(Array.isArray(page.items)).toBe(true)
    expect(page.nextCursor).toBeNull()
    const test = page.items.find((d: Delivery) => d.id === staffTest.deliveryId)
    expect(test).toMatchObject({
      eventId: staffTest.eventId,
      eventType: 'webhook.test',
      channel: 'webhook',
      target: STAFF_URL,
      status: 'pending',
      attempts: [],
    })
  })

  it('reads one delivery with every documented field', async () => {
    const res = await getDelivery(staffTest.deliveryId, await h.auth('staff'))
    expect(res.statusCode).toBe(200)
    const d = res.json()
    expect(d).toMatchObject({
      id: staffTest.deliveryId,
      eventId: staffTest.eventId,
      eventType: 'webhook.test',
      channel: 'webhook',
      target: STAFF_URL,
      hearingId: null,
      status: 'pending',
      attempts: [],
    })
    expect(d.id).toMatch(/^dlv_/)
    expect(d.eventId).toMatch(/^evt_/)
    expect(d.createdAt).toMatch(INSTANT)
    expect(d).toHaveProperty('nextAttemptAt')
    if (d.nextAttemptAt !== null) expect(d.nextAttemptAt).toMatch(INSTANT)
    for (const key of [
      'id',
      'eventId',
      'eventType',
      'channel',
      'target',
      'hearingId',
      'status',
      'attempts',
      'nextAttemptAt',
      'createdAt',
    ])
      expect(d).toHaveProperty(key)
  })

  it('records the confirmation email as an email delivery of the hearing', async () => {
    const emails = await list('channel=email', await h.auth('staff'))
    const confirmation = emails.find((d) => d.target === 'confirm.me@lawyer.kz')
    expect(confirmation).toMatchObject({
      channel: 'email',
      eventType: 'subscription.confirmation',
      hearingId,
      status: 'pending',
    })
  })

  it('filters by status, channel, hearing and endpoint', async () => {
    const staff = await h.auth('staff')
    const all = await list('', staff)
    expect(all.length).toBeGreaterThanOrEqual(4)

    const pending = await list('status=pending', staff)
    expect(pending.map((d) => d.id)).toEqual(
      expect.arrayContaining([staffTest.deliveryId, partnerTest.deliveryId]),
    )
    expect(pending.every((d) => d.status === 'pending')).toBe(true)
    expect(await list('status=failed', staff)).toEqual([])
    expect(await list('status=succeeded', staff)).toEqual([])

    const webhooks = await list('channel=webhook', staff)
    expect(webhooks.map((d) => d.id).sort()).toEqual(
      [staffTest.deliveryId, partnerTest.deliveryId, otherTest.deliveryId].sort(),
    )
    const emails = await list('channel=email', staff)
    expect(emails.length).toBeGreaterThan(0)
    expect(emails.every((d) => d.channel === 'email')).toBe(true)

    const forHearing = await list(`hearingId=${hearingId}`, staff)
    expect(forHearing.length).toBeGreaterThan(0)
    expect(forHearing.every((d) => d.hearingId === hearingId)).toBe(true)
    expect(forHearing.map((d) => d.id)).not.toContain(staffTest.deliveryId)
    expect(await list('hearingId=hrg_nothing', staff)).toEqual([])

    expect((await list(`endpointId=${partnerEndpoint}`, staff)).map((d) => d.id)).toEqual([
      partnerTest.deliveryId,
    ])
    expect(await list(`endpointId=${staffEndpoint}&channel=email`, staff)).toEqual([])
    expect(await list(`endpointId=${staffEndpoint}&status=failed`, staff)).toEqual([])
  })

  it('pages with limit and cursor', async () => {
    const staff = await h.auth('staff')
    const all = await list('', staff)
    const first = (
      await h.app.inject({ method: 'GET', url: '/v1/deliveries?limit=1', headers: staff })
    ).json()
    expect(first.items).toHaveLength(1)
    expect(typeof first.nextCursor).toBe('string')
    const seen = [first.items[0].id]
    let cursor: string | null = first.nextCursor
    while (cursor !== null) {
      const page = (
        await h.app.inject({ method: 'GET', url: `/v1/deliveries?limit=1&cursor=${cursor}`, headers: staff })
      ).json()
      seen.push(...page.items.map((d: Delivery) => d.id))
      cursor = page.nextCursor
      expect(seen.length).toBeLessThanOrEqual(all.length)
    }
    expect(seen.sort()).toEqual(all.map((d) => d.id).sort())
  })

  it('rejects bad list queries with a problem', async () => {
    const staff = await h.auth('staff')
    for (const query of ['status=lost', 'channel=sms', 'limit=0', 'limit=201', 'colour=blue', 'cursor=%%%']) {
      expectProblem(
        await h.app.inject({ method: 'GET', url: `/v1/deliveries?${query}`, headers: staff }),
        400,
      )
    }
  })

  it('answers 404 for an unknown delivery id', async () => {
    const staff = await h.auth('staff')
    expectProblem(await getDelivery('dlv_doesnotexist', staff), 404)
    expectProblem(
      await h.app.inject({
        method: 'POST',
        url: '/v1/deliveries/dlv_doesnotexist/redeliver',
        headers: staff,
      }),
      404,
    )
  })

  it('answers 404 when the id is that of another kind of record (endpoint, subscription, hearing, key)', async () => {
    const staff = await h.auth('staff')
    for (const id of [staffEndpoint, subscriptionId, hearingId, 'key_admin']) {
      expectProblem(await getDelivery(id, staff), 404)
    }
    expectProblem(await getDelivery(partnerEndpoint, await h.auth('partner')), 404)
  })

  it('does not let redeliver touch a record that is not a delivery', async () => {
    const staff = await h.auth('staff')
    const active = await h.app.inject({
      method: 'POST',
      url: `/v1/hearings/${hearingId}/subscriptions`,
      headers: staff,
      payload: { email: 'active.lawyer@lawfirm.kz' },
    })
    expect(active.statusCode).toBe(201)
    const activeId: string = active.json().id
    const subs = async () =>
      (
        await h.app.inject({ method: 'GET', url: `/v1/subscriptions?hearingId=${hearingId}`, headers: staff })
      ).json().items
    const endpointView = async () =>
      (
        await h.app.inject({ method: 'GET', url: `/v1/webhook-endpoints/${staffEndpoint}`, headers: staff })
      ).json()
    const subsBefore = await subs()
    const endpointBefore = await endpointView()

    // Soft: the records must be intact whatever status came back.
    for (const id of [activeId, subscriptionId, staffEndpoint, hearingId]) {
      const res = await h.app.inject({
        method: 'POST',
        url: `/v1/deliveries/${id}/redeliver`,
        headers: staff,
      })
      expect.soft(res.statusCode, `redeliver ${id}: ${res.body}`).toBe(404)
    }
    const subsAfter = await subs()
    expect(subsAfter).toEqual(subsBefore)
    expect(subsAfter.find((s: { id: string }) => s.id === activeId)?.status).toBe('active')
    expect(await endpointView()).toEqual(endpointBefore)
  })

  it('answers 409 to redelivering a delivery that is still pending, and leaves it as it was', async () => {
    const staff = await h.auth('staff')
    const before = (await getDelivery(staffTest.deliveryId, staff)).json()
    const res = await h.app.inject({
      method: 'POST',
      url: `/v1/deliveries/${staffTest.deliveryId}/redeliver`,
      headers: staff,
    })
    expectProblem(res, 409)
    expect((await getDelivery(staffTest.deliveryId, staff)).json()).toEqual(before)
  })

  it('redelivers a finished delivery: 202, the same delivery pending again with its attempts kept', async () => {
    const staff = await h.auth('staff')
    const { deliveryId, eventId } = await sendTest(staff, staffEndpoint)
    // What a webhook worker records when the retry schedule is used up.
    await h.services.deliveries.recordAttempt(
      deliveryId,
      { at: new Date().toISOString(), durationMs: 12, statusCode: 500 },
      'failed',
      null,
    )
    const failed = (await getDelivery(deliveryId, staff)).json()
    expect(failed).toMatchObject({ status: 'failed', nextAttemptAt: null })
    expect(failed.attempts).toHaveLength(1)
    expect((await list('status=failed', staff)).map((d) => d.id)).toEqual([deliveryId])

    const res = await h.app.inject({
      method: 'POST',
      url: `/v1/deliveries/${deliveryId}/redeliver`,
      headers: staff,
    })
    expect(res.statusCode).toBe(202)
    const read = (await getDelivery(deliveryId, staff)).json()
    expect(read).toMatchObject({ id: deliveryId, eventId, status: 'pending', target: STAFF_URL })
    expect(read.attempts).toEqual(failed.attempts)
    // Still pending: a second redeliver is a conflict.
    expectProblem(
      await h.app.inject({ method: 'POST', url: `/v1/deliveries/${deliveryId}/redeliver`, headers: staff }),
      409,
    )
  })

  it('shows a partner only the deliveries to its own endpoints', async () => {
    const partner = await h.auth('partner')
    const mine = await list('', partner)
    expect(mine.map((d) => d.id)).toEqual([partnerTest.deliveryId])
    expect(mine[0]).toMatchObject({ channel: 'webhook', target: PARTNER_URL })
    expect(await list('channel=email', partner)).toEqual([])
    expect(await list(`hearingId=${hearingId}`, partner)).toEqual([])
    expect(await list(`endpointId=${otherEndpoint}`, partner)).toEqual([])
    expect(await list(`endpointId=${staffEndpoint}`, partner)).toEqual([])
    expect((await list(`endpointId=${partnerEndpoint}`, partner)).map((d) => d.id)).toEqual([
      partnerTest.deliveryId,
    ])

    expect((await getDelivery(partnerTest.deliveryId, partner)).statusCode).toBe(200)
    const emailId = (await list('channel=email', await h.auth('staff')))[0]?.id as string
    for (const id of [otherTest.deliveryId, staffTest.deliveryId, emailId]) {
      expectProblem(await getDelivery(id, partner), 404)
      expectProblem(
        await h.app.inject({ method: 'POST', url: `/v1/deliveries/${id}/redeliver`, headers: partner }),
        404,
      )
    }
    expect((await list('', otherPartner)).map((d) => d.id)).toEqual([otherTest.deliveryId])
    expectProblem(await getDelivery(partnerTest.deliveryId, otherPartner), 404)
  })

  it('answers 401 without a key or with an unknown key', async () => {
    const unknown = { authorization: 'Bearer cb_unknown' }
    for (const headers of [{}, unknown]) {
      expectProblem(await h.app.inject({ method: 'GET', url: '/v1/deliveries', headers }), 401)
      expectProblem(await getDelivery(staffTest.deliveryId, headers), 401)
      expectProblem(
        await h.app.inject({
          method: 'POST',
          url: `/v1/deliveries/${staffTest.deliveryId}/redeliver`,
          headers,
        }),
        401,
      )
    }
  })
})
