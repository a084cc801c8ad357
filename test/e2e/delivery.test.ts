import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EventRecord } from '../../src/events/event.js'
import type { Hearing } from '../../src/hearings/hearing.schema.js'
import { newId } from '../../src/platform/ids.js'
import { eventually, type Harness, registerBilash, startHarness } from '../helpers/harness.js'
import { type Receiver, startReceiver } from '../helpers/receiver.js'
import { rawHeader, type SmtpSink, startSmtpSink } from '../helpers/smtp.js'

/** Retries, redelivery and the email links, with a short retry schedule so the whole schedule runs in the test. */
let h: Harness
let smtp: SmtpSink
let receiver: Receiver

beforeAll(async () => {
  smtp = await startSmtpSink()
  receiver = await startReceiver()
  h = await startHarness({
    name: 'e2e-delivery',
    workers: true,
    env: { SMTP_URL: smtp.url, RETRY_SCHEDULE: '100ms,200ms,300ms' },
  })
})
afterAll(async () => {
  await h.close()
  await smtp.close()
  await receiver.close()
})

const staff = () => h.auth('staff')
type Delivery = {
  id: string
  status: string
  attempts: { statusCode?: number; error?: string }[]
  eventType: string
  channel: string
}
const getDelivery = async (id: string): Promise<Delivery> =>
  (await h.app.inject({ method: 'GET', url: `/v1/deliveries/${id}`, headers: await staff() })).json()
/** A webhook endpoint on the receiver, at this path. */
const newEndpoint = async (path: string) =>
  (
    await h.app.inject({
      method: 'POST',
      url: '/v1/webhook-endpoints',
      headers: await staff(),
      payload: { url: `${receiver.url}${path}` },
    })
  ).json()
const settled = (id: string) =>
  eventually(
    async () => {
      const d = await getDelivery(id)
      return d.status === 'succeeded' || d.status === 'failed' ? d : undefined
    },
    10_000,
    `delivery ${id} to settle`,
  )

