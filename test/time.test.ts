import { DateTime, Duration } from 'luxon'
import { describe, expect, it } from 'vitest'
import {
  describeDuration,
  describeHearingTime,
  isTimeProblem,
  isValidTimeZone,
  parseHearingTime,
  parseRemindBefore,
  reminderDueAt,
} from '../src/platform/time.js'

const NY = 'America/New_York'

function utcOf(startsAt: string, zone: string, courtDayStart = '09:00'): string {
  const parsed = parseHearingTime(startsAt, zone, courtDayStart)
  if (isTimeProblem(parsed)) throw new Error(`unexpected problem: ${parsed.message}`)
  return parsed.startsAtUtc
}

function reasonOf(startsAt: string, zone: string): string | undefined {
  const parsed = parseHearingTime(startsAt, zone, '09:00')
  return isTimeProblem(parsed) ? parsed.reason : undefined
}

describe('tz database', () => {
  it('has Asia/Almaty at UTC+6 before 2024-03-01 and UTC+5 since (tzdata 2024a)', () => {
    const offset = (date: string) =>
      new Intl.DateTimeFormat('en', { timeZone: 'Asia/Almaty', timeZoneName: 'longOffset' }).format(
        new Date(date),
      )
    expect(offset('2020-12-14')).toContain('GMT+06:00')
    expect(offset('2026-12-14')).toContain('GMT+05:00')
  })
})

describe('parseHearingTime', () => {
  it('anchors an all-day hearing at the court-day start in the zone offset of that date', () => {
    expect(parseHearingTime('2020-12-14', 'Asia/Almaty', '09:00')).toEqual({
      startsAt: '2020-12-14',
      allDay: true,
      startsAtUtc: '2020-12-14T03:00:00.000Z',
    })
    expect(utcOf('2026-12-14', 'Asia/Almaty')).toBe('2026-12-14T04:00:00.000Z')
    expect(utcOf('2026-12-14', 'Asia/Almaty', '08:30')).toBe('2026-12-14T03:30:00.000Z')
  })

  it('converts a timed hearing from local wall time and returns startsAt unchanged', () => {
    expect(parseHearingTime('2026-12-14T10:00', 'Asia/Almaty', '09:00')).toEqual({
      startsAt: '2026-12-14T10:00',
      allDay: false,
      startsAtUtc: '2026-12-14T05:00:00.000Z',
    })
  })

  it('keeps seconds', () => {
    expect(parseHearingTime('2026-12-14T10:00:05', 'Asia/Almaty', '09:00')).toEqual({
      startsAt: '2026-12-14T10:00:05',
      allDay: false,
      startsAtUtc: '2026-12-14T05:00:05.000Z',
    })
  })

  it('reports a wall time inside a DST gap as a gap', () => {
    expect(reasonOf('2026-03-08T02:30', NY)).toBe('gap')
    expect(reasonOf('2026-03-08T02:00', NY)).toBe('gap')
    expect(utcOf('2026-03-08T03:00', NY)).toBe('2026-03-08T07:00:00.000Z')
    expect(utcOf('2026-03-08T01:59:59', NY)).toBe('2026-03-08T06:59:59.000Z')
  })

  it('takes the earlier instant of an ambiguous wall time (DST overlap)', () => {
    expect(utcOf('2026-11-01T01:30', NY)).toBe('2026-11-01T05:30:00.000Z') // EDT, not 06:30Z EST
    expect(utcOf('2026-10-25T02:30', 'Europe/Berlin')).toBe('2026-10-25T00:30:00.000Z') // CEST, not 01:30Z CET
    // Almaty's 2024 change from +6 to +5 repeated the last hour of 29 February.
    expect(utcOf('2024-02-29T23:30', 'Asia/Almaty')).toBe('2024-02-29T17:30:00.000Z')
  })

  it('does not reject an all-day hearing whose court-day start falls in a gap', () => {
    expect(utcOf('2026-03-08', NY, '02:30')).toBe('2026-03-08T07:30:00.000Z') // 03:30 EDT
  })

  it('rejects dates and times that are not on the calendar or the clock as format', () => {
    expect(reasonOf('2026-02-30', 'Asia/Almaty')).toBe('format')
    expect(reasonOf('2026-12-14T25:00', 'Asia/Almaty')).toBe('format')
    expect(reasonOf('2026-12-14T24:00', 'Asia/Almaty')).toBe('format')
    expect(reasonOf('2026-12-14T10:60', 'Asia/Almaty')).toBe('format')
    expect(reasonOf('2026-12-14T10:00:60', 'Asia/Almaty')).toBe('format')
    expect(reasonOf('2026-12-14T10:00Z', 'Asia/Almaty')).toBe('format')
    expect(reasonOf('2026-12-14T10', 'Asia/Almaty')).toBe('format')
    expect(reasonOf('14.12.2026', 'Asia/Almaty')).toBe('format')
    expect(reasonOf('', 'Asia/Almaty')).toBe('format')
  })

  it('rejects an unknown zone as zone', () => {
    expect(reasonOf('2026-12-14T10:00', 'Mars/Olympus')).toBe('zone')
    expect(reasonOf('2026-12-14T10:00', '+05:00')).toBe('zone')
  })
})

