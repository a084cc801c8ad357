import tz from '@touch4it/ical-timezones'
import ICAL from 'ical.js'
import { IANAZone } from 'luxon'
import { describe, expect, it } from 'vitest'
import { eventAttachment } from '../../src/calendar/attachment.js'
import { type DeadlineLike, deadlineCalendarItem, hearingCalendarItem } from '../../src/calendar/item.js'
import { foldLines, renderCalendar } from '../../src/calendar/render.js'
import { vtimezone } from '../../src/calendar/vtimezone.js'
import type { Case } from '../../src/cases/case.schema.js'
import type { Hearing } from '../../src/hearings/hearing.schema.js'
import { readCalendar, readWithIcalJs } from '../helpers/ical.js'

const kase: Case = {
  id: 'case_cal',
  title: 'Probation service v. Serikzhan Bilash — petition to declare wanted',
  court: 'Court of Almaty (Kazakhstan)',
  timeZone: 'Asia/Almaty',
  caseNumber: '2-1234/2026',
  jurisdiction: 'KZ',
  description: null,
  tags: [],
  visibility: 'public',
  deadlineRules: [],
  language: 'en',
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
}

const hearing: Hearing = {
  id: 'hrg_cal',
  caseId: kase.id,
  title: 'Decision on the petition to declare Bilash wanted',
  startsAt: '2026-12-14T10:00',
  allDay: false,
  timeZone: 'Asia/Almaty',
  startsAtUtc: '2026-12-14T05:00:00.000Z',
  duration: 'PT1H30M',
  location: 'Courtroom 5, 2nd floor',
  notes: null,
  status: 'scheduled',
  outcome: null,
  cancelReason: null,
  version: 3,
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-02T00:00:00.000Z',
}

const deadline: DeadlineLike = {
  id: 'ddl_cal',
  caseId: kase.id,
  title: 'File the appeal',
  notes: null,
  dueOn: '2026-12-29',
  endOfDay: '23:59',
  dueAtUtc: '2026-12-29T18:59:00.000Z',
  timeZone: 'Asia/Almaty',
  status: 'open',
  version: 2,
  trigger: { date: '2026-12-14', hearingId: hearing.id },
  ruleId: 'kz.civil.appeal',
  updatedAt: '2026-12-14T06:00:00.000Z',
}

const host = 'courtbell.test'
const feed = (items: Parameters<typeof renderCalendar>[0]) =>
  renderCalendar(items, { host, refreshSeconds: 3600 })