describe('webhook retries', () => {
  it('retries a failing receiver with one webhook-id, ends failed, then succeeds on redeliver', async () => {
    const endpoint = await newEndpoint('/failing')
    receiver.setResponse((hook) => (hook.body.includes('webhook.test') ? 500 : 200))
    const test = await h.app.inject({
      method: 'POST',
      url: `/v1/webhook-endpoints/${endpoint.id}/test`,
      headers: await staff(),
    })
    expect(test.statusCode).toBe(202)
    const { deliveryId } = test.json()

    const failed = await settled(deliveryId)
    expect(failed.status).toBe('failed')
    expect(failed.attempts).toHaveLength(4) // one try plus three retries
    expect(failed.attempts.every((a) => a.statusCode === 500)).toBe(true)
    const tries = receiver.ofType('webhook.test').filter((r) => r.headers['webhook-id'] === deliveryId)
    expect(tries).toHaveLength(4)
    expect(new Set(tries.map((t) => t.headers['webhook-id']))).toEqual(new Set([deliveryId]))

    receiver.setResponse(() => 200)
    const redeliver = await h.app.inject({
      method: 'POST',
      url: `/v1/deliveries/${deliveryId}/redeliver`,
      headers: await staff(),
    })
    expect(redeliver.statusCode).toBe(202)
    const succeeded = await settled(deliveryId)
    expect(succeeded.status).toBe('succeeded')
    expect(succeeded.attempts).toHaveLength(5)
    const last = receiver
      .ofType('webhook.test')
      .filter((r) => r.headers['webhook-id'] === deliveryId)
      .at(-1)
    expect(last?.headers['webhook-id']).toBe(deliveryId)
    expect(() =>
      new Webhook(endpoint.secret).verify(last?.body ?? '', last?.headers as Record<string, string>),
    ).not.toThrow()
  })

  it('signs with both secrets for a day after rotation', async () => {
    receiver.setResponse(() => 200)
    const endpoint = await newEndpoint('/rotated')
    const { secret } = (
      await h.app.inject({
        method: 'POST',
        url: `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`,
        headers: await staff(),
      })
    ).json()
    const { deliveryId } = (
      await h.app.inject({
        method: 'POST',
        url: `/v1/webhook-endpoints/${endpoint.id}/test`,
        headers: await staff(),
      })
    ).json()
    await settled(deliveryId)
    const hook = receiver.received.find((r) => r.headers['webhook-id'] === deliveryId)
    expect(String(hook?.headers['webhook-signature']).split(' ')).toHaveLength(2)
    for (const s of [secret, endpoint.secret])
      expect(() =>
        new Webhook(s).verify(hook?.body ?? '', hook?.headers as Record<string, string>),
      ).not.toThrow()
  })

  it('decides at every attempt whether a reminder is too late, though the worker read its event once', async () => {
    const endpoint = await newEndpoint('/late')
    const record = await h.services.endpoints.get(endpoint.id)
    // A hearing that begins 400 ms from now; its receiver fails, and the retries (100, 200, 300 ms) run into it.
    const now = Date.now()
    const at = (ms: number) => new Date(now + ms).toISOString()
    const hearing: Hearing = {
      id: newId('hrg'),
      caseId: newId('case'),
      title: 'A hearing about to begin',
      startsAt: at(400).slice(0, 19),
      allDay: false,
      timeZone: 'UTC',
      startsAtUtc: at(400),
      duration: 'PT1H',
      location: null,
      notes: null,
      status: 'scheduled',
      outcome: null,
      cancelReason: null,
      version: 1,
      createdAt: at(0),
      updatedAt: at(0),
    }
    const event: EventRecord = {
      id: newId('evt'),
      type: 'hearing.reminder',
      timestamp: at(0),
      hearingId: hearing.id,
      caseId: hearing.caseId,
      data: { hearing, case: null, reminder: { remindBefore: 'PT1H', dueAt: at(0) } },
    }
    receiver.setResponse((hook) => (hook.json.data.hearing?.id === hearing.id ? 500 : 200))
    await h.redis.set(h.services.store.keys.record(event.id), JSON.stringify(event))
    const [delivery] = await h.services.fanOut.enqueue(event, {
      subscriptions: [],
      endpoints: record ? [record] : [],
    })
    const missed = await eventually(
      async () => {
        const d = await getDelivery(delivery?.id as string)
        return d.status === 'missed' || d.status === 'failed' ? d : undefined
      },
      10_000,
      'the reminder delivery to end',
    )
    const tries = receiver.received.filter((r) => r.headers['webhook-id'] === delivery?.id)
    expect(missed.status).toBe('missed')
    expect(tries.length).toBeGreaterThan(0)
    expect(missed.attempts).toHaveLength(tries.length)
    expect(missed.attempts.every((a) => a.statusCode === 500)).toBe(true)
    receiver.setResponse(() => 200)
  })
})