describe('wall time and instant agree at every quarter hour of a year', () => {
  // Offsets are remembered per hour: a wrong one would show as a wall time that does not read back.
  const zones: [string, string][] = [
    ['America/New_York', '2026-01-01'],
    ['Europe/Dublin', '2026-01-01'], // negative DST in the tz database
    ['Australia/Lord_Howe', '2026-01-01'], // 30-minute DST
    ['Pacific/Chatham', '2026-01-01'], // +12:45 / +13:45
    ['Asia/Almaty', '2024-01-01'], // +6 → +5 on 2024-03-01
  ]
  for (const [zone, from] of zones) {
    it(zone, () => {
      const start = Date.parse(`${from}T00:00:00Z`)
      for (let t = start; t < start + 366 * 86_400_000; t += 900_000) {
        const wall = DateTime.fromMillis(t, { zone }).toFormat("yyyy-MM-dd'T'HH:mm")
        const parsed = Date.parse(utcOf(wall, zone))
        // The earlier instant of a wall time that occurs twice; the same one otherwise.
        if (parsed !== t) {
          expect(parsed, wall).toBeLessThan(t)
          expect(DateTime.fromMillis(parsed, { zone }).toFormat("yyyy-MM-dd'T'HH:mm"), wall).toBe(wall)
        }
      }
    })
  }
})

describe('isValidTimeZone', () => {
  it('accepts IANA zones including UTC and Etc/UTC', () => {
    for (const zone of ['Asia/Almaty', 'America/New_York', 'UTC', 'Etc/UTC', 'Etc/GMT-5']) {
      expect(isValidTimeZone(zone), zone).toBe(true)
    }
  })

  it('rejects empty, unknown and fixed-offset zones', () => {
    for (const zone of ['', 'Mars/Olympus', '+05:00', '-04:00', 'UTC+5', 'UTC+05:00', 'Z']) {
      expect(isValidTimeZone(zone), zone).toBe(false)
    }
  })
})

describe('parseRemindBefore', () => {
  it('accepts weeks, days, hours, minutes and seconds from PT1S to P366D', () => {
    for (const value of ['PT1S', 'P366D', 'P7D', 'P1W', 'PT2H', 'P1DT2H', 'PT30M', 'P52W2D', 'PT8784H']) {
      expect(parseRemindBefore(value), value).toEqual({ ok: true, value })
    }
  })

  it('returns the upper-case form', () => {
    expect(parseRemindBefore('pt2h')).toEqual({ ok: true, value: 'PT2H' })
    expect(parseRemindBefore('p1dt2h')).toEqual({ ok: true, value: 'P1DT2H' })
  })

  it('rejects malformed, out-of-range, year, month and fractional durations', () => {
    const rejected = [
      '',
      'P',
      'PT',
      'P1DT',
      'PT0S',
      'P0D',
      'P367D',
      'P52W3D',
      'PT8785H',
      'P1Y',
      'P1M',
      '2h',
      'PT1.5H',
    ]
    for (const value of [...rejected, '-PT1H', ' PT2H', 'PT2H ']) {
      const result = parseRemindBefore(value)
      expect(result.ok, value).toBe(false)
      if (!result.ok) expect(result.message).not.toBe('')
    }
  })
})

