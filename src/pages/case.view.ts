import type { Case } from '../cases/case.schema.js'
import type { Hearing } from '../hearings/hearing.schema.js'
import { formatDuration, formatHearingTime } from '../i18n/format.js'
import { LANGUAGES, type Language, messagesFor } from '../i18n/index.js'

/** The reminders a person can tick on the case page; all three are ticked by default. */
export const STANDARD_REMINDERS = ['P7D', 'P1D', 'PT2H'] as const

export type SubscribeForm = {
  email: string
  name: string
  remindBefore: readonly string[]
  language: Language
  errors: { email?: string; remindBefore?: string }
}

export const emptyForm = (language: Language): SubscribeForm => ({
  email: '',
  name: '',
  remindBefore: STANDARD_REMINDERS,
  language,
  errors: {},
})

/** An open deadline as the case page lists it. */
export type DeadlineLine = { title: string; dueOn: string; due: string }

type HearingLine = {
  title: string
  when: string
  location: string | null
  cancelled: boolean
  decision: string | null
}

/**
 * What the public case page shows, every string already in the reader's language: times in the court's
 * zone, hearings still to come first (cancelled ones marked), then the past ones newest first with outcomes.
 */
export function caseView(
  kase: Case,
  hearings: readonly Hearing[],
  opts: { lang: Language; now: Date; form: SubscribeForm; deadlines?: DeadlineLine[] },
) {
  const { lang, now, form } = opts
  const t = messagesFor(lang)
  const line = (h: Hearing): HearingLine => ({
    title: h.title,
    when: formatHearingTime(h, h.timeZone, lang),
    location: h.location,
    cancelled: h.status === 'cancelled',
    decision: h.outcome?.summary ?? null,
  })
  const isAhead = (h: Hearing) =>
    h.allDay
      ? h.startsAt.slice(0, 10) >= localToday(now, h.timeZone)
      : Date.parse(h.startsAtUtc) >= now.getTime()
  const ahead = hearings.filter((h) => isAhead(h) && h.status !== 'decided')
  const past = hearings.filter((h) => !ahead.includes(h)).reverse()
  const remindBefore = new Set(form.remindBefore)
  return {
    case: {
      title: kase.title,
      court: kase.court,
      caseNumber: kase.caseNumber,
      description: kase.description,
    },
    upcoming: ahead.map(line),
    past: past.slice(0, 20).map(line),
    deadlines: opts.deadlines ?? [],
    calendarUrl: `/c/${encodeURIComponent(kase.id)}/calendar.ics`,
    form: {
      action: `/c/${encodeURIComponent(kase.id)}/subscribe?lang=${lang}`,
      email: form.email,
      name: form.name,
      errors: form.errors,
      reminders: STANDARD_REMINDERS.map((value) => ({
        value,
        label: t['remind.before']({ duration: formatDuration(value, lang) }),
        checked: remindBefore.has(value),
      })),
      languages: LANGUAGES.map((code) => ({
        code,
        name: messagesFor(code)['language.name'],
        selected: code === form.language,
      })),
    },
  }
}

function localToday(now: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, dateStyle: 'short' }).format(now)
}
