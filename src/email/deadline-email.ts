import { DateTime } from 'luxon'
import type { Case } from '../cases/case.schema.js'
import type { Deadline } from '../deadlines/deadline.schema.js'
import type { EventType, PreviousDue } from '../events/event.js'
import { describeDuration } from '../platform/time.js'
import type { RenderedEmail } from './render.js'

/**
 * The email about a deadline: what is due, when (the court's local time, and the reader's when it differs),
 * and which rule and trigger it came from. Deliberately plain: the emails are being rewritten per language,
 * and this is the one function that will take the deadline's part.
 */
export function renderDeadlineEmail(ctx: {
  type: EventType
  deadline: Deadline
  case: Case
  readerZone: string
  recipientName: string | null
  unsubscribeUrl: string
  remindBefore?: string | undefined
  previous?: PreviousDue | undefined
}): RenderedEmail | undefined {
  const { deadline: d } = ctx
  const when = dueText(d.dueAtUtc, d.timeZone, ctx.readerZone)
  const heads: Partial<Record<EventType, [string, string]>> = {
    'deadline.reminder': [
      `Reminder: ${d.title} due in ${ctx.remindBefore ? describeDuration(ctx.remindBefore) : 'a while'}`,
      `This is your reminder: “${d.title}” is due ${when}.`,
    ],
    'deadline.created': [
      `New deadline: ${d.title}`,
      `A deadline was added to the case: “${d.title}”, due ${when}.`,
    ],
    'deadline.rescheduled': [
      `Deadline moved: ${d.title}`,
      `The deadline “${d.title}” moved: it is now due ${when}${ctx.previous ? ` (was ${dueText(ctx.previous.dueAtUtc, d.timeZone, ctx.readerZone)})` : ''}. Reminders follow the new time.`,
    ],
    'deadline.met': [
      `Deadline met: ${d.title}`,
      `The deadline “${d.title}” was marked met. No more reminders will be sent for it.`,
    ],
    'deadline.cancelled': [
      `Deadline cancelled: ${d.title}`,
      `The deadline “${d.title}” was cancelled. No more reminders will be sent for it.`,
    ],
  }
  const head = heads[ctx.type]
  if (!head) return undefined
  const [subject, lead] = head
  const lines = [
    ctx.recipientName ? `Hello ${ctx.recipientName},` : 'Hello,',
    '',
    lead,
    '',
    `Case: ${ctx.case.title} (${ctx.case.court})`,
    `Due: ${when}`,
    ...explanation(d),
    '',
    `To stop these emails: ${ctx.unsubscribeUrl}`,
  ]
  const html = `<!doctype html><html><body style="font-family:Arial,Helvetica,sans-serif">${lines
    .map((line) => (line === '' ? '' : `<p>${escapeHtml(line)}</p>`))
    .join('')}</body></html>`
  return { subject: subject.replace(/[\r\n]+/g, ' '), text: `${lines.join('\n')}\n`, html }
}

function dueText(dueAtUtc: string, courtZone: string, readerZone: string): string {
  const at = (zone: string) =>
    DateTime.fromISO(dueAtUtc, { zone: 'utc' })
      .setZone(zone)
      .setLocale('en')
      .toFormat('cccc, d LLLL yyyy, HH:mm')
  const court = `${at(courtZone)} (${courtZone})`
  return readerZone === courtZone ? court : `${court}; your time ${at(readerZone)} (${readerZone})`
}

function explanation(d: Deadline): string[] {
  if (!d.computation || !d.trigger) return []
  const c = d.computation
  return [
    `Rule: ${d.ruleId} — ${c.period} ${c.counting} ${c.direction} ${c.from}${d.trigger.hearingId ? ` (the hearing ${d.trigger.hearingId})` : ''}`,
    `Last day counted: ${c.lastDayCounted}${c.rolledTo ? `, rolled to ${c.rolledTo}` : ''}`,
    ...(c.skipped.length > 0
      ? [`Not counted: ${c.skipped.map((s) => `${s.date} (${s.reason})`).join(', ')}`]
      : []),
  ]
}

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}
const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => entities[c] as string)
