import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ParsedMail, simpleParser } from 'mailparser'
import { pino } from 'pino'
import { SMTPServer, type SMTPServerError, type SMTPServerOptions } from 'smtp-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Case } from '../src/cases/case.schema.js'
import { createMailer, isPermanentMailError, type Mailer, type OutgoingEmail } from '../src/email/mailer.js'
import {
  type EmailContext,
  type RenderedEmail,
  renderCancelled,
  renderConfirmation,
  renderDecided,
  renderReminder,
  renderRescheduled,
} from '../src/email/render.js'
import type { Hearing } from '../src/hearings/hearing.schema.js'

// From /work/shared/fixtures/bilash-case.json, moved to 2026 (Asia/Almaty is UTC+5 since 2024).
const bilashCase: Case = {
  id: 'case_test',
  title: 'Probation service v. Serikzhan Bilash — petition to declare wanted',
  court: 'Court of Almaty (Kazakhstan)',
  timeZone: 'Asia/Almaty',
  caseNumber: '2-1234/2026',
  jurisdiction: 'KZ',
  description:
    'The probation service asks the court to declare the human rights activist Serikzhan Bilash wanted.',
  tags: ['human-rights', 'xinjiang', 'bilash'],
  visibility: 'public',
  deadlineRules: [],
  language: 'en',
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
}

const allDayHearing: Hearing = {
  id: 'hrg_test',
  caseId: 'case_test',
  title: 'Decision on the petition to declare Bilash wanted',
  startsAt: '2026-12-14',
  allDay: true,
  timeZone: 'Asia/Almaty',
  startsAtUtc: '2026-12-14T04:00:00.000Z',
  duration: 'PT1H',
  location: 'Courtroom 5',
  notes: null,
  status: 'scheduled',
  outcome: null,
  cancelReason: null,
  version: 1,
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
}

// 10:00 in Almaty (UTC+5) is 05:00Z, 06:00 in Berlin (UTC+1 in December).
const timedHearing: Hearing = {
  ...allDayHearing,
  startsAt: '2026-12-14T10:00',
  allDay: false,
  startsAtUtc: '2026-12-14T05:00:00.000Z',
}

const unsubscribeUrl = 'http://127.0.0.1:3000/unsubscribe?token=tok_test'

function context(over: Partial<EmailContext> = {}): EmailContext {
  return {
    hearing: timedHearing,
    case: bilashCase,
    readerZone: 'Asia/Almaty',
    recipientName: 'Shynkuat Baizhanov',
    unsubscribeUrl,
    ...over,
  }
}

