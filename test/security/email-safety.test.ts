import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTokens } from '../../src/subscriptions/tokens.js'
import { bilash, eventually, type Harness, startHarness } from '../helpers/harness.js'
import { type ReceivedMail, rawHeader, type SmtpSink, startSmtpSink } from '../helpers/smtp.js'
import { tokenOf, utcWallTime } from './support.js'

/**
 * Email safety (issue 4, item 5): double opt-in, signed tokens bound to one subscription and one purpose,
 * confirmation links that expire and unsubscribe links that do not, and user text that can neither run
 * in the HTML part nor add a header. Real emails through a loopback SMTP sink, workers running.
 */

let h: Harness
let smtp: SmtpSink
let staff: Record<string, string>
const rcpts: string[] = []
const DAY = 24 * 3600_000

type Sub = { id: string; status: string; email: string; name: string | null; remindBefore: string[] }

beforeAll(async () => {
  smtp = await startSmtpSink()
  smtp.setReply((to) => {
    rcpts.push(to.toLowerCase())
    return undefined
  })
  h = await startHarness({
    name: 'sec-email',
    workers: true,
    env: { SMTP_URL: smtp.url, RETRY_SCHEDULE: '200ms,200ms' },
  })
  staff = await h.auth('staff')
})
afterAll(async () => {
  await h?.close()
  await smtp?.close()
})

let ipSeq = 0
async function selfService(url: string, payload: object) {
  // Its own address each time, so the per-IP limit never decides these tests.
  const res = await h.app.inject({ method: 'POST', url, payload, remoteAddress: `198.18.0.${++ipSeq}` })
  expect(res.statusCode, res.body).toBe(202)
  return res.json() as Sub
}
async function post(url: string, payload: object) {
  const res = await h.app.inject({ method: 'POST', url, headers: staff, payload })
  expect(res.statusCode, res.body).toBeLessThan(300)
  return res.json() as { id: string } & Record<string, unknown>
}
async function patch(url: string, payload: object) {
  const res = await h.app.inject({ method: 'PATCH', url, headers: staff, payload })
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}
async function stored(id: string): Promise<Sub> {
  const sub = await h.services.subscriptions.get(id)
  if (!sub) throw new Error(`no subscription ${id}`)
  return sub as Sub
}
const page = (method: 'GET' | 'POST', path: string, token: string) =>
  h.app.inject({ method, url: `${path}?token=${encodeURIComponent(token)}` })
const mailbox = (email: string) => smtp.to(email)
const linkIn = (mail: ReceivedMail, path: string) =>
  String(mail.mail.text).match(new RegExp(`https?://\\S+${path.replace('/', '\\/')}\\?token=\\S+`))?.[0]

