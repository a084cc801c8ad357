import type { Case } from '../cases/case.schema.js'
import type { Hearing } from '../hearings/hearing.schema.js'
import { formatCourtDate, formatDuration, formatHearingTime, formatInstant } from '../i18n/format.js'
import { type Language, type Messages, messagesFor } from '../i18n/index.js'
import { type Body, build, type Footer, type RenderedEmail, type Row } from './layout.js'

/**
 * Pure rendering of every email courtbell sends, in the subscriber's language: a subject, a plain-text part
 * and an HTML part. Every word comes from the catalogues in src/i18n; dates from ICU.
 */
export type { RenderedEmail }

export type EmailContext = {
  hearing: Hearing
  case: Case
  /** The subscriber's zone; equals hearing.timeZone when they did not choose one. */
  readerZone: string
  recipientName: string | null
  unsubscribeUrl: string
  /** Default: English. */
  language?: Language
  preferencesUrl?: string
  feedUrl?: string | null
  /** Who asked for these emails; the footer says so. Default: the person themselves. */
  subscribedBy?: 'staff' | 'self'
}

type HearingTime = { startsAtUtc: string; allDay: boolean; startsAt: string; timeZone: string }

const lang = (ctx: { language?: Language | undefined }): Language => ctx.language ?? 'en'

export function renderReminder(ctx: EmailContext & { remindBefore: string }): RenderedEmail {
  const t = messagesFor(lang(ctx))
  const { title } = ctx.hearing
  const inWhat = formatDuration(ctx.remindBefore, lang(ctx))
  return notice(ctx, {
    subject: t['email.reminder.subject']({ title, inWhat, when: headlineTime(ctx.hearing, ctx) }),
    lead: t['email.reminder.lead']({ title, inWhat }),
    rows: hearingRows(ctx),
  })
}

export function renderRescheduled(ctx: EmailContext & { previous: HearingTime }): RenderedEmail {
  const t = messagesFor(lang(ctx))
  const { title } = ctx.hearing
  return notice(ctx, {
    subject: t['email.rescheduled.subject']({ title, when: headlineTime(ctx.hearing, ctx) }),
    lead: t['email.rescheduled.lead']({ title }),
    rows: [
      { label: t['label.hearing'], value: title },
      ...timeRows(ctx.hearing, ctx, t['label.newTime'], t['label.yourTime']),
      ...timeRows(ctx.previous, ctx, t['label.was'], t['label.wasYourTime']),
      ...placeRows(ctx),
    ],
  })
}

export function renderCancelled(ctx: EmailContext): RenderedEmail {
  const t = messagesFor(lang(ctx))
  const { title } = ctx.hearing
  return notice(ctx, {
    subject: t['email.cancelled.subject']({ title, when: headlineTime(ctx.hearing, ctx) }),
    lead: t['email.cancelled.lead']({ title }),
    rows: [...hearingRows(ctx), ...optionalRow(t['label.reason'], ctx.hearing.cancelReason)],
  })
}

export function renderDecided(ctx: EmailContext): RenderedEmail {
  const t = messagesFor(lang(ctx))
  const { hearing } = ctx
  const outcome = hearing.outcome
  return notice(ctx, {
    subject: t['email.decided.subject']({ title: hearing.title }),
    lead: t['email.decided.lead']({ title: hearing.title }),
    rows: [
      ...optionalRow(t['label.decision'], outcome?.summary),
      // A decision is dated as the court dates it: the calendar day in the court's zone, which is named.
      ...optionalRow(
        t['label.decidedOn'],
        outcome ? formatCourtDate(outcome.decidedAt, hearing.timeZone, lang(ctx)) : null,
      ),
      ...hearingRows(ctx),
    ],
  })
}

export type ConfirmationContext = {
  targetTitle: string
  caseTitle: string
  confirmUrl: string
  recipientName: string | null
  language?: Language
  /** The hearing subscribed to (absent for a whole case), to show its time. */
  hearing?: HearingTime | undefined
  court?: string | undefined
  readerZone?: string | undefined
  /** When the link stops working, and the zone to say it in. */
  expiresAt?: string | undefined
}

export function renderConfirmation(ctx: ConfirmationContext): RenderedEmail {
  const l = lang(ctx)
  const t = messagesFor(l)
  const isCase = ctx.targetTitle === ctx.caseTitle && !ctx.hearing
  const zone = ctx.readerZone ?? ctx.hearing?.timeZone ?? 'UTC'
  return build({
    lang: l,
    subject: t['email.confirm.subject'],
    greeting: t['email.greeting']({ name: ctx.recipientName }),
    lead: isCase
      ? t['email.confirm.leadCase']({ title: ctx.caseTitle })
      : t['email.confirm.leadHearing']({ title: ctx.targetTitle }),
    rows: targetRows(t, ctx, zone, l),
    action: { label: t['email.confirm.button'], url: ctx.confirmUrl, openLink: t['email.openLink'] },
    closing: [
      ...(ctx.expiresAt ? [t['email.confirm.expires']({ when: formatInstant(ctx.expiresAt, zone, l) })] : []),
      t['email.confirm.ignore'],
    ],
  })
}