function outgoing(rendered: RenderedEmail, messageId: string, to = 'lawyer@example.org'): OutgoingEmail {
  return {
    to,
    ...rendered,
    messageId,
    headers: {
      'List-Unsubscribe': `<${unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  }
}

/** mailparser folds List-* headers into one structured 'list' value; the raw line is what mail clients read. */
function headerLine(mail: ParsedMail, key: string): string | undefined {
  return mail.headerLines.find((h) => h.key === key)?.line
}

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1
}

const log = pino({ level: 'silent' })

type Received = { mail: ParsedMail; rcptTo: string[]; secure: boolean; user: string | undefined }

/** A local SMTP server that keeps what it receives, keyed by Message-ID. */
async function startSmtpServer(
  received: Map<string, Received>,
  options: SMTPServerOptions = {},
): Promise<{ server: SMTPServer; port: number }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    ...options,
    onData(stream, session, callback) {
      simpleParser(stream).then((mail) => {
        const rcptTo = session.envelope.rcptTo.map((r) => r.address)
        received.set(mail.messageId ?? '', { mail, rcptTo, secure: session.secure, user: session.user })
        callback()
      }, callback)
    },
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  return { server, port: (server.server.address() as AddressInfo).port }
}

function stop(server: SMTPServer | undefined): Promise<void> {
  return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()))
}

/** Rejects recipients by their local part: 'defer@' with 450, 'reject@' with 550. */
const rejectByLocalPart: SMTPServerOptions['onRcptTo'] = (address, _session, callback) => {
  const code = { defer: 450, reject: 550 }[address.address.split('@')[0] ?? '']
  if (!code) return callback()
  const err: SMTPServerError = new Error(code === 450 ? 'Mailbox busy, try later' : 'No such user')
  err.responseCode = code
  callback(err)
}

describe('email over SMTP', () => {
  const received = new Map<string, Received>()
  let server: SMTPServer
  let mailer: Mailer

  beforeAll(async () => {
    const started = await startSmtpServer(received, { onRcptTo: rejectByLocalPart })
    server = started.server
    mailer = createMailer({
      smtpUrl: `smtp://127.0.0.1:${started.port}`,
      outboxDir: '/nonexistent',
      from: 'courtbell <no-reply@courtbell.local>',
      log,
    })
  })

  afterAll(async () => {
    await mailer?.close()
    await stop(server)
  })

  async function sendAndReceive(mail: OutgoingEmail): Promise<Received> {
    await mailer.send(mail)
    const got = received.get(mail.messageId)
    if (!got) throw new Error(`message ${mail.messageId} did not arrive`)
    return got
  }

  it('delivers a reminder with text and HTML parts, its Message-ID and one-click unsubscribe headers', async () => {
    const rendered = renderReminder({ ...context(), remindBefore: 'PT2H' })
    const result = await mailer.send(outgoing(rendered, '<dlv_reminder@courtbell.local>'))
    expect(result.response).toMatch(/^250/)
    expect(result.outboxPath).toBeUndefined()

    const { mail, rcptTo } = received.get('<dlv_reminder@courtbell.local>') ?? expect.unreachable()
    expect(rcptTo).toEqual(['lawyer@example.org'])
    expect(mail.subject).toBe(rendered.subject)
    expect(mail.subject).toMatch(/^Reminder: Decision on the petition to declare Bilash wanted in 2 hours — /)
    expect(mail.from?.value[0]).toMatchObject({ name: 'courtbell', address: 'no-reply@courtbell.local' })
    expect(mail.text).toContain('in 2 hours')
    expect(mail.html).toContain('<table')
    expect(headerLine(mail, 'list-unsubscribe')).toBe(`List-Unsubscribe: <${unsubscribeUrl}>`)
    expect(headerLine(mail, 'list-unsubscribe-post')).toBe(
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    )
  })

  it('writes the hearing time in the hearing zone and in the reader zone when they differ', async () => {
    const rendered = renderReminder({ ...context({ readerZone: 'Europe/Berlin' }), remindBefore: 'P1D' })
    const { mail } = await sendAndReceive(outgoing(rendered, '<dlv_zones@courtbell.local>'))

    const almaty = 'Monday, 14 December 2026, 10:00 (Asia/Almaty, UTC+5)'
    const berlin = 'Monday, 14 December 2026, 06:00 (Europe/Berlin, UTC+1)'
    for (const part of [mail.text ?? '', mail.html || '']) {
      expect(part).toContain(almaty)
      expect(part).toContain(berlin)
      expect(part).toContain('Your time')
    }
    expect(mail.subject).toBe(
      `Reminder: Decision on the petition to declare Bilash wanted in 1 day — ${berlin}`,
    )
  })

  it('writes the hearing time only once when the reader zone is the hearing zone', async () => {
    const rendered = renderReminder({ ...context(), remindBefore: 'P7D' })
    const { mail } = await sendAndReceive(outgoing(rendered, '<dlv_onezone@courtbell.local>'))

    const almaty = 'Monday, 14 December 2026, 10:00 (Asia/Almaty, UTC+5)'
    expect(count(mail.text ?? '', almaty)).toBe(1)
    const htmlBody = (mail.html || '').slice((mail.html || '').indexOf('<body'))
    expect(count(htmlBody, almaty)).toBe(1)
    expect(mail.text).not.toContain('Your time')
    expect(mail.text).not.toContain('Europe/Berlin')
  })

  it('shows an all-day hearing by its court date only, whatever the reader zone', () => {
    const { text, subject } = renderReminder({
      ...context({ hearing: allDayHearing, readerZone: 'America/New_York' }),
      remindBefore: 'P1D',
    })
    expect(count(text, 'Monday, 14 December 2026 (time not yet announced)')).toBe(1)
    expect(text).not.toContain('Your time')
    expect(subject).toContain('Monday, 14 December 2026 (time not yet announced)')
  })

  it('reports a 450 recipient rejection as temporary', async () => {
    const rendered = renderReminder({ ...context(), remindBefore: 'PT2H' })
    const err = await mailer.send(outgoing(rendered, '<dlv_450@courtbell.local>', 'defer@example.org')).then(
      () => expect.unreachable('the send should fail'),
      (e: unknown) => e,
    )
    expect(err).toMatchObject({ responseCode: 450 })
    expect(isPermanentMailError(err)).toBe(false)
  })

  it('reports a 550 recipient rejection as permanent', async () => {
    const rendered = renderReminder({ ...context(), remindBefore: 'PT2H' })
    const err = await mailer.send(outgoing(rendered, '<dlv_550@courtbell.local>', 'reject@example.org')).then(
      () => expect.unreachable('the send should fail'),
      (e: unknown) => e,
    )
    expect(err).toMatchObject({ responseCode: 550 })
    expect(isPermanentMailError(err)).toBe(true)
  })

  it('escapes user text in the HTML part', async () => {
    const title = `<script>alert(1)</script> & "x"`
    const hearing = {
      ...timedHearing,
      title,
      location: "O'Brien & Sons <hall>",
      notes: 'line 1\n<b>line 2</b>',
    }
    const rendered = renderCancelled(
      context({ hearing: { ...hearing, cancelReason: '<img src=x onerror=alert(1)>' } }),
    )
    const { mail } = await sendAndReceive(outgoing(rendered, '<dlv_escape@courtbell.local>'))

    const html = mail.html || ''
    expect(html).not.toContain('<script>')
    expect(html).not.toContain('<img')
    expect(html).not.toContain('<b>')
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;')
    expect(html).toContain('O&#39;Brien &amp; Sons &lt;hall&gt;')
    expect(html).toContain('line 1<br>&lt;b&gt;line 2&lt;/b&gt;')
    // the text part and the subject carry the title as written
    expect(mail.text).toContain(title)
    expect(mail.subject).toBe(
      `Hearing cancelled: ${title} — Monday, 14 December 2026, 10:00 (Asia/Almaty, UTC+5)`,
    )
  })

  it('does not let a title inject a mail header through the subject', async () => {
    const hearing = { ...timedHearing, title: 'Hearing\r\nBcc: x@example.org' }
    const rendered = renderReminder({ ...context({ hearing }), remindBefore: 'PT2H' })
    expect(rendered.subject).not.toMatch(/[\r\n]/)

    const { mail, rcptTo } = await sendAndReceive(outgoing(rendered, '<dlv_inject@courtbell.local>'))
    expect(rcptTo).toEqual(['lawyer@example.org'])
    expect(mail.headers.has('bcc')).toBe(false)
    expect(mail.bcc).toBeUndefined()
    expect(mail.subject).toMatch(/^Reminder: Hearing Bcc: x@example.org in 2 hours — /)
  })

  it('does not let a raw subject with CR/LF inject a header either', async () => {
    const rendered = renderReminder({ ...context(), remindBefore: 'PT2H' })
    const mail = {
      ...outgoing(rendered, '<dlv_raw_inject@courtbell.local>'),
      subject: 'Hi\r\nBcc: x@example.org',
    }
    const got = await sendAndReceive(mail)
    expect(got.rcptTo).toEqual(['lawyer@example.org'])
    expect(got.mail.headers.has('bcc')).toBe(false)
    expect(got.mail.subject).not.toMatch(/[\r\n]/)
  })
})