describe('double opt-in', () => {
  it('a self-service subscription stays pending, and gets no reminder or notice, until confirmed', {
    timeout: 40_000,
  }, async () => {
    const kase = await post('/v1/cases', bilash.case)
    const hearing = await post(`/v1/cases/${kase.id}/hearings`, {
      title: 'Hearing soon',
      timeZone: 'UTC',
      startsAt: utcWallTime(Date.now() + 9000),
    })
    const remindBefore = ['PT5S']
    await post(`/v1/hearings/${hearing.id}/subscriptions`, { email: 'control@lawfirm.test', remindBefore })
    const pending = await selfService(`/v1/hearings/${hearing.id}/subscriptions`, {
      email: 'pending@lawfirm.test',
      remindBefore,
    })
    const pendingCase = await selfService(`/v1/cases/${kase.id}/subscriptions`, {
      email: 'pending-case@lawfirm.test',
      remindBefore,
    })
    expect(pending.status).toBe('pending')
    expect(pendingCase.status).toBe('pending')

    // The active control gets its reminder, then a notice when the hearing moves...
    await eventually(
      () => mailbox('control@lawfirm.test').find((m) => /^Reminder/.test(m.mail.subject ?? '')),
      15_000,
      'the control reminder',
    )
    await patch(`/v1/hearings/${hearing.id}`, { startsAt: '2027-02-01T10:00' })
    await eventually(
      () => mailbox('control@lawfirm.test').find((m) => /^Hearing moved/.test(m.mail.subject ?? '')),
      10_000,
      'the control notice',
    )
    await new Promise((r) => setTimeout(r, 500))
    // ...the pending addresses only their confirmation.
    for (const email of ['pending@lawfirm.test', 'pending-case@lawfirm.test']) {
      const got = mailbox(email).map((m) => m.mail.subject)
      expect(got, email).toEqual(['Confirm your courtbell subscription'])
    }
    expect((await stored(pending.id)).status).toBe('pending')
    const deliveries = (
      await h.app.inject({ method: 'GET', url: '/v1/deliveries?channel=email&limit=200', headers: staff })
    ).json().items as { target: string; eventType: string }[]
    expect(
      deliveries.filter((d) => d.target.startsWith('pending') && d.eventType !== 'subscription.confirmation'),
    ).toEqual([])

    // Confirming through the emailed link makes it active; the next notice reaches it.
    const link = linkIn(mailbox('pending@lawfirm.test')[0] as ReceivedMail, '/subscriptions/confirm')
    expect(link).toBeDefined()
    // Opening the link (what a mail scanner does too) only shows the button; pressing it confirms.
    const shown = await page('GET', '/subscriptions/confirm', tokenOf(link as string))
    expect(shown.statusCode).toBe(200)
    expect(shown.body).toContain('<form method="post"')
    expect((await stored(pending.id)).status).toBe('pending')
    const confirmed = await page('POST', '/subscriptions/confirm', tokenOf(link as string))
    expect(confirmed.statusCode).toBe(200)
    expect(confirmed.headers['content-type']).toMatch(/^text\/html/)
    expect((await stored(pending.id)).status).toBe('active')
    await patch(`/v1/hearings/${hearing.id}`, { startsAt: '2027-02-02T10:00' })
    await eventually(
      () => mailbox('pending@lawfirm.test').find((m) => /^Hearing moved/.test(m.mail.subject ?? '')),
      10_000,
      'the notice after confirmation',
    )
    expect((await stored(pendingCase.id)).status).toBe('pending')
  })

  it('an anonymous request neither changes nor reveals an active subscription', async () => {
    const kase = await post('/v1/cases', bilash.case)
    const hearing = await post(`/v1/cases/${kase.id}/hearings`, bilash.hearing)
    const active = await post(`/v1/hearings/${hearing.id}/subscriptions`, {
      email: 'aiman@lawfirm.test',
      name: 'Aiman Umarova',
      remindBefore: ['P2D'],
      timeZone: 'Europe/Berlin',
    })
    await new Promise((r) => setTimeout(r, 20))
    const asked = Date.now()
    const res = await h.app.inject({
      method: 'POST',
      url: `/v1/hearings/${hearing.id}/subscriptions`,
      remoteAddress: '198.18.1.1',
      payload: { email: 'aiman@lawfirm.test', name: 'Someone else', remindBefore: ['PT1S'] },
    })
    expect(res.statusCode).toBe(202)
    // Neither the id (which encodes its creation time) nor createdAt may show that a subscription existed.
    expect(res.json().id).not.toBe(active.id)
    expect(Date.parse(res.json().createdAt)).toBeGreaterThanOrEqual(asked - 5)
    // Nothing changed...
    expect(await stored(active.id)).toMatchObject({
      status: 'active',
      name: 'Aiman Umarova',
      remindBefore: ['P2D'],
    })
    // ...and a stranger learns nothing about who follows this hearing (API.md: self-service → 202 pending).
    expect(res.body).not.toContain('Aiman Umarova')
    expect(res.body).not.toContain('Europe/Berlin')
    expect(res.json().status).toBe('pending')
  })
})