describe('a hearing in a calendar', () => {
  it('has a stable UID, SEQUENCE = version, and DTSTART at the stored instant in its own zone', () => {
    const [event] = readCalendar(feed([hearingCalendarItem(hearing, kase)]))
    expect(event).toMatchObject({
      uid: 'hrg_cal@courtbell.test',
      sequence: 3,
      start: Date.parse(hearing.startsAtUtc),
      allDay: false,
      zone: 'Asia/Almaty',
      status: 'CONFIRMED',
      summary: hearing.title,
      location: 'Courtroom 5, 2nd floor',
    })
    expect(event?.description).toContain(`Case: ${kase.title} (No. 2-1234/2026)`)
    expect(event?.description).toContain(`Court: ${kase.court}`)
  })

  it('writes the local wall time with TZID, and lasts its duration (one hour by default)', () => {
    const text = feed([hearingCalendarItem(hearing, kase)])
    expect(text).toContain('DTSTART;TZID=Asia/Almaty:20261214T100000\r\n')
    expect(readCalendar(text)[0]?.durationMs).toBe(90 * 60_000)
    const { duration: _, ...older } = hearing
    expect(readCalendar(feed([hearingCalendarItem(older as Hearing, kase)]))[0]?.durationMs).toBe(3_600_000)
  })

  it('lasts its duration across a change of clocks (New York, 1 November 2026)', () => {
    const night: Hearing = {
      ...hearing,
      startsAt: '2026-11-01T00:30',
      timeZone: 'America/New_York',
      startsAtUtc: '2026-11-01T04:30:00.000Z',
      duration: 'PT3H',
    }
    const [event] = readCalendar(feed([hearingCalendarItem(night, kase)]))
    expect(event).toMatchObject({ start: Date.parse('2026-11-01T04:30:00Z'), durationMs: 3 * 3_600_000 })
  })

  it('is a date (VALUE=DATE) when its time is not yet announced', () => {
    const allDay = {
      ...hearing,
      startsAt: '2026-12-14',
      allDay: true,
      startsAtUtc: '2026-12-14T04:00:00.000Z',
    }
    const text = feed([hearingCalendarItem(allDay, kase)])
    expect(text).toContain('DTSTART;VALUE=DATE:20261214\r\n')
    expect(text).not.toContain('VTIMEZONE')
    expect(readCalendar(text)[0]).toMatchObject({ start: '2026-12-14', allDay: true })
    expect(readCalendar(text)[0]?.description).toContain('Time: not yet announced')
  })

  it('is STATUS:CANCELLED once cancelled, and a decided one says what was decided', () => {
    const cancelled = { ...hearing, status: 'cancelled' as const, cancelReason: 'Judge ill', version: 4 }
    const decided = {
      ...hearing,
      id: 'hrg_decided',
      status: 'decided' as const,
      outcome: { summary: 'Petition refused', decidedAt: '2026-12-14T06:00:00.000Z' },
    }
    const events = readCalendar(
      feed([hearingCalendarItem(cancelled, kase), hearingCalendarItem(decided, kase)]),
    )
    expect(events.find((e) => e.uid.startsWith('hrg_cal'))).toMatchObject({
      status: 'CANCELLED',
      sequence: 4,
    })
    expect(events.find((e) => e.uid.startsWith('hrg_cal'))?.description).toContain('Cancelled: Judge ill')
    expect(events.find((e) => e.uid.startsWith('hrg_decided'))).toMatchObject({ status: 'CONFIRMED' })
    expect(events.find((e) => e.uid.startsWith('hrg_decided'))?.description).toContain(
      'Decision: Petition refused',
    )
  })
})

describe('a deadline in a calendar', () => {
  it('is a date (VALUE=DATE of dueOn) whose summary starts "Deadline: ", with its version as SEQUENCE', () => {
    const text = feed([deadlineCalendarItem(deadline, kase)])
    expect(text).toContain('DTSTART;VALUE=DATE:20261229\r\n')
    const [event] = readCalendar(text)
    expect(event).toMatchObject({
      uid: 'ddl_cal@courtbell.test',
      sequence: 2,
      start: '2026-12-29',
      allDay: true,
      summary: 'Deadline: File the appeal',
      status: 'CONFIRMED',
    })
    expect(event?.description).toContain('Due: 2026-12-29 23:59 (Asia/Almaty)')
  })

  it('is STATUS:CANCELLED once cancelled, and stays confirmed when met', () => {
    const cancelled = readCalendar(
      feed([deadlineCalendarItem({ ...deadline, status: 'cancelled' }, kase)]),
    )[0]
    const met = readCalendar(feed([deadlineCalendarItem({ ...deadline, status: 'met' }, kase)]))[0]
    expect(cancelled?.status).toBe('CANCELLED')
    expect(met?.status).toBe('CONFIRMED')
    expect(met?.description).toContain('Status: met')
  })
})

