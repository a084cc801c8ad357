import type { Case } from '../cases/case.schema.js'
import type { Hearing } from '../hearings/hearing.schema.js'
import { describeDuration, describeHearingTime } from '../platform/time.js'

/** Pure rendering of every email courtbell sends: a subject, a plain-text part and an HTML part. */

export type RenderedEmail = { subject: string; text: string; html: string }

export type EmailContext = {
  hearing: Hearing
  case: Case
  /** The subscriber's zone; equals hearing.timeZone when they did not choose one. */
  readerZone: string
  recipientName: string | null
  unsubscribeUrl: string
  /** The subscriber's private calendar feed, linked in the footer. */
  feedUrl?: string | undefined
}

type HearingTime = { startsAtUtc: string; allDay: boolean; startsAt: string; timeZone: string }

/** A message body before it becomes text or HTML: user text stays raw here and is escaped on output. */
type Body = {
  subject: string
  greeting: string
  lead: string
  rows: Row[]
  closing?: string
  action?: { label: string; url: string }
  footer?: Footer
}
type Row = { label: string; value: string }
type Footer = { note: string; unsubscribeUrl: string; feedUrl?: string | undefined }

export function renderReminder(ctx: EmailContext & { remindBefore: string }): RenderedEmail {
  const { hearing } = ctx
  const inWhat = describeDuration(ctx.remindBefore)
  return build({
    subject: `Reminder: ${hearing.title} in ${inWhat} — ${headlineTime(hearing, ctx.readerZone)}`,
    greeting: greeting(ctx.recipientName),
    lead: `This is your reminder: the hearing “${hearing.title}” is in ${inWhat}.`,
    rows: hearingRows(ctx),
    footer: subscriptionFooter(ctx.unsubscribeUrl, ctx.feedUrl),
  })
}

export function renderRescheduled(ctx: EmailContext & { previous: HearingTime }): RenderedEmail {
  const { hearing } = ctx
  return build({
    subject: `Hearing moved: ${hearing.title} — now ${headlineTime(hearing, ctx.readerZone)}`,
    greeting: greeting(ctx.recipientName),
    lead: `The hearing “${hearing.title}” has been moved to a new time. Reminders follow the new time.`,
    rows: [
      { label: 'Hearing', value: hearing.title },
      ...timeRows(hearing, ctx.readerZone, 'New time', 'Your time'),
      ...timeRows(ctx.previous, ctx.readerZone, 'Was', 'Was (your time)'),
      ...placeRows(ctx),
    ],
    footer: subscriptionFooter(ctx.unsubscribeUrl, ctx.feedUrl),
  })
}

export function renderCancelled(ctx: EmailContext): RenderedEmail {
  const { hearing } = ctx
  return build({
    subject: `Hearing cancelled: ${hearing.title} — ${headlineTime(hearing, ctx.readerZone)}`,
    greeting: greeting(ctx.recipientName),
    lead: `The hearing “${hearing.title}” has been cancelled. You will get no more reminders for it.`,
    rows: [...hearingRows(ctx), ...optionalRow('Reason', hearing.cancelReason)],
    footer: subscriptionFooter(ctx.unsubscribeUrl, ctx.feedUrl),
  })
}

export function renderDecided(ctx: EmailContext): RenderedEmail {
  const { hearing } = ctx
  const outcome = hearing.outcome
  return build({
    subject: `Decision recorded: ${hearing.title}`,
    greeting: greeting(ctx.recipientName),
    lead: `A decision has been recorded for the hearing “${hearing.title}”.`,
    rows: [
      ...optionalRow('Decision', outcome?.summary),
      ...optionalRow('Decided on', outcome ? courtDate(outcome.decidedAt, hearing.timeZone) : null),
      ...hearingRows(ctx),
    ],
    footer: subscriptionFooter(ctx.unsubscribeUrl, ctx.feedUrl),
  })
}

export function renderConfirmation(ctx: {
  targetTitle: string
  caseTitle: string
  confirmUrl: string
  recipientName: string | null
}): RenderedEmail {
  const isCase = ctx.targetTitle === ctx.caseTitle
  return build({
    subject: 'Confirm your courtbell subscription',
    greeting: greeting(ctx.recipientName),
    lead: isCase
      ? `Please confirm that you want courtbell reminders for every hearing of the case “${ctx.caseTitle}”.`
      : `Please confirm that you want courtbell reminders for the hearing “${ctx.targetTitle}”.`,
    rows: isCase ? [] : [{ label: 'Case', value: ctx.caseTitle }],
    action: { label: 'Confirm subscription', url: ctx.confirmUrl },
    closing: 'If you did not ask for this, ignore this email: nothing will be sent to you.',
  })
}

// ---- content helpers

function greeting(name: string | null): string {
  return name ? `Hello ${name},` : 'Hello,'
}

function subscriptionFooter(unsubscribeUrl: string, feedUrl?: string): Footer {
  return {
    note: 'You receive this email because you subscribed to courtbell notices.',
    unsubscribeUrl,
    feedUrl,
  }
}

/** The reader acts on their own clock, so the subject speaks it; an all-day hearing has only a court date. */
function headlineTime(h: HearingTime, readerZone: string): string {
  return describeHearingTime(h, showsReaderTime(h, readerZone) ? readerZone : h.timeZone)
}

/** An all-day hearing has no time to convert, and shifting its date into another zone would only mislead. */
function showsReaderTime(h: HearingTime, readerZone: string): boolean {
  return !h.allDay && readerZone !== h.timeZone
}