describe('tokens', () => {
  let hearingId: string
  beforeAll(async () => {
    const kase = await post('/v1/cases', bilash.case)
    hearingId = (await post(`/v1/cases/${kase.id}/hearings`, bilash.hearing)).id
  })
  const pendingSub = (email: string) => selfService(`/v1/hearings/${hearingId}/subscriptions`, { email })

  it('a confirmation link expires after 7 days: a token issued 8 days ago answers 400 and changes nothing', async () => {
    const sub = await pendingSub('slow-reader@lawfirm.test')
    const before = await stored(sub.id)
    const expired = h.services.tokens.issue(sub.id, 'confirm', Date.now() - 8 * DAY)
    expect((await page('GET', '/subscriptions/confirm', expired)).statusCode).toBe(400)
    const res = await page('POST', '/subscriptions/confirm', expired)
    expect(res.statusCode).toBe(400)
    expect(res.headers['content-type']).toMatch(/^text\/html/)
    expect(await stored(sub.id)).toEqual(before)
    expect(before.status).toBe('pending')
    // Within the 7 days the link still works.
    const recent = h.services.tokens.issue(sub.id, 'confirm', Date.now() - 6 * DAY)
    expect((await page('POST', '/subscriptions/confirm', recent)).statusCode).toBe(200)
    expect((await stored(sub.id)).status).toBe('active')
  })

  it('an unsubscribe link keeps working: a token issued 400 days ago, used twice, by GET and POST', async () => {
    const sub = await post(`/v1/hearings/${hearingId}/subscriptions`, { email: 'long-time@lawfirm.test' })
    const old = h.services.tokens.issue(sub.id, 'unsubscribe', Date.now() - 400 * DAY)
    const form = await page('GET', '/unsubscribe', old)
    expect(form.statusCode).toBe(200)
    expect(form.body).toContain('<form method="post"')
    expect((await stored(sub.id)).status).toBe('active') // GET only shows the button
    expect((await page('POST', '/unsubscribe', old)).statusCode).toBe(200)
    expect((await stored(sub.id)).status).toBe('unsubscribed')
    expect((await page('POST', '/unsubscribe', old)).statusCode).toBe(200)
    expect((await page('GET', '/unsubscribe', old)).statusCode).toBe(200)
    // An unsubscribed address cannot be brought back by an old confirmation link.
    const confirm = h.services.tokens.issue(sub.id, 'confirm')
    expect((await page('GET', '/subscriptions/confirm', confirm)).statusCode).toBe(400)
    expect((await stored(sub.id)).status).toBe('unsubscribed')
  })

  it('a token for one subscription never works for another, nor for another purpose', async () => {
    const a = await pendingSub('alpha@lawfirm.test')
    const b = await pendingSub('bravo@lawfirm.test')
    const confirmA = h.services.tokens.issue(a.id, 'confirm')
    const unsubscribeA = h.services.tokens.issue(a.id, 'unsubscribe')
    const confirmB = h.services.tokens.issue(b.id, 'confirm')
    const unsubscribeB = h.services.tokens.issue(b.id, 'unsubscribe')
    /** A's token with its payload rewritten to name B, signature kept: what a forger would try. */
    const retarget = (token: string, id: string) => {
      const [payload, signature] = token.split('.') as [string, string]
      const [purpose, , expires] = Buffer.from(payload, 'base64url').toString('utf8').split('.')
      return `${Buffer.from(`${purpose}.${id}.${expires}`).toString('base64url')}.${signature}`
    }
    const foreign = createTokens(randomBytes(32))
    const bad = [
      retarget(confirmA, b.id),
      retarget(unsubscribeA, b.id),
      unsubscribeB, // wrong purpose for /subscriptions/confirm
      foreign.issue(b.id, 'confirm'),
      `${confirmB}.extra`,
      `${confirmB.split('.')[0]}.`,
      `${confirmB.slice(0, -3)}AAA`,
      Buffer.from(`confirm.${b.id}.0`).toString('base64url'),
      `${Buffer.from(`confirm.${b.id}.0`).toString('base64url')}.${confirmB.split('.')[1]}`,
    ]
    for (const token of bad) {
      expect((await page('GET', '/subscriptions/confirm', token)).statusCode, token).toBe(400)
      expect((await page('POST', '/subscriptions/confirm', token)).statusCode, token).toBe(400)
    }
    for (const token of [confirmB, retarget(unsubscribeA, b.id), foreign.issue(b.id, 'unsubscribe')]) {
      expect((await page('GET', '/unsubscribe', token)).statusCode, token).toBe(400)
      expect((await page('POST', '/unsubscribe', token)).statusCode, token).toBe(400)
    }
    expect((await stored(b.id)).status).toBe('pending')
    // A's own token confirms A, and only A.
    expect((await page('POST', '/subscriptions/confirm', confirmA)).statusCode).toBe(200)
    expect((await stored(a.id)).status).toBe('active')
    expect((await stored(b.id)).status).toBe('pending')
  })
})

