import { DateTime } from 'luxon'
import type { DigestMark, DigestSnapshot } from './digest.schema.js'

/**
 * The digest email, rendered without I/O: `digestView` turns the recorded snapshot into strings for the reader
 * (their language, their zone, the court's beside it), `renderDigest` lays them out as text and HTML.
 * Every word comes from `digestMessages`, keyed like the message catalogues, so other languages can follow.
 */
/** «1 событие», «2 события», «5 событий»: ICU's plural categories for Russian. */
const ruItems = (n: number) =>
  ({ one: 'событие', few: 'события', many: 'событий', other: 'события' })[
    new Intl.PluralRules('ru').select(n) as 'one' | 'few' | 'many' | 'other'
  ] ?? 'событий'

export const digestMessages = {
  en: {
    locale: 'en-GB',
    subjectDaily: (p: { count: number; date: string }) =>
      `Your courtbell daily digest, ${p.date}: ${p.count} ${p.count === 1 ? 'item' : 'items'}`,
    subjectWeekly: (p: { count: number; date: string }) =>
      `Your courtbell weekly digest from ${p.date}: ${p.count} ${p.count === 1 ? 'item' : 'items'}`,
    greeting: (p: { name: string | null }) => (p.name ? `Hello ${p.name},` : 'Hello,'),
    leadDaily: (p: { from: string; to: string }) =>
      `Here is what is coming up in your cases in the next 7 days (${p.from} – ${p.to}).`,
    leadWeekly: (p: { from: string; to: string }) =>
      `Here is what is coming up in your cases in the next 14 days (${p.from} – ${p.to}).`,
    hearing: 'Hearing',
    deadline: 'Deadline',
    moved: 'Moved',
    cancelled: 'Cancelled',
    decided: 'Decided',
    timeNotAnnounced: 'time not yet announced',
    courtTime: (p: { time: string; zone: string }) => `${p.time} (${p.zone})`,
    yourTime: (p: { time: string }) => `your time: ${p.time}`,
    dueBy: (p: { date: string }) => `due ${p.date}`,
    caseNumber: (p: { number: string }) => `Case no. ${p.number}`,
    location: (p: { place: string }) => `Location: ${p.place}`,
    footer: 'You receive this digest because you asked for one in your courtbell subscriptions.',
    stopDigests: 'Stop digests',
    preferences: 'Your preferences',
    'stop.title': 'Stop digests',
    'stop.body': (p: { email: string }) =>
      `Stop the daily and weekly digests sent to ${p.email}? Reminders and notices go on as before.`,
    'stop.button': 'Stop digests',
    'stopped.title': 'Digests stopped',
    'stopped.body': (p: { email: string }) => `${p.email} will receive no more digests.`,
  },
  ru: {
    locale: 'ru',
    subjectDaily: (p: { count: number; date: string }) =>
      `Ежедневная сводка courtbell, ${p.date}: ${p.count} ${ruItems(p.count)}`,
    subjectWeekly: (p: { count: number; date: string }) =>
      `Еженедельная сводка courtbell с ${p.date}: ${p.count} ${ruItems(p.count)}`,
    greeting: (p: { name: string | null }) => (p.name ? `Здравствуйте, ${p.name}!` : 'Здравствуйте!'),
    leadDaily: (p: { from: string; to: string }) =>
      `Что предстоит по Вашим делам в ближайшие 7 дней (${p.from} – ${p.to}).`,
    leadWeekly: (p: { from: string; to: string }) =>
      `Что предстоит по Вашим делам в ближайшие 14 дней (${p.from} – ${p.to}).`,
    hearing: 'Судебное заседание',
    deadline: 'Срок',
    moved: 'Перенесено',
    cancelled: 'Отменено',
    decided: 'Решение вынесено',
    timeNotAnnounced: 'время ещё не объявлено',
    courtTime: (p: { time: string; zone: string }) => `${p.time} (${p.zone})`,
    yourTime: (p: { time: string }) => `по Вашему времени: ${p.time}`,
    dueBy: (p: { date: string }) => `истекает ${p.date}`,
    caseNumber: (p: { number: string }) => `Дело № ${p.number}`,
    location: (p: { place: string }) => `Место: ${p.place}`,
    footer: 'Вы получаете эту сводку, потому что подписались на неё в настройках courtbell.',
    stopDigests: 'Отключить сводки',
    preferences: 'Ваши настройки',
    'stop.title': 'Отключить сводки',
    'stop.body': (p: { email: string }) =>
      `Отключить ежедневные и еженедельные сводки для ${p.email}? Напоминания и уведомления будут приходить, как прежде.`,
    'stop.button': 'Отключить сводки',
    'stopped.title': 'Сводки отключены',
    'stopped.body': (p: { email: string }) => `На адрес ${p.email} сводки больше приходить не будут.`,
  },
  kk: {
    locale: 'kk',
    subjectDaily: (p: { count: number; date: string }) =>
      `courtbell күнделікті шолуы, ${p.date}: ${p.count} оқиға`,
    subjectWeekly: (p: { count: number; date: string }) =>
      `courtbell апталық шолуы, ${p.date} бастап: ${p.count} оқиға`,
    greeting: (p: { name: string | null }) => (p.name ? `Құрметті ${p.name}!` : 'Сәлеметсіз бе!'),
    leadDaily: (p: { from: string; to: string }) =>
      `Алдағы 7 күнде Сіздің істеріңіз бойынша күтілетін оқиғалар (${p.from} – ${p.to}).`,
    leadWeekly: (p: { from: string; to: string }) =>
      `Алдағы 14 күнде Сіздің істеріңіз бойынша күтілетін оқиғалар (${p.from} – ${p.to}).`,
    hearing: 'Сот отырысы',
    deadline: 'Мерзім',
    moved: 'Ауыстырылды',
    cancelled: 'Болдырылмады',
    decided: 'Шешім шығарылды',
    timeNotAnnounced: 'уақыты әлі жарияланған жоқ',
    courtTime: (p: { time: string; zone: string }) => `${p.time} (${p.zone})`,
    yourTime: (p: { time: string }) => `Сіздің уақытыңыз бойынша: ${p.time}`,
    dueBy: (p: { date: string }) => `аяқталу күні: ${p.date}`,
    caseNumber: (p: { number: string }) => `Іс № ${p.number}`,
    location: (p: { place: string }) => `Орны: ${p.place}`,
    footer: 'Бұл шолуды courtbell баптауларында сұрағаныңыз үшін алып отырсыз.',
    stopDigests: 'Шолуларды тоқтату',
    preferences: 'Сіздің баптауларыңыз',
    'stop.title': 'Шолуларды тоқтату',
    'stop.body': (p: { email: string }) =>
      `${p.email} мекенжайына күнделікті және апталық шолулар жіберуді тоқтату керек пе? Еске салғыштар мен хабарламалар бұрынғыдай келе береді.`,
    'stop.button': 'Шолуларды тоқтату',
    'stopped.title': 'Шолулар тоқтатылды',
    'stopped.body': (p: { email: string }) => `${p.email} мекенжайына шолулар енді жіберілмейді.`,
  },
} as const
export type DigestLanguage = keyof typeof digestMessages
type Messages = (typeof digestMessages)[DigestLanguage]

