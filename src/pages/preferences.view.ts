import type { Case } from '../cases/case.schema.js'
import type { Hearing } from '../hearings/hearing.schema.js'
import { formatDuration, formatHearingTime } from '../i18n/format.js'
import { LANGUAGES, type Language, messagesFor } from '../i18n/index.js'
import type { Digest, Subscription } from '../subscriptions/subscription.schema.js'
import { STANDARD_REMINDERS } from './case.view.js'

/** What the preferences form may change on one subscription, as submitted or as stored. */
export type Choice = {
  remindBefore: string[]
  language: Language
  timeZone: string
  digest: Digest
  errors: { remindBefore?: string; timeZone?: string }
}

export type Followed = { sub: Subscription; hearing: Hearing | undefined; kase: Case | undefined }

const DIGESTS = ['none', 'daily', 'weekly'] as const
let zones: string[] | undefined
const timeZones = () => {
  zones ??= Intl.supportedValuesOf('timeZone')
  return zones
}

export const storedChoice = ({ sub, hearing, kase }: Followed): Choice => ({
  remindBefore: sub.remindBefore,
  language: sub.language,
  timeZone: sub.timeZone ?? hearing?.timeZone ?? kase?.timeZone ?? 'UTC',
  digest: sub.digest,
  errors: {},
})

/** The preferences page of one address: each subscription with its target, status and the form's values. */
export function preferencesView(
  email: string,
  followed: readonly Followed[],
  opts: { lang: Language; action: string; notice?: string | undefined; choices?: Map<string, Choice> },
) {
  const { lang } = opts
  const t = messagesFor(lang)
  const subscriptions = followed.map((f) => {
    const { sub, hearing, kase } = f
    const choice = opts.choices?.get(sub.id) ?? storedChoice(f)
    const wanted = new Set(choice.remindBefore)
    const offered = [...new Set([...STANDARD_REMINDERS, ...sub.remindBefore])]
    return {
      id: sub.id,
      kind: hearing ? t['prefs.hearing'] : t['prefs.case'],
      title: hearing?.title ?? kase?.title ?? '',
      status: t[`prefs.status.${sub.status}`],
      detail: hearing
        ? `${kase?.title ?? ''} · ${formatHearingTime(hearing, hearing.timeZone, lang)}`
        : (kase?.court ?? ''),
      editable: sub.status !== 'unsubscribed',
      errors: choice.errors,
      reminders: offered.map((value) => ({
        value,
        label: t['remind.before']({ duration: formatDuration(value, lang) }),
        checked: wanted.has(value),
      })),
      languages: LANGUAGES.map((code) => ({
        code,
        name: messagesFor(code)['language.name'],
        selected: code === choice.language,
      })),
      timeZone: choice.timeZone,
      digests: DIGESTS.map((value) => ({
        value,
        label: t[`digest.${value}`],
        selected: value === choice.digest,
      })),
      feedUrl: (sub as { feedUrl?: string | null }).feedUrl ?? null,
    }
  })
  return {
    intro: t['prefs.intro']({ email }),
    notice: opts.notice,
    action: opts.action,
    subscriptions,
    anyEditable: subscriptions.some((s) => s.editable),
    timeZones: timeZones(),
  }
}