describe('user text in real emails', () => {
  const EVIL = {
    caseTitle: 'Bilash <script>alert("case")</script>\r\nBcc: attacker@evil.test',
    court: 'Court <img src=x onerror=alert(1)>',
    hearingTitle: 'Decision <script>alert(2)</script>\r\nX-Injected: yes\r\nBcc: attacker@evil.test',
    location: '<iframe src="https://evil.test/"></iframe>\nRoom 5',
    notes: '</td></tr></table><script>alert(3)</script>\r\n\r\n<a href="javascript:alert(4)">click</a>',
    name: 'Aiman\r\nBcc: attacker@evil.test\r\n<b onmouseover=alert(5)>x</b>',
    reason: 'Judge ill <script>alert(6)</script>\r\nX-Injected: yes',
  }
  const RAW_HTML = [/<script/i, /<img/i, /<iframe/i, /<b\s/i, /<a href="javascript:/i, /<\/table><script/i]

  function expectSafe(m: ReceivedMail, to: string) {
    const html = String(m.mail.html)
    for (const pattern of RAW_HTML) expect(html, `${m.mail.subject}: ${pattern}`).not.toMatch(pattern)
    expect(html).toContain('&lt;script&gt;')
    // No header came from user text: one recipient, no Bcc, no X-Injected, a one-line subject.
    expect(m.mail.headers.has('x-injected')).toBe(false)
    expect(m.mail.headers.has('bcc')).toBe(false)
    expect(m.rawHeaders.some((l) => /^(bcc|x-injected)\s*:/i.test(l))).toBe(false)
    expect(JSON.stringify(m.mail.to)).toContain(to)
    expect(JSON.stringify(m.mail.to)).not.toContain('evil.test')
    expect(m.mail.cc).toBeUndefined()
    expect(m.mail.subject ?? '').not.toMatch(/[\r\n]/)
    expect(rawHeader(m, 'List-Unsubscribe') ?? '').not.toMatch(/evil|script/i)
  }

  it('is escaped in the HTML part and cannot add headers or recipients', { timeout: 30_000 }, async () => {
    const kase = await post('/v1/cases', { ...bilash.case, title: EVIL.caseTitle, court: EVIL.court })
    const hearing = await post(`/v1/cases/${kase.id}/hearings`, {
      title: EVIL.hearingTitle,
      startsAt: '2027-03-01T10:00',
      timeZone: 'Asia/Almaty',
      location: EVIL.location,
      notes: EVIL.notes,
    })
    await post(`/v1/hearings/${hearing.id}/subscriptions`, { email: 'escaped@lawfirm.test', name: EVIL.name })
    await selfService(`/v1/hearings/${hearing.id}/subscriptions`, {
      email: 'opt-in@lawfirm.test',
      name: EVIL.name,
    })
    await selfService(`/v1/cases/${kase.id}/subscriptions`, {
      email: 'opt-in-case@lawfirm.test',
      name: EVIL.name,
    })
    await patch(`/v1/hearings/${hearing.id}`, { startsAt: '2027-03-02T10:00' })
    await post(`/v1/hearings/${hearing.id}/cancel`, { reason: EVIL.reason })

    // Subscribed by staff: a welcome first, then the two notices.
    const received = await eventually(
      () => (mailbox('escaped@lawfirm.test').length >= 3 ? mailbox('escaped@lawfirm.test') : undefined),
      15_000,
      'the welcome and the rescheduled and cancelled notices',
    )
    const welcome = received.filter((m) => m.mail.subject?.startsWith('You are subscribed'))
    expect(welcome).toHaveLength(1)
    expectSafe(welcome[0] as ReceivedMail, 'escaped@lawfirm.test')
    const notices = received.filter((m) => !welcome.includes(m))
    const optIn = await eventually(() => mailbox('opt-in@lawfirm.test')[0], 10_000, 'the confirmation')
    const optInCase = await eventually(
      () => mailbox('opt-in-case@lawfirm.test')[0],
      10_000,
      'the case confirmation',
    )
    expect(notices.map((m) => m.mail.subject?.split(':')[0]).sort()).toEqual([
      'Hearing cancelled',
      'Hearing moved',
    ])
    for (const m of notices) expectSafe(m, 'escaped@lawfirm.test')
    expectSafe(optIn, 'opt-in@lawfirm.test')
    expectSafe(optInCase, 'opt-in-case@lawfirm.test')
    // The user's text is still there, as text.
    const cancelled = notices.find((m) => m.mail.subject?.startsWith('Hearing cancelled')) as ReceivedMail
    expect(String(cancelled.mail.html)).toContain('&lt;iframe src=&quot;https://evil.test/&quot;&gt;')
    expect(String(cancelled.mail.text)).toContain('Room 5')
    await new Promise((r) => setTimeout(r, 300))
    expect(rcpts.filter((r) => r.includes('evil.test'))).toEqual([])
  })
})