describe('iCalendar text (RFC 5545)', () => {
  it('escapes , ; \\ and newlines in TEXT, and both parsers read the text back as it was', () => {
    const title = 'Appeal; part 1, \\ second\nline'
    const notes = 'Bring: passport, power of attorney;\r\nand the \\ originals'
    const text = feed([
      hearingCalendarItem({ ...hearing, title, notes, location: 'Hall 3; wing B, room \\2' }, kase),
    ])
    expect(text).toContain('SUMMARY:Appeal\\; part 1\\, \\\\ second\\nline\r\n')
    const [event] = readCalendar(text)
    expect(event?.summary).toBe(title)
    expect(event?.location).toBe('Hall 3; wing B, room \\2')
    expect(event?.description).toContain('Notes: Bring: passport, power of attorney;\nand the \\ originals')
  })

  it('folds a 200-character Cyrillic title into lines of at most 75 octets, never inside a character', () => {
    const title = 'Рассмотрение ходатайства службы пробации об объявлении в розыск '.repeat(4).slice(0, 200)
    expect(title).toHaveLength(200)
    const text = feed([hearingCalendarItem({ ...hearing, title }, kase)])
    const lines = text.split('\r\n')
    for (const line of lines) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75)
    // Every line is valid UTF-8 on its own: no character was cut in two.
    for (const line of lines) expect(Buffer.from(line).toString('utf8')).not.toContain('\ufffd')
    const summaryLines = lines.slice(lines.findIndex((l) => l.startsWith('SUMMARY:')))
    expect(summaryLines[1]?.startsWith(' ')).toBe(true)
    expect(readCalendar(text)[0]?.summary).toBe(title)
  })

  it('folds four-octet characters whole', () => {
    const folded = foldLines(`SUMMARY:${'⚖️🏛'.repeat(40)}\r\n`)
    for (const line of folded.split('\r\n')) {
      expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75)
      expect(line).not.toMatch(/[\ud800-\udbff]$/)
    }
    expect(folded.replace(/\r\n /g, '')).toBe(`SUMMARY:${'⚖️🏛'.repeat(40)}\r\n`)
  })

  it('ends every line with CRLF and nothing with a bare LF or CR', () => {
    const text = feed([
      hearingCalendarItem({ ...hearing, notes: 'a\nb\rc\r\nd' }, kase),
      deadlineCalendarItem(deadline, kase),
    ])
    expect(text.endsWith('END:VCALENDAR\r\n')).toBe(true)
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/)
  })

  it('drops control characters a TEXT value may not hold', () => {
    const text = feed([hearingCalendarItem({ ...hearing, title: 'Bell\u0007 and\u0000 null' }, kase)])
    expect(readCalendar(text)[0]?.summary).toBe('Bell  and  null')
  })

  it('says how often a feed should be refreshed; an attachment is METHOD:PUBLISH', () => {
    const text = feed([hearingCalendarItem(hearing, kase)])
    expect(text).toContain('\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n')
    expect(text).toContain('\r\nX-PUBLISHED-TTL:PT1H\r\n')
    expect(text).not.toContain('METHOD:')
    const attachment = eventAttachment(hearingCalendarItem(hearing, kase), host)
    expect(attachment).toMatchObject({
      filename: 'event.ics',
      contentType: 'text/calendar; charset=utf-8; method=PUBLISH',
    })
    expect(attachment.content).toContain('\r\nMETHOD:PUBLISH\r\n')
    expect(readCalendar(attachment.content)).toEqual(readCalendar(text))
  })

  it('is the same text for the same items (an unchanged feed keeps its ETag)', () => {
    const items = [hearingCalendarItem(hearing, kase), deadlineCalendarItem(deadline, kase)]
    expect(feed(items)).toBe(feed(items))
  })
})