describe('SMTP connection settings', () => {
  const received = new Map<string, Received>()
  const servers: SMTPServer[] = []
  const from = 'courtbell <no-reply@courtbell.local>'

  afterAll(async () => {
    await Promise.all(servers.map(stop))
  })

  async function sendThrough(smtpUrl: string, messageId: string): Promise<Received> {
    const mailer = createMailer({ smtpUrl, outboxDir: '/nonexistent', from, log })
    try {
      await mailer.send(outgoing(renderReminder({ ...context(), remindBefore: 'PT2H' }), messageId))
    } finally {
      await mailer.close()
    }
    return received.get(messageId) ?? expect.unreachable(`message ${messageId} did not arrive`)
  }

  it('logs in with the credentials in the URL', async () => {
    const { server, port } = await startSmtpServer(received, {
      authOptional: false,
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        if (auth.username === 'courtbell' && auth.password === 'p@ss:w/rd')
          return callback(null, { user: 'courtbell' })
        callback(new Error('Invalid username or password'))
      },
    })
    servers.push(server)
    const got = await sendThrough(
      `smtp://courtbell:p%40ss%3Aw%2Frd@127.0.0.1:${port}`,
      '<dlv_auth@courtbell.local>',
    )
    expect(got.user).toBe('courtbell')
  })

  it('upgrades to TLS on a loopback relay even with a self-signed certificate', async () => {
    const { server, port } = await startSmtpServer(received, { disabledCommands: [] })
    servers.push(server)
    const got = await sendThrough(`smtp://127.0.0.1:${port}`, '<dlv_starttls@courtbell.local>')
    expect(got.secure).toBe(true)
  })

  it('skips STARTTLS when the URL says ?ignoreTLS=true', async () => {
    const { server, port } = await startSmtpServer(received, { disabledCommands: [] })
    servers.push(server)
    const got = await sendThrough(
      `smtp://127.0.0.1:${port}?ignoreTLS=true`,
      '<dlv_ignoretls@courtbell.local>',
    )
    expect(got.secure).toBe(false)
  })
})

