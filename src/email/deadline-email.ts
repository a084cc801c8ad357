import type { Case } from '../cases/case.schema.js'
import type { Deadline } from '../deadlines/deadline.schema.js'
import type { EventType, PreviousDue } from '../events/event.js'
import { formatDuration, formatInstant, formatLocalDate } from '../i18n/format.js'
import { type Language, type Messages, messagesFor } from '../i18n/index.js'
import { build, type RenderedEmail, type Row } from './layout.js'

export type DeadlineEmailContext = {
  type: EventType
  deadline: Deadline
  case: Case
  /** The subscriber's zone; equals the deadline's when they did not choose one. */
  readerZone: string
  recipientName: string | null
  unsubscribeUrl: string
  preferencesUrl?: string | undefined
  feedUrl?: string | null | undefined
  language?: Language | undefined
  subscribedBy?: 'staff' | 'self' | undefined
  remindBefore?: string | undefined
  previous?: PreviousDue | undefined
}

/**
 * The email about a deadline, in the subscriber's language: what is due, when (the court's local time, and
 * the reader's when it differs), and which rule and trigger it came from, with the days not counted.
 */
export function renderDeadlineEmail(ctx: DeadlineEmailContext): RenderedEmail | undefined {
  const l = ctx.language ?? 'en'
  const t = messagesFor(l)
  const d = ctx.deadline
  const what = d.title
  const due = formatInstant(d.dueAtUtc, d.timeZone, l, { weekday: true })
  const inWhat = ctx.remindBefore ? formatDuration(ctx.remindBefore, l) : ''
  const heads: Partial<Record<EventType, [string, string]>> = {
    'deadline.reminder': [
      t['deadline.reminder.subject']({ what, due, inWhat }),
      t['deadline.reminder.lead']({ what, inWhat }),
    ],
    'deadline.created': [
      t['deadline.created.subject']({ what, due }),
      t['deadline.created.lead']({ what, caseTitle: ctx.case.title }),
    ],
    'deadline.rescheduled': [
      t['deadline.rescheduled.subject']({ what, due }),
      t['deadline.rescheduled.lead']({ what }),
    ],
    'deadline.cancelled': [t['deadline.cancelled.subject']({ what }), t['deadline.cancelled.lead']({ what })],
    'deadline.met': [t['deadline.met.subject']({ what }), t['deadline.met.lead']({ what })],
  }
  const head = heads[ctx.type]
  if (!head) return undefined
  const [subject, lead] = head
  return build({
    lang: l,
    subject,
    greeting: t['email.greeting']({ name: ctx.recipientName }),
    lead,
    rows: [
      { label: t['label.deadline'], value: what },
      { label: t['label.dueOn'], value: due },
      ...(ctx.readerZone !== d.timeZone
        ? [{ label: t['label.dueYourTime'], value: formatInstant(d.dueAtUtc, ctx.readerZone, l) }]
        : []),
      ...(ctx.previous
        ? [{ label: t['label.wasDue'], value: formatInstant(ctx.previous.dueAtUtc, d.timeZone, l) }]
        : []),
      { label: t['label.case'], value: ctx.case.title },
      { label: t['label.court'], value: ctx.case.court },
      ...explanation(d, t, l),
    ],
    footer: {
      note: ctx.subscribedBy === 'staff' ? t['email.footer.staff'] : t['email.footer.self'],
      links: [
        { label: t['email.footer.unsubscribe'], url: ctx.unsubscribeUrl },
        ...(ctx.preferencesUrl ? [{ label: t['email.footer.preferences'], url: ctx.preferencesUrl }] : []),
        ...(ctx.feedUrl ? [{ label: t['email.footer.calendar'], url: ctx.feedUrl }] : []),
      ],
    },
  })
}

/** Where a computed deadline came from, so a lawyer can check the count. */
function explanation(d: Deadline, t: Messages, l: Language): Row[] {
  if (!d.computation || !d.trigger || !d.ruleId) return []
  const c = d.computation
  return [
    { label: t['label.rule'], value: `${d.ruleId} (${c.period}, ${c.counting}, ${c.direction})` },
    { label: t['label.trigger'], value: formatLocalDate(c.from, l) },
    ...(c.skipped.length > 0
      ? [
          {
            label: t['label.notCounted'],
            value: c.skipped.map((s) => `${formatLocalDate(s.date, l)} (${s.reason})`).join('; '),
          },
        ]
      : []),
  ]
}