describe('VTIMEZONE', () => {
  const offsetHours = (vtz: string, utc: string) => {
    const zone = readWithIcalJs(
      `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n${vtz}END:VCALENDAR\r\n`,
    )
      .calendar.getAllSubcomponents('vtimezone')
      .map((c) => new ICAL.Timezone(c))[0] as ICAL.Timezone
    return zone.utcOffset(ICAL.Time.fromJSDate(new Date(utc), true).convertToZone(zone)) / 3600
  }

  it('has Asia/Almaty at UTC+6 until 1 March 2024 and UTC+5 since', () => {
    const vtz = vtimezone('Asia/Almaty', 2023, 2027)
    expect(offsetHours(vtz, '2024-02-28T12:00:00Z')).toBe(6)
    expect(offsetHours(vtz, '2024-03-02T12:00:00Z')).toBe(5)
    expect(offsetHours(vtz, '2026-12-14T05:00:00Z')).toBe(5)
    expect(vtz).toContain('DTSTART:20240301T000000\r\nTZOFFSETFROM:+0600\r\nTZOFFSETTO:+0500\r\n')
  })

  it('is needed: the packaged VTIMEZONE data still has Almaty at UTC+6 in 2026', () => {
    const packaged = tz.getVtimezoneComponent('Asia/Almaty') as string
    expect(offsetHours(packaged, '2026-12-14T05:00:00Z')).toBe(6)
  })

  it('has summer and winter time where a zone has them', () => {
    const vtz = vtimezone('Europe/Berlin', 2026, 2027)
    expect(vtz).toContain('BEGIN:DAYLIGHT')
    expect(offsetHours(vtz, '2026-01-15T12:00:00Z')).toBe(1)
    expect(offsetHours(vtz, '2026-07-15T12:00:00Z')).toBe(2)
    expect(offsetHours(vtz, '2027-03-28T00:59:00Z')).toBe(1)
    expect(offsetHours(vtz, '2027-03-28T01:00:00Z')).toBe(2)
    const sydney = vtimezone('Australia/Sydney', 2026, 2026)
    expect(offsetHours(sydney, '2026-01-15T00:00:00Z')).toBe(11)
    expect(offsetHours(sydney, '2026-07-15T00:00:00Z')).toBe(10)
  })

  it("agrees with the runtime's tz database at every sampled instant, in zones with odd rules", () => {
    const zones = [
      'America/New_York',
      'Europe/Berlin',
      'Australia/Sydney',
      'Australia/Lord_Howe', // half an hour of summer time
      'Africa/Casablanca', // an hour off during Ramadan
      'America/Santiago',
      'Asia/Tehran', // summer time until 2022
      'Asia/Kolkata',
      'Asia/Almaty',
    ]
    const from = Date.UTC(2020, 0, 2)
    const to = Date.UTC(2028, 0, 1)
    for (const zone of zones) {
      const vtz = vtimezone(zone, 2020, 2027)
      const ical = new ICAL.Timezone(
        readWithIcalJs(
          `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n${vtz}END:VCALENDAR\r\n`,
        ).calendar.getFirstSubcomponent('vtimezone') as ICAL.Component,
      )
      for (let i = 0; i < 300; i++) {
        // Spread over the years, at minutes that land near changes (which happen on the hour or half hour).
        const at = from + Math.floor(((to - from) / 300) * i) - (i % 7) * 30 * 60_000
        const time = ICAL.Time.fromJSDate(new Date(at), true).convertToZone(ical)
        const expected = IANAZone.create(zone).offset(at) * 60
        expect(ical.utcOffset(time), `${zone} at ${new Date(at).toISOString()}`).toBe(expected)
      }
    }
  })

  it('is in a feed once per zone, covering the years of its items', () => {
    const berlin = (id: string, startsAtUtc: string) =>
      hearingCalendarItem({ ...hearing, id, timeZone: 'Europe/Berlin', startsAtUtc }, kase)
    const winter = '2024-03-01T09:00:00.000Z'
    const summer = '2026-07-01T08:00:00.000Z'
    const nextSummer = '2027-08-01T08:00:00.000Z'
    const text = feed([
      hearingCalendarItem(hearing, kase),
      berlin('hrg_b1', winter),
      berlin('hrg_b2', summer),
      berlin('hrg_b3', nextSummer),
      hearingCalendarItem({ ...hearing, id: 'hrg_2' }, kase),
    ])
    expect(text.match(/BEGIN:VTIMEZONE/g)).toHaveLength(2)
    expect(text).toContain('DTSTART;TZID=Europe/Berlin:20260701T100000\r\n')
    const events = readCalendar(text)
    expect(events.find((e) => e.uid.startsWith('hrg_b1'))?.start).toBe(Date.parse(winter))
    expect(events.find((e) => e.uid.startsWith('hrg_b2'))?.start).toBe(Date.parse(summer))
    expect(events.find((e) => e.uid.startsWith('hrg_b3'))?.start).toBe(Date.parse(nextSummer))
  })
})
