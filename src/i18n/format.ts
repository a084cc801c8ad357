import { DateTime, Duration } from 'luxon'
import { describeHearingTime } from '../platform/time.js'
import { messagesFor } from './index.js'
import type { Language } from './languages.js'

/**
 * Dates, times and durations as a reader of each language writes them, from ICU (Intl): Russian months
 * in the genitive («14 декабря 2026 г.»), Kazakh year-first («2026 ж. 14 желтоқсан»). English keeps the
 * wording courtbell has always used ('Monday, 14 December 2026, 10:00 (Asia/Almaty, UTC+5)').
 */

type HearingTime = { startsAtUtc: string; allDay: boolean; startsAt: string; timeZone: string }

const ICU_LOCALE: Record<Language, string> = { en: 'en-GB', ru: 'ru', kk: 'kk' }

/** The offset as the English texts have always written it: UTC+5, UTC+5:30, UTC. */
const offsetLabel = (dt: DateTime) => (dt.offset === 0 ? 'UTC' : `UTC${dt.toFormat('Z')}`)

function dateWords(date: Date, timeZone: string, lang: Language, weekday: boolean): string {
  return new Intl.DateTimeFormat(ICU_LOCALE[lang], {
    ...(weekday ? { dateStyle: 'full' } : { dateStyle: 'long' }),
    timeZone,
  }).format(date)
}

/** A hearing's time in a zone: the date and wall clock, the zone and its offset; a date alone when all-day. */
export function formatHearingTime(h: HearingTime, inZone: string, lang: Language): string {
  if (lang === 'en') return describeHearingTime(h, inZone)
  if (h.allDay) {
    const date = dateWords(new Date(`${h.startsAt.slice(0, 10)}T12:00:00Z`), 'UTC', lang, true)
    return `${date} (${messagesFor(lang)['time.notAnnounced']})`
  }
  return formatInstant(h.startsAtUtc, inZone, lang, { weekday: true })
}

/** An instant in a zone, e.g. for when a link expires: '14 декабря 2026 г., 10:00 (Asia/Almaty, UTC+5)'. */
export function formatInstant(
  instant: string,
  zone: string,
  lang: Language,
  opts: { weekday?: boolean } = {},
): string {
  const dt = DateTime.fromISO(instant, { zone })
  const clock = dt.toFormat(dt.second === 0 ? 'HH:mm' : 'HH:mm:ss')
  const date = dateWords(dt.toJSDate(), zone, lang, opts.weekday ?? false)
  return `${date}, ${clock} (${zone}, ${offsetLabel(dt)})`
}

/** The calendar day of an instant in a zone, with the zone named: '14 December 2026 (Asia/Almaty)'. */
export function formatCourtDate(instant: string, zone: string, lang: Language): string {
  return `${dateWords(new Date(instant), zone, lang, false)} (${zone})`
}

/** A calendar date (YYYY-MM-DD) as words, e.g. a deadline's due day. */
export function formatLocalDate(date: string, lang: Language, opts: { weekday?: boolean } = {}): string {
  return dateWords(new Date(`${date}T12:00:00Z`), 'UTC', lang, opts.weekday ?? false)
}

const UNITS = ['week', 'day', 'hour', 'minute', 'second'] as const

/**
 * An ISO 8601 duration in words ('2 hours', '2 часа', '2 сағат'), with ICU's plural rules. Russian gets the
 * accusative it takes after «через» and «за»: only the feminine singular differs (1 неделю, 21 минуту).
 */
export function formatDuration(iso: string, lang: Language): string {
  const d = Duration.fromISO(iso)
  const values = { week: d.weeks, day: d.days, hour: d.hours, minute: d.minutes, second: d.seconds }
  const parts = UNITS.filter((u) => values[u] > 0).map((unit) =>
    new Intl.NumberFormat(ICU_LOCALE[lang], { style: 'unit', unit, unitDisplay: 'long' }).format(
      values[unit],
    ),
  )
  const words = parts.length > 0 ? parts.join(' ') : formatDuration('PT0S', lang)
  if (lang !== 'ru') return words
  return words
    .replace(/(\d+) (минут|секунд)а(?!\p{L})/gu, '$1 $2у')
    .replace(/(\d+) неделя(?!\p{L})/gu, '$1 неделю')
}