describe('email rendering', () => {
  it('tells what the hearing moved from and to', () => {
    const previous = {
      startsAt: '2026-12-10T15:30',
      timeZone: 'Asia/Almaty',
      startsAtUtc: '2026-12-10T10:30:00.000Z',
      allDay: false,
    }
    const { subject, text, html } = renderRescheduled({
      ...context({ readerZone: 'Europe/Berlin' }),
      previous,
    })
    expect(subject).toBe(
      'Hearing moved: Decision on the petition to declare Bilash wanted — now Monday, 14 December 2026, 06:00 (Europe/Berlin, UTC+1)',
    )
    expect(text).toContain('Thursday, 10 December 2026, 15:30 (Asia/Almaty, UTC+5)')
    expect(text).toContain('Thursday, 10 December 2026, 11:30 (Europe/Berlin, UTC+1)')
    expect(text).toContain('Monday, 14 December 2026, 10:00 (Asia/Almaty, UTC+5)')
    expect(html).toContain(unsubscribeUrl)
  })

  it('names the court, the case, its number and the location', () => {
    const { text, html } = renderReminder({ ...context(), remindBefore: 'PT2H' })
    for (const part of [text, html]) {
      expect(part).toContain('Court of Almaty (Kazakhstan)')
      expect(part).toContain('2-1234/2026')
      expect(part).toContain('Courtroom 5')
      expect(part).toContain('Hello Shynkuat Baizhanov,')
    }
    expect(text).toContain('Probation service v. Serikzhan Bilash — petition to declare wanted')
    expect(text).toContain(`Unsubscribe: ${unsubscribeUrl}`)
  })

  it('leaves out a missing case number and location', () => {
    const { text } = renderReminder({
      ...context({ hearing: { ...timedHearing, location: null }, case: { ...bilashCase, caseNumber: null } }),
      remindBefore: 'PT2H',
    })
    expect(text).not.toContain('Case number')
    expect(text).not.toContain('Location')
  })

  it('gives the reason of a cancellation and the outcome of a decision', () => {
    const cancelled = renderCancelled(
      context({ hearing: { ...timedHearing, status: 'cancelled', cancelReason: 'Judge ill' } }),
    )
    expect(cancelled.subject).toMatch(/^Hearing cancelled: /)
    expect(cancelled.text).toContain('Judge ill')

    const outcome = { summary: 'Petition rejected.', decidedAt: '2026-12-14T08:00:00.000Z' }
    const decided = renderDecided(context({ hearing: { ...timedHearing, status: 'decided', outcome } }))
    expect(decided.subject).toBe('Decision recorded: Decision on the petition to declare Bilash wanted')
    expect(decided.text).toContain('Petition rejected.')
    expect(decided.text).toContain('14 December 2026')
    expect(decided.html).toContain('Petition rejected.')
  })

  it('asks to confirm a subscription without an unsubscribe footer', () => {
    const confirmUrl = 'http://127.0.0.1:3000/subscriptions/confirm?token=a&b=<c>'
    const { subject, text, html } = renderConfirmation({
      targetTitle: timedHearing.title,
      caseTitle: bilashCase.title,
      confirmUrl,
      recipientName: null,
    })
    expect(subject).toBe('Confirm your courtbell subscription')
    expect(text).toContain(confirmUrl)
    expect(text).toContain('Hello,')
    expect(html).toContain('href="http://127.0.0.1:3000/subscriptions/confirm?token=a&amp;b=&lt;c&gt;"')
    expect(text).not.toContain('Unsubscribe')
    expect(html).not.toContain('Unsubscribe')
  })
})