describe('email delivery', () => {
  it('retries an SMTP 4xx and fails at once on a 5xx', async () => {
    const { hearing } = await registerBilash(h)
    for (const email of ['greylisted@example.org', 'nobody@example.org'])
      await h.app.inject({
        method: 'POST',
        url: `/v1/hearings/${hearing.id}/subscriptions`,
        headers: await staff(),
        payload: { email },
      })
    // Subscribed by staff, each first gets a welcome; the server turns difficult after that.
    for (const email of ['greylisted@example.org', 'nobody@example.org'])
      await eventually(() => smtp.to(email)[0], 10_000, `the welcome to ${email}`)
    let refusals = 2
    smtp.setReply((to) =>
      to === 'greylisted@example.org' && refusals-- > 0 ? 450 : to === 'nobody@example.org' ? 550 : undefined,
    )
    await h.app.inject({
      method: 'POST',
      url: `/v1/hearings/${hearing.id}/cancel`,
      headers: await staff(),
      payload: {},
    })

    const list = await eventually(
      async () => {
        const items: (Delivery & { target: string })[] = (
          await h.app.inject({
            method: 'GET',
            url: `/v1/deliveries?hearingId=${hearing.id}&channel=email`,
            headers: await staff(),
          })
        )
          .json()
          .items.filter((d: Delivery) => d.eventType === 'hearing.cancelled')
        return items.length === 2 && items.every((d) => d.status === 'succeeded' || d.status === 'failed')
          ? items
          : undefined
      },
      10_000,
      'both emails to settle',
    )
    const greylisted = list.find((d) => d.target === 'greylisted@example.org')
    const nobody = list.find((d) => d.target === 'nobody@example.org')
    expect(greylisted).toMatchObject({ status: 'succeeded' })
    expect(greylisted?.attempts).toHaveLength(3)
    expect(nobody).toMatchObject({ status: 'failed' })
    expect(nobody?.attempts).toHaveLength(1)
    expect(smtp.to('greylisted@example.org')).toHaveLength(2)
    smtp.setReply(() => undefined)
  })
})

describe('self-service subscription', () => {
  it('confirms through the link in the email and unsubscribes in one click', async () => {
    const { hearing } = await registerBilash(h)
    const requested = await h.app.inject({
      method: 'POST',
      url: `/v1/hearings/${hearing.id}/subscriptions`,
      payload: { email: 'lawyer@example.org' },
    })
    expect(requested.statusCode).toBe(202)
    expect(requested.json().status).toBe('pending')

    const confirmation = await eventually(() => smtp.to('lawyer@example.org')[0], 5000, 'confirmation email')
    const link = /http:\/\/courtbell\.test(\/subscriptions\/confirm\?token=[^\s"<>]+)/.exec(
      confirmation.mail.text ?? '',
    )?.[1]
    expect(link).toBeDefined()
    // Opening the link shows the Confirm button; pressing it (a POST) confirms.
    const page = await h.app.inject({ method: 'GET', url: link as string })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toMatch(/text\/html/)
    expect((await h.app.inject({ method: 'POST', url: link as string })).statusCode).toBe(200)
    const active = (
      await h.app.inject({
        method: 'GET',
        url: `/v1/subscriptions?hearingId=${hearing.id}`,
        headers: await staff(),
      })
    ).json().items[0]
    expect(active.status).toBe('active')

    // The lawyer now gets notices; the one-click link in the notice unsubscribes.
    await h.app.inject({
      method: 'PATCH',
      url: `/v1/hearings/${hearing.id}`,
      headers: await staff(),
      payload: { startsAt: '2026-12-15T10:00' },
    })
    const notice = await eventually(
      () => smtp.to('lawyer@example.org').find((m) => /moved/i.test(m.mail.subject ?? '')),
      5000,
      'reschedule notice',
    )
    const unsubscribe = /<http:\/\/courtbell\.test(\/unsubscribe\?token=[^>]+)>/.exec(
      rawHeader(notice, 'List-Unsubscribe') ?? '',
    )?.[1]
    const oneClick = await h.app.inject({
      method: 'POST',
      url: unsubscribe as string,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    })
    expect(oneClick.statusCode).toBe(200)
    const after = (
      await h.app.inject({
        method: 'GET',
        url: `/v1/subscriptions?hearingId=${hearing.id}`,
        headers: await staff(),
      })
    ).json().items[0]
    expect(after.status).toBe('unsubscribed')

    const before = smtp.to('lawyer@example.org').length
    await h.app.inject({
      method: 'POST',
      url: `/v1/hearings/${hearing.id}/cancel`,
      headers: await staff(),
      payload: {},
    })
    await new Promise((r) => setTimeout(r, 1000))
    expect(smtp.to('lawyer@example.org')).toHaveLength(before)
  })
})