export type DigestEntryView = {
  kind: string
  mark: string | null
  title: string
  when: string
  details: string[]
}
export type DigestView = {
  lang: DigestLanguage
  subject: string
  greeting: string
  lead: string
  cases: { heading: string; subheading: string | null; entries: DigestEntryView[] }[]
  footer: string
  stopLabel: string
  stopUrl: string
  /** Every subscription of the address, and its digest choice (the pages' preferences), when linked. */
  preferences: { label: string; url: string } | null
}

const marks = (m: Messages): Record<Exclude<DigestMark, null>, string> => ({
  moved: m.moved,
  cancelled: m.cancelled,
  decided: m.decided,
})

export function digestView(
  d: DigestSnapshot,
  opts: { stopUrl: string; preferencesUrl?: string; lang?: DigestLanguage },
): DigestView {
  const lang = opts.lang ?? 'en'
  const m: Messages = digestMessages[lang]
  const dt = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).setLocale(m.locale)
  const longDate = (x: DateTime) => x.toLocaleString({ weekday: 'long', day: 'numeric', month: 'long' })
  const dayOnly = (date: string) => longDate(DateTime.fromISO(date, { zone: 'UTC' }).setLocale(m.locale))
  const clock = (x: DateTime) =>
    `${longDate(x)}, ${x.toLocaleString({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })}`

  const when = (e: DigestSnapshot['entries'][number]) => {
    if (e.kind === 'deadline') return m.dueBy({ date: dayOnly(e.dateOnly ?? e.at.slice(0, 10)) })
    if (e.dateOnly) return `${dayOnly(e.dateOnly)} (${m.timeNotAnnounced})`
    const court = m.courtTime({ time: clock(dt(e.at, e.timeZone)), zone: e.timeZone })
    return e.timeZone === d.readerZone
      ? court
      : `${court}; ${m.yourTime({ time: clock(dt(e.at, d.readerZone)) })}`
  }
  const count = d.entries.length
  const date = longDate(dt(d.moment, d.readerZone))
  const range = {
    from: longDate(dt(d.moment, d.readerZone)),
    to: longDate(dt(d.windowEnd, d.readerZone).minus({ days: 1 })),
  }
  return {
    lang,
    subject: d.frequency === 'daily' ? m.subjectDaily({ count, date }) : m.subjectWeekly({ count, date }),
    greeting: m.greeting({ name: d.recipientName }),
    lead: d.frequency === 'daily' ? m.leadDaily(range) : m.leadWeekly(range),
    cases: d.cases.map((c) => ({
      heading: c.title,
      subheading: [c.court, c.caseNumber ? m.caseNumber({ number: c.caseNumber }) : null]
        .filter(Boolean)
        .join(' · '),
      entries: d.entries
        .filter((e) => e.caseId === c.id)
        .map((e) => ({
          kind: e.kind === 'hearing' ? m.hearing : m.deadline,
          mark: e.mark ? marks(m)[e.mark] : null,
          title: e.title,
          when: when(e),
          details: e.location ? [m.location({ place: e.location })] : [],
        })),
    })),
    footer: m.footer,
    stopLabel: m.stopDigests,
    stopUrl: opts.stopUrl,
    preferences: opts.preferencesUrl ? { label: m.preferences, url: opts.preferencesUrl } : null,
  }
}