/** The one email someone subscribed by staff gets at once: what they will hear about, and how to stop it. */
export function renderWelcome(
  ctx: Omit<ConfirmationContext, 'confirmUrl' | 'expiresAt'> & {
    remindBefore: readonly string[]
    unsubscribeUrl: string
    preferencesUrl: string
    feedUrl?: string | null
  },
): RenderedEmail {
  const l = lang(ctx)
  const t = messagesFor(l)
  const isCase = !ctx.hearing
  const zone = ctx.readerZone ?? ctx.hearing?.timeZone ?? 'UTC'
  const reminders = ctx.remindBefore.map((d) => t['remind.before']({ duration: formatDuration(d, l) }))
  return build({
    lang: l,
    subject: t['email.welcome.subject']({ title: isCase ? ctx.caseTitle : ctx.targetTitle }),
    greeting: t['email.greeting']({ name: ctx.recipientName }),
    lead: isCase
      ? t['email.welcome.leadCase']({ title: ctx.caseTitle })
      : t['email.welcome.leadHearing']({ title: ctx.targetTitle }),
    rows: [...targetRows(t, ctx, zone, l), ...optionalRow(t['label.reminders'], reminders.join(', '))],
    closing: [t['email.welcome.change']],
    footer: footer(t, { ...ctx, subscribedBy: 'staff' }),
  })
}

// ---- content helpers

function notice(ctx: EmailContext, content: Pick<Body, 'subject' | 'lead' | 'rows'>): RenderedEmail {
  const t = messagesFor(lang(ctx))
  return build({
    lang: lang(ctx),
    greeting: t['email.greeting']({ name: ctx.recipientName }),
    ...content,
    footer: footer(t, ctx),
  })
}

function footer(
  t: Messages,
  ctx: Pick<EmailContext, 'unsubscribeUrl' | 'preferencesUrl' | 'feedUrl' | 'subscribedBy'>,
): Footer {
  return {
    note: ctx.subscribedBy === 'staff' ? t['email.footer.staff'] : t['email.footer.self'],
    links: [
      { label: t['email.footer.unsubscribe'], url: ctx.unsubscribeUrl },
      ...(ctx.preferencesUrl ? [{ label: t['email.footer.preferences'], url: ctx.preferencesUrl }] : []),
      ...(ctx.feedUrl ? [{ label: t['email.footer.calendar'], url: ctx.feedUrl }] : []),
    ],
  }
}

function targetRows(
  t: Messages,
  ctx: Omit<ConfirmationContext, 'confirmUrl'>,
  zone: string,
  l: Language,
): Row[] {
  if (!ctx.hearing)
    return [{ label: t['label.case'], value: ctx.caseTitle }, ...optionalRow(t['label.court'], ctx.court)]
  return [
    { label: t['label.hearing'], value: ctx.targetTitle },
    ...timeRows(ctx.hearing, { readerZone: zone, language: l }, t['label.when'], t['label.yourTime']),
    { label: t['label.case'], value: ctx.caseTitle },
    ...optionalRow(t['label.court'], ctx.court),
  ]
}

type Reader = { readerZone: string; language?: Language | undefined }

/** The reader acts on their own clock, so the subject speaks it; an all-day hearing has only a court date. */
function headlineTime(h: HearingTime, r: Reader): string {
  return formatHearingTime(h, showsReaderTime(h, r.readerZone) ? r.readerZone : h.timeZone, lang(r))
}

/** An all-day hearing has no time to convert, and shifting its date into another zone would only mislead. */
function showsReaderTime(h: HearingTime, readerZone: string): boolean {
  return !h.allDay && readerZone !== h.timeZone
}

function timeRows(h: HearingTime, r: Reader, label: string, readerLabel: string): Row[] {
  const rows = [{ label, value: formatHearingTime(h, h.timeZone, lang(r)) }]
  if (showsReaderTime(h, r.readerZone))
    rows.push({ label: readerLabel, value: formatHearingTime(h, r.readerZone, lang(r)) })
  return rows
}

function hearingRows(ctx: EmailContext): Row[] {
  const t = messagesFor(lang(ctx))
  return [
    { label: t['label.hearing'], value: ctx.hearing.title },
    ...timeRows(ctx.hearing, ctx, t['label.when'], t['label.yourTime']),
    ...placeRows(ctx),
  ]
}

function placeRows(ctx: EmailContext): Row[] {
  const t = messagesFor(lang(ctx))
  const { hearing, case: c } = ctx
  return [
    { label: t['label.court'], value: c.court },
    ...optionalRow(t['label.location'], hearing.location),
    { label: t['label.case'], value: c.title },
    ...optionalRow(t['label.caseNumber'], c.caseNumber),
    ...optionalRow(t['label.notes'], hearing.notes),
  ]
}

function optionalRow(label: string, value: string | null | undefined): Row[] {
  return value?.trim() ? [{ label, value }] : []
}