function timeRows(h: HearingTime, readerZone: string, label: string, readerLabel: string): Row[] {
  const rows = [{ label, value: describeHearingTime(h, h.timeZone) }]
  if (showsReaderTime(h, readerZone))
    rows.push({ label: readerLabel, value: describeHearingTime(h, readerZone) })
  return rows
}

function hearingRows(ctx: EmailContext): Row[] {
  return [
    { label: 'Hearing', value: ctx.hearing.title },
    ...timeRows(ctx.hearing, ctx.readerZone, 'When', 'Your time'),
    ...placeRows(ctx),
  ]
}

function placeRows({ hearing, case: c }: EmailContext): Row[] {
  return [
    { label: 'Court', value: c.court },
    ...optionalRow('Location', hearing.location),
    { label: 'Case', value: c.title },
    ...optionalRow('Case number', c.caseNumber),
    ...optionalRow('Notes', hearing.notes),
  ]
}

function optionalRow(label: string, value: string | null | undefined): Row[] {
  return value?.trim() ? [{ label, value }] : []
}

/** A decision is dated as the court dates it: the calendar day in the court's zone. */
function courtDate(instant: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone }).format(new Date(instant))
}

// ---- output

function build(body: Body): RenderedEmail {
  return { subject: headerSafe(body.subject), text: toText(body), html: toHtml(body) }
}

/** A subject becomes a mail header: CR/LF (or any control character) in a title must not start a new header. */
function headerSafe(value: string): string {
  return value
    .replace(/[\p{Cc}\u2028\u2029]+/gu, ' ')
    .replace(/ {2,}/g, ' ')
    .trim()
}

function toText(body: Body): string {
  const width = Math.max(0, ...body.rows.map((r) => r.label.length)) + 2
  const rows = body.rows.map((r) => `${`${r.label}:`.padEnd(width)}${indentFollowing(r.value, width)}`)
  const parts = [body.greeting, body.lead, rows.join('\n')]
  if (body.action) parts.push(`${body.action.label}:\n${body.action.url}`)
  if (body.closing) parts.push(body.closing)
  if (body.footer)
    parts.push(`-- \n${body.footer.note}\n${feedText(body.footer)}Unsubscribe: ${body.footer.unsubscribeUrl}`)
  return `${parts.filter((p) => p !== '').join('\n\n')}\n`
}

function indentFollowing(value: string, width: number): string {
  return value.replace(/\r\n?/g, '\n').replace(/\n/g, `\n${' '.repeat(width)}`)
}

// Inline styles and a plain layout: many mail clients drop <style> blocks and ignore modern CSS.
const font = 'font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#1f2328'
const muted = '#59636e'

function toHtml(body: Body): string {
  const parts = [paragraph(body.greeting), paragraph(body.lead)]
  if (body.rows.length > 0) parts.push(htmlTable(body.rows))
  if (body.action) parts.push(htmlAction(body.action))
  if (body.closing) parts.push(paragraph(body.closing))
  if (body.footer) parts.push(htmlFooter(body.footer))
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">',
    `<title>${escapeHtml(headerSafe(body.subject))}</title></head>`,
    `<body style="margin:0;padding:16px;background:#f6f8fa;${font}">`,
    '<div style="max-width:600px;margin:0 auto;padding:24px;background:#ffffff;border:1px solid #d1d9e0">',
    ...parts,
    '</div>',
    '</body></html>',
    '',
  ].join('\n')
}

function paragraph(text: string): string {
  return `<p style="margin:0 0 16px">${escapeHtml(text)}</p>`
}

function htmlTable(rows: Row[]): string {
  const cell = 'padding:4px 0;vertical-align:top'
  const trs = rows.map(
    (r) =>
      `<tr><td style="${cell};padding-right:16px;color:${muted};white-space:nowrap">${escapeHtml(r.label)}</td>` +
      `<td style="${cell}">${multiline(r.value)}</td></tr>`,
  )
  return [
    `<table role="presentation" cellpadding="0" cellspacing="0" style="border-collapse:collapse;${font}">`,
    ...trs,
    '</table>',
  ].join('\n')
}

function htmlAction({ label, url }: { label: string; url: string }): string {
  const href = escapeHtml(url)
  const button =
    'display:inline-block;padding:10px 18px;background:#0b5cad;color:#ffffff;text-decoration:none'
  return [
    `<p style="margin:24px 0"><a href="${href}" style="${button}">${escapeHtml(label)}</a></p>`,
    `<p style="margin:0 0 16px;font-size:13px;color:${muted}">Or open this link: <a href="${href}">${href}</a></p>`,
  ].join('\n')
}

function htmlFooter(footer: Footer): string {
  const { note, unsubscribeUrl } = footer
  return (
    `<p style="margin:24px 0 0;padding-top:12px;border-top:1px solid #d1d9e0;font-size:12px;color:${muted}">` +
    `${escapeHtml(note)} ${feedHtml(footer)}<a href="${escapeHtml(unsubscribeUrl)}" style="color:${muted}">Unsubscribe</a></p>`
  )
}

// ---- the calendar feed in the footer (issue 11)

function feedText({ feedUrl }: Footer): string {
  return feedUrl ? `Add to your calendar: ${feedUrl}\n` : ''
}

function feedHtml({ feedUrl }: Footer): string {
  return feedUrl ? `<a href="${escapeHtml(feedUrl)}" style="color:${muted}">Add to your calendar</a> · ` : ''
}

function multiline(value: string): string {
  return escapeHtml(value).replace(/\r\n?|\n/g, '<br>')
}

const htmlEntities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => htmlEntities[ch] ?? ch)
}