export function renderDigest(v: DigestView): { subject: string; text: string; html: string } {
  return { subject: headerSafe(v.subject), text: toText(v), html: toHtml(v) }
}

const entryLine = (e: DigestEntryView) => `${e.kind}${e.mark ? ` — ${e.mark.toUpperCase()}` : ''}: ${e.title}`

function toText(v: DigestView): string {
  const sections = v.cases.map((c) =>
    [
      c.heading,
      ...(c.subheading ? [c.subheading] : []),
      ...c.entries.map((e) =>
        [`  * ${entryLine(e)}`, `    ${e.when}`, ...e.details.map((x) => `    ${x}`)].join('\n'),
      ),
    ].join('\n'),
  )
  const prefs = v.preferences ? `\n${v.preferences.label}: ${v.preferences.url}` : ''
  const footer = `-- \n${v.footer}${prefs}\n${v.stopLabel}: ${v.stopUrl}`
  return `${[v.greeting, v.lead, ...sections, footer].join('\n\n')}\n`
}

// Inline styles and a plain layout, as in src/email/render.ts: mail clients drop <style> blocks.
const font = 'font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#1f2328'
const muted = '#59636e'

function toHtml(v: DigestView): string {
  const p = (text: string, style = 'margin:0 0 16px') => `<p style="${style}">${escapeHtml(text)}</p>`
  const cases = v.cases.map((c) =>
    [
      `<h2 style="margin:24px 0 4px;font-size:17px">${escapeHtml(c.heading)}</h2>`,
      c.subheading ? p(c.subheading, `margin:0 0 8px;color:${muted};font-size:13px`) : '',
      '<ul style="margin:0 0 16px;padding-left:20px">',
      ...c.entries.map(
        (e) =>
          `<li style="margin:0 0 8px"><strong>${escapeHtml(e.kind)}</strong>` +
          (e.mark ? ` <strong style="color:#9a3412">${escapeHtml(e.mark)}</strong>` : '') +
          `: ${escapeHtml(e.title)}<br>${escapeHtml(e.when)}` +
          e.details.map((x) => `<br><span style="color:${muted}">${escapeHtml(x)}</span>`).join('') +
          '</li>',
      ),
      '</ul>',
    ].join('\n'),
  )
  return [
    '<!doctype html>',
    `<html lang="${v.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">`,
    `<title>${escapeHtml(headerSafe(v.subject))}</title></head>`,
    `<body style="margin:0;padding:16px;background:#f6f8fa;${font}">`,
    '<div style="max-width:600px;margin:0 auto;padding:24px;background:#ffffff;border:1px solid #d1d9e0">',
    p(v.greeting),
    p(v.lead),
    ...cases,
    `<p style="margin:24px 0 0;padding-top:12px;border-top:1px solid #d1d9e0;font-size:12px;color:${muted}">` +
      `${escapeHtml(v.footer)} ` +
      (v.preferences
        ? `<a href="${escapeHtml(v.preferences.url)}" style="color:${muted}">${escapeHtml(v.preferences.label)}</a> · `
        : '') +
      `<a href="${escapeHtml(v.stopUrl)}" style="color:${muted}">${escapeHtml(v.stopLabel)}</a></p>`,
    '</div>',
    '</body></html>',
    '',
  ].join('\n')
}

/** A subject becomes a mail header: no control character in a title may start a new header line. */
function headerSafe(value: string): string {
  return value
    .replace(/[\p{Cc}\u2028\u2029]+/gu, ' ')
    .replace(/ {2,}/g, ' ')
    .trim()
}

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}
const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (ch) => entities[ch] ?? ch)