describe('reminderDueAt', () => {
  it('subtracts exact hours', () => {
    expect(reminderDueAt('2026-12-14T05:00:00.000Z', 'Asia/Almaty', 'PT2H')).toBe('2026-12-14T03:00:00.000Z')
    expect(reminderDueAt('2026-12-14T05:00:05.000Z', 'Asia/Almaty', 'PT1S')).toBe('2026-12-14T05:00:04.000Z')
  })

  it('keeps the local wall time for P1D when the DST change is before both times', () => {
    // Hearing 2026-03-09T10:00 EDT. The change was at 02:00 on the 8th, so 10:00 on the 8th is EDT too.
    const hearing = utcOf('2026-03-09T10:00', NY)
    expect(hearing).toBe('2026-03-09T14:00:00.000Z')
    expect(reminderDueAt(hearing, NY, 'P1D')).toBe('2026-03-08T14:00:00.000Z')
    expect(reminderDueAt(hearing, NY, 'PT24H')).toBe('2026-03-08T14:00:00.000Z')
  })

  it('keeps the local wall time for P1D across a DST change, one hour apart from PT24H', () => {
    const hearing = utcOf('2026-03-08T10:00', NY) // EDT
    expect(reminderDueAt(hearing, NY, 'P1D')).toBe('2026-03-07T15:00:00.000Z') // 10:00 EST
    expect(reminderDueAt(hearing, NY, 'PT24H')).toBe('2026-03-07T14:00:00.000Z') // 09:00 EST
    const autumn = utcOf('2026-11-01T10:00', NY) // EST
    expect(reminderDueAt(autumn, NY, 'P1D')).toBe('2026-10-31T14:00:00.000Z') // 10:00 EDT
    expect(reminderDueAt(autumn, NY, 'PT24H')).toBe('2026-10-31T15:00:00.000Z') // 11:00 EDT
  })

  it('treats P1W as seven calendar days', () => {
    const hearing = utcOf('2026-03-10T10:00', NY)
    expect(reminderDueAt(hearing, NY, 'P1W')).toBe(reminderDueAt(hearing, NY, 'P7D'))
    expect(reminderDueAt(hearing, NY, 'P1W')).toBe('2026-03-03T15:00:00.000Z') // 10:00 EST
  })

  it('keeps the wall time across a change of standard offset (Almaty, 2024)', () => {
    const hearing = utcOf('2024-03-01T10:00', 'Asia/Almaty') // UTC+5
    expect(reminderDueAt(hearing, 'Asia/Almaty', 'P1D')).toBe('2024-02-29T04:00:00.000Z') // 10:00 UTC+6
  })

  it('applies days in the local calendar first, then exact hours, for P1DT2H', () => {
    // 03:00 EDT on 9 March; days first: 03:00 EDT on the 8th (07:00Z), minus 2 h = 05:00Z (00:00 EST).
    // Hours first would give 01:00 EDT on the 9th, then 01:00 EST on the 8th = 06:00Z.
    const hearing = utcOf('2026-03-09T03:00', NY)
    expect(reminderDueAt(hearing, NY, 'P1DT2H')).toBe('2026-03-08T05:00:00.000Z')
  })

  it('takes the earlier instant when the day before lands in an overlap, like hearing times', () => {
    const hearing = utcOf('2026-11-02T01:30', NY) // EST
    expect(reminderDueAt(hearing, NY, 'P1D')).toBe('2026-11-01T05:30:00.000Z') // 01:30 EDT
    // Luxon's own minus() keeps the start's offset and gives the later instant here.
    const luxon = DateTime.fromISO(hearing).setZone(NY).minus(Duration.fromISO('P1D')).toUTC().toISO()
    expect(luxon).toBe('2026-11-01T06:30:00.000Z')
  })

  it('pushes forward by the gap when the day before lands in a gap', () => {
    const hearing = utcOf('2026-03-09T02:30', NY) // EDT
    expect(reminderDueAt(hearing, NY, 'P1D')).toBe('2026-03-08T07:30:00.000Z') // 03:30 EDT
  })

  it("matches luxon's setZone().minus(Duration) away from overlaps", () => {
    const cases: [string, string, string][] = [
      ['2026-03-09T14:00:00.000Z', NY, 'P1D'],
      ['2026-03-09T14:00:00.000Z', NY, 'P1DT2H30M'],
      ['2026-03-09T07:00:00.000Z', NY, 'P1DT2H'],
      ['2026-03-09T06:30:00.000Z', NY, 'P1D'],
      ['2026-03-08T14:00:00.000Z', NY, 'P2W'],
      ['2026-12-14T05:00:00.000Z', 'Asia/Almaty', 'P366D'],
      ['2026-10-26T09:00:00.000Z', 'Europe/Berlin', 'P1DT1S'],
    ]
    for (const [startsAtUtc, zone, remindBefore] of cases) {
      const luxon = DateTime.fromISO(startsAtUtc).setZone(zone).minus(Duration.fromISO(remindBefore))
      expect(reminderDueAt(startsAtUtc, zone, remindBefore), remindBefore).toBe(luxon.toUTC().toISO())
    }
  })
})

