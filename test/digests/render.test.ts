import { describe, expect, it } from 'vitest'
import type { DigestSnapshot } from '../../src/digests/digest.schema.js'
import { digestMessages, digestView, renderDigest } from '../../src/digests/render.js'

const snapshot: DigestSnapshot = {
  address: 'lawyer@example.org',
  frequency: 'daily',
  period: '2026-12-10',
  moment: '2026-12-10T02:00:00.000Z',
  windowEnd: '2026-12-17T02:00:00.000Z',
  previousMoment: '2026-12-09T02:00:00.000Z',
  readerZone: 'Europe/Berlin',
  recipientName: 'Aigerim <script>',
  subscriptionIds: ['sub_1'],
  cases: [
    { id: 'case_1', title: 'Probation service v. Bilash', court: 'Court of Almaty', caseNumber: '7511-26' },
  ],
  entries: [
    {
      kind: 'hearing',
      id: 'hrg_1',
      caseId: 'case_1',
      title: 'Preliminary hearing',
      at: '2026-12-11T05:00:00.000Z',
      dateOnly: null,
      timeZone: 'Asia/Almaty',
      location: 'Room 4',
      mark: 'moved',
    },
    {
      kind: 'hearing',
      id: 'hrg_2',
      caseId: 'case_1',
      title: 'Decision on the petition',
      at: '2026-12-13T19:00:00.000Z',
      dateOnly: '2026-12-14',
      timeZone: 'Asia/Almaty',
      location: null,
      mark: null,
    },
    {
      kind: 'deadline',
      id: 'dln_1',
      caseId: 'case_1',
      title: 'Appeal',
      at: '2026-12-16T18:59:59.000Z',
      dateOnly: '2026-12-16',
      timeZone: 'Asia/Almaty',
      location: null,
      mark: null,
    },
  ],
}
const stopUrl = 'http://courtbell.test/digests/stop?token=abc&x=1'

describe('the digest email', () => {
  const view = digestView(snapshot, { stopUrl })
  const mail = renderDigest(view)

  it('says what it is and how much it lists in the subject', () => {
    expect(mail.subject).toBe('Your courtbell daily digest, Thursday 10 December: 3 items')
  })

  it('lists each entry under its case with the court’s time and the reader’s', () => {
    expect(mail.text).toContain('Probation service v. Bilash\nCourt of Almaty · Case no. 7511-26')
    expect(mail.text).toContain('Hearing — MOVED: Preliminary hearing')
    expect(mail.text).toContain(
      'Friday 11 December, 10:00 (Asia/Almaty); your time: Friday 11 December, 06:00',
    )
    expect(mail.text).toContain('Location: Room 4')
  })

  it('shows an all-day hearing and a deadline by their date, never shifted into another zone', () => {
    expect(mail.text).toContain('Monday 14 December (time not yet announced)')
    expect(mail.text).toContain('Deadline: Appeal\n    due Wednesday 16 December')
  })

  it('escapes what people typed, and links the stop page in text and HTML', () => {
    expect(mail.html).toContain('Hello Aigerim &lt;script&gt;,')
    expect(mail.html).not.toContain('<script>')
    expect(mail.html).toContain('href="http://courtbell.test/digests/stop?token=abc&amp;x=1"')
    expect(mail.text).toContain(`Stop digests: ${stopUrl}`)
    expect(mail.html).toContain('<html lang="en">')
  })

  it('takes every word from the catalogue', () => {
    expect(view.stopLabel).toBe(digestMessages.en.stopDigests)
    expect(digestView({ ...snapshot, frequency: 'weekly' }, { stopUrl }).lead).toContain('next 14 days')
  })
})

describe('a digest in the subscriber language', () => {
  it('speaks Russian and Kazakh, with the month names ICU gives, and Russian plurals', () => {
    const ru = renderDigest(digestView(snapshot, { stopUrl: 'https://courtbell.test/s', lang: 'ru' }))
    const month = (locale: string) =>
      new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', timeZone: 'UTC' })
        .format(new Date('2026-12-14T12:00:00Z'))
        .replace(/\d+\s*/, '')
    expect(month('ru')).toBe('декабря')
    expect(ru.text).toContain(month('ru'))
    expect(ru.subject).toMatch(/^Ежедневная сводка courtbell, .*: \d+ (событие|события|событий)$/)
    expect(ru.text).toContain('Судебное заседание')
    const kk = renderDigest(digestView(snapshot, { stopUrl: 'https://courtbell.test/s', lang: 'kk' }))
    expect(kk.text).toContain('желтоқсан')
    expect(kk.text).toContain('Сот отырысы')
    expect(Object.keys(digestMessages.ru).sort()).toEqual(Object.keys(digestMessages.en).sort())
    expect(Object.keys(digestMessages.kk).sort()).toEqual(Object.keys(digestMessages.en).sort())
  })
})