describe('email to the outbox', () => {
  let dir: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'courtbell-outbox-'))
  })
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('writes each message as a parseable .eml file', async () => {
    const outboxDir = join(dir, 'var', 'outbox')
    const mailer = createMailer({
      smtpUrl: undefined,
      outboxDir,
      from: 'courtbell <no-reply@courtbell.local>',
      log,
    })
    const rendered = renderReminder({ ...context({ readerZone: 'Europe/Berlin' }), remindBefore: 'PT2H' })
    const result = await mailer.send(outgoing(rendered, '<dlv_outbox/1@courtbell.local>'))
    await mailer.close()

    expect(await readdir(outboxDir)).toEqual([
      expect.stringMatching(/^\d{8}T\d{9}Z-dlv_outbox_1_courtbell\.local\.eml$/),
    ])
    expect(result.outboxPath).toBe(join(outboxDir, (await readdir(outboxDir))[0] ?? ''))

    const mail = await simpleParser(await readFile(result.outboxPath ?? ''))
    expect(mail.messageId).toBe('<dlv_outbox/1@courtbell.local>')
    expect(mail.subject).toBe(rendered.subject)
    expect(mail.text).toContain('Europe/Berlin')
    expect(mail.html).toContain('<table')
    expect(headerLine(mail, 'list-unsubscribe-post')).toBe(
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    )
  })
})

describe('isPermanentMailError', () => {
  it('retries 4xx replies and connection errors, gives up on 5xx replies', () => {
    expect(isPermanentMailError({ code: 'EENVELOPE', responseCode: 421 })).toBe(false)
    expect(isPermanentMailError({ code: 'EMESSAGE', responseCode: 452 })).toBe(false)
    expect(isPermanentMailError({ code: 'ESOCKET', originalCode: 'ECONNREFUSED' })).toBe(false)
    expect(isPermanentMailError({ code: 'ETIMEDOUT' })).toBe(false)
    expect(isPermanentMailError(new Error('boom'))).toBe(false)
    expect(isPermanentMailError(undefined)).toBe(false)
    expect(isPermanentMailError({ code: 'EENVELOPE', responseCode: 550 })).toBe(true)
    expect(isPermanentMailError({ code: 'EMESSAGE', responseCode: 554 })).toBe(true)
  })
})