describe('around changes of offset, including those not on the UTC hour', () => {
  // Lord Howe moves by 30 minutes at 15:30Z, St John's at 05:30Z: offsets are remembered per hour, so
  // these hours must be computed afresh. Every result is checked against Intl directly.
  const windows: [string, string][] = [
    ['Australia/Lord_Howe', '2026-04-05'],
    ['Australia/Lord_Howe', '2026-10-04'],
    ['America/St_Johns', '2026-03-08'],
    ['America/St_Johns', '2026-11-01'],
    ['Europe/Berlin', '2026-03-29'],
    ['Europe/Berlin', '2026-10-25'],
    ['Asia/Almaty', '2024-03-01'],
  ]
  const wallIn = (zone: string, ms: number) => {
    const parts = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    }).formatToParts(new Date(ms))
    const part = (type: string) => parts.find((p) => p.type === type)?.value
    return `${part('year')}-${part('month')}-${part('day')}T${part('hour')}:${part('minute')}`
  }
  const walls = (day: string) => {
    const from = DateTime.fromISO(day, { zone: 'utc' }).minus({ days: 1 })
    return Array.from({ length: 3 * 24 * 6 }, (_, i) =>
      from.plus({ minutes: 10 * i }).toFormat("yyyy-MM-dd'T'HH:mm"),
    )
  }

  it('reads every wall time that exists as the instant Intl shows with it, and flags the rest as gaps', () => {
    for (const [zone, day] of windows) {
      for (const wall of walls(day)) {
        const parsed = parseHearingTime(wall, zone, '09:00')
        if (isTimeProblem(parsed)) {
          expect(parsed.reason, `${zone} ${wall}`).toBe('gap')
          continue
        }
        expect(wallIn(zone, Date.parse(parsed.startsAtUtc)), `${zone} ${wall}`).toBe(wall)
        // The earlier instant of an overlap: half an hour or an hour before, the wall time is not the same.
        for (const back of [30, 60])
          expect(wallIn(zone, Date.parse(parsed.startsAtUtc) - back * 60_000)).not.toBe(wall)
      }
    }
  })

  it('puts a P1D reminder at the same wall time the day before, wherever that time exists', () => {
    for (const [zone, day] of windows) {
      for (const wall of walls(day)) {
        const dayBefore = DateTime.fromISO(wall, { zone: 'utc' })
          .minus({ days: 1 })
          .toFormat("yyyy-MM-dd'T'HH:mm")
        const hearing = parseHearingTime(wall, zone, '09:00')
        if (isTimeProblem(hearing) || isTimeProblem(parseHearingTime(dayBefore, zone, '09:00'))) continue
        const due = reminderDueAt(hearing.startsAtUtc, zone, 'P1D')
        expect(wallIn(zone, Date.parse(due)), `${zone} ${wall}`).toBe(dayBefore)
        expect(reminderDueAt(hearing.startsAtUtc, zone, 'P1DT30M')).toBe(
          new Date(Date.parse(due) - 30 * 60_000).toISOString(),
        )
      }
    }
  })
})

describe('describeHearingTime', () => {
  const timed = {
    startsAtUtc: '2026-12-14T05:00:00.000Z',
    allDay: false,
    startsAt: '2026-12-14T10:00',
    timeZone: 'Asia/Almaty',
  }
  const allDay = {
    startsAtUtc: '2026-12-14T04:00:00.000Z',
    allDay: true,
    startsAt: '2026-12-14',
    timeZone: 'Asia/Almaty',
  }

  it('writes a timed hearing out in its own zone with the offset', () => {
    expect(describeHearingTime(timed, 'Asia/Almaty')).toBe(
      'Monday, 14 December 2026, 10:00 (Asia/Almaty, UTC+5)',
    )
  })

  it("writes a timed hearing out in the reader's zone", () => {
    expect(describeHearingTime(timed, 'Europe/Berlin')).toBe(
      'Monday, 14 December 2026, 06:00 (Europe/Berlin, UTC+1)',
    )
    expect(describeHearingTime(timed, 'America/New_York')).toBe(
      'Monday, 14 December 2026, 00:00 (America/New_York, UTC-5)',
    )
    expect(describeHearingTime(timed, 'Asia/Kolkata')).toBe(
      'Monday, 14 December 2026, 10:30 (Asia/Kolkata, UTC+5:30)',
    )
    expect(describeHearingTime(timed, 'UTC')).toBe('Monday, 14 December 2026, 05:00 (UTC, UTC)')
  })

  it('shows seconds only when there are some', () => {
    const withSeconds = { ...timed, startsAt: '2026-12-14T10:00:05', startsAtUtc: '2026-12-14T05:00:05.000Z' }
    expect(describeHearingTime(withSeconds, 'Asia/Almaty')).toBe(
      'Monday, 14 December 2026, 10:00:05 (Asia/Almaty, UTC+5)',
    )
  })

  it('writes an all-day hearing as its local date with a note, in any reader zone', () => {
    expect(describeHearingTime(allDay, 'Asia/Almaty')).toBe(
      'Monday, 14 December 2026 (time not yet announced)',
    )
    expect(describeHearingTime(allDay, 'Europe/Berlin')).toBe(
      'Monday, 14 December 2026 (time not yet announced)',
    )
    // The anchor instant is the day before in Honolulu; the hearing date is still the 14th.
    expect(describeHearingTime(allDay, 'Pacific/Honolulu')).toBe(
      'Monday, 14 December 2026 (time not yet announced)',
    )
  })
})

describe('describeDuration', () => {
  it('spells out each part with singular or plural units', () => {
    expect(describeDuration('PT2H')).toBe('2 hours')
    expect(describeDuration('P1D')).toBe('1 day')
    expect(describeDuration('P7D')).toBe('7 days')
    expect(describeDuration('P1W')).toBe('1 week')
    expect(describeDuration('P1DT2H30M')).toBe('1 day 2 hours 30 minutes')
    expect(describeDuration('PT1S')).toBe('1 second')
    expect(describeDuration('pt90m')).toBe('90 minutes')
  })
})
