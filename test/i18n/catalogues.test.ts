import { describe, expect, it } from 'vitest'
import type { Case } from '../../src/cases/case.schema.js'
import {
  renderCancelled,
  renderConfirmation,
  renderDecided,
  renderReminder,
  renderRescheduled,
  renderWelcome,
} from '../../src/email/render.js'
import type { Hearing } from '../../src/hearings/hearing.schema.js'
import { formatDuration } from '../../src/i18n/format.js'
import { catalogues, LANGUAGES, type Language, negotiateLanguage } from '../../src/i18n/index.js'

const kase: Case = {
  id: 'case_i18n',
  title: 'Probation service v. Serikzhan Bilash',
  court: 'Court of Almaty (Kazakhstan)',
  timeZone: 'Asia/Almaty',
  caseNumber: '2-1234/2026',
  jurisdiction: 'KZ',
  description: null,
  tags: [],
  visibility: 'public',
  language: 'en',
  deadlineRules: [],
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
}
const hearing: Hearing = {
  id: 'hrg_i18n',
  caseId: kase.id,
  title: 'Decision on the petition',
  startsAt: '2026-12-14T10:00',
  allDay: false,
  timeZone: 'Asia/Almaty',
  startsAtUtc: '2026-12-14T05:00:00.000Z',
  duration: 'PT1H',
  location: null,
  notes: null,
  status: 'scheduled',
  outcome: null,
  cancelReason: null,
  version: 1,
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
}
const links = {
  unsubscribeUrl: 'https://cb.test/unsubscribe?token=u',
  preferencesUrl: 'https://cb.test/preferences?token=p',
}
const ctx = (language: Language, over: Partial<Hearing> = {}) => ({
  hearing: { ...hearing, ...over },
  case: kase,
  readerZone: 'Europe/Berlin',
  recipientName: 'Shynkuat Baizhanov',
  language,
  ...links,
})

/** ICU's own month name as it appears inside a full date in that language (genitive in Russian). */
function icuMonth(lang: Language, date: Date): string {
  const parts = new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : lang, {
    dateStyle: 'long',
    timeZone: 'Asia/Almaty',
  }).formatToParts(date)
  return parts.find((p) => p.type === 'month')?.value as string
}

describe('message catalogues', () => {
  it('have every key of the English one in every language, and no other', () => {
    const keys = Object.keys(catalogues.en).sort()
    for (const lang of LANGUAGES) {
      expect(Object.keys(catalogues[lang]).sort(), lang).toEqual(keys)
      for (const key of keys) {
        const message = catalogues[lang][key as keyof typeof catalogues.en]
        expect(typeof message, `${lang} ${key}`).toBe(typeof catalogues.en[key as keyof typeof catalogues.en])
        if (typeof message === 'string') expect(message.trim(), `${lang} ${key}`).not.toBe('')
      }
    }
  })

  it('write Kazakh in Kazakh letters, never Latin look-alikes inside a Cyrillic word', () => {
    for (const [key, message] of Object.entries(catalogues.kk)) {
      const text =
        typeof message === 'string'
          ? message
          : (message as (p: Record<string, string>) => string)({
              title: 'T',
              email: 'e',
              what: 'w',
              when: 'x',
              inWhat: 'y',
              due: 'd',
              duration: 'z',
              caseTitle: 'c',
              name: '',
            })
      expect(text, key).not.toMatch(/[\u0400-\u04FF][a-zA-Z]|[a-zA-Z][\u0400-\u04FF]/)
    }
    expect(Object.values(catalogues.kk).join(' ')).toMatch(/[әіңғүұқө]/)
  })

  it('negotiates Accept-Language by quality and order, a region matching its language', () => {
    expect(negotiateLanguage('kk-KZ,kk;q=0.9,ru;q=0.8,en;q=0.5')).toBe('kk')
    expect(negotiateLanguage('de-DE, ru;q=0.7, en;q=0.8')).toBe('en')
    expect(negotiateLanguage('ru-KZ')).toBe('ru')
    expect(negotiateLanguage('fr, de;q=0.5')).toBeUndefined()
    expect(negotiateLanguage('en;q=0, kk;q=0.1')).toBe('kk')
    expect(negotiateLanguage(undefined)).toBeUndefined()
  })

  it('writes durations with ICU plurals, in the accusative Russian needs after «через» and «за»', () => {
    expect(formatDuration('PT2H', 'en')).toBe('2 hours')
    expect(formatDuration('P1D', 'ru')).toBe('1 день')
    expect(formatDuration('PT2H', 'ru')).toBe('2 часа')
    expect(formatDuration('P7D', 'ru')).toBe('7 дней')
    expect(formatDuration('PT1M', 'ru')).toBe('1 минуту')
    expect(formatDuration('P1W', 'ru')).toBe('1 неделю')
    expect(formatDuration('P7D', 'kk')).toBe('7 күн')
    expect(formatDuration('PT2H', 'kk')).toBe('2 сағат')
  })
})

describe('emails in each language', () => {
  const december = new Date('2026-12-14T05:00:00.000Z')

  it('name the month as ICU does: «14 декабря 2026 г.», «2026 ж. 14 желтоқсан», "14 December 2026"', () => {
    for (const lang of LANGUAGES) {
      const month = icuMonth(lang, december)
      const email = renderReminder({ ...ctx(lang), remindBefore: 'P1D' })
      for (const part of [email.subject, email.text, email.html]) expect(part, lang).toContain(month)
    }
    const ru = renderReminder({ ...ctx('ru'), remindBefore: 'P1D' })
    expect(icuMonth('ru', december)).toBe('декабря')
    expect(ru.text).toContain('14 декабря 2026 г., 10:00 (Asia/Almaty, UTC+5)')
    expect(ru.text).toContain('14 декабря 2026 г., 06:00 (Europe/Berlin, UTC+1)')
    const kk = renderReminder({ ...ctx('kk'), remindBefore: 'P1D' })
    expect(kk.text).toContain('2026 ж. 14 желтоқсан')
    expect(kk.text).toContain('10:00 (Asia/Almaty, UTC+5)')
  })

  it('names every month of a year as ICU does, in all three languages', () => {
    for (const lang of LANGUAGES)
      for (let m = 0; m < 12; m++) {
        const utc = new Date(Date.UTC(2027, m, 14, 5))
        const startsAt = `2027-${String(m + 1).padStart(2, '0')}-14T10:00`
        const email = renderCancelled(ctx(lang, { startsAt, startsAtUtc: utc.toISOString() }))
        expect(email.text, `${lang} ${startsAt}`).toContain(icuMonth(lang, utc))
      }
  })

  it("writes subject, greeting, labels, buttons and footer in the reader's language", () => {
    const ru = renderReminder({ ...ctx('ru'), remindBefore: 'PT2H' })
    expect(ru.subject).toMatch(/^Напоминание: Decision on the petition через 2 часа — /)
    expect(ru.text).toContain('Здравствуйте, Shynkuat Baizhanov!')
    expect(ru.text).toContain('Ваше время:')
    expect(ru.text).toContain('Отписаться: https://cb.test/unsubscribe?token=u')
    expect(ru.text).toContain('Настройки: https://cb.test/preferences?token=p')
    expect(ru.html).toContain('<html lang="ru">')
    const kk = renderRescheduled({
      ...ctx('kk'),
      previous: { ...hearing, startsAt: '2026-12-10T15:30', startsAtUtc: '2026-12-10T10:30:00.000Z' },
    })
    expect(kk.subject).toMatch(/^Отырыс ауыстырылды: /)
    expect(kk.text).toContain('Сәлеметсіз бе, Shynkuat Baizhanov!')
    expect(kk.text).toContain('Бұрынғы уақыты:')
    expect(kk.text).toContain('Жазылымнан бас тарту: https://cb.test/unsubscribe?token=u')
    const confirm = renderConfirmation({
      targetTitle: hearing.title,
      caseTitle: kase.title,
      confirmUrl: 'https://cb.test/subscriptions/confirm?token=c',
      recipientName: null,
      language: 'kk',
      hearing,
      court: kase.court,
      readerZone: 'Asia/Almaty',
      expiresAt: '2026-12-01T05:00:00.000Z',
    })
    expect(confirm.subject).toBe('courtbell жазылымын растаңыз')
    expect(confirm.html).toContain('>Жазылымды растау</a>')
    expect(confirm.text).toContain(
      'Сілтеме мына уақытқа дейін жарамды: 2026 ж. 1 желтоқсан, 10:00 (Asia/Almaty, UTC+5).',
    )
  })

  it('says who subscribed the reader, and names the zone of the decision date', () => {
    const self = renderDecided(
      ctx('en', {
        status: 'decided',
        outcome: { summary: 'Refused.', decidedAt: '2026-12-14T08:00:00.000Z' },
      }),
    )
    expect(self.text).toContain('You receive this email because you subscribed to courtbell notices.')
    expect(self.text).toContain('14 December 2026 (Asia/Almaty)')
    const staff = renderDecided({
      ...ctx('ru', {
        status: 'decided',
        outcome: { summary: 'Отказано.', decidedAt: '2026-12-14T20:00:00.000Z' },
      }),
      subscribedBy: 'staff',
    })
    expect(staff.text).toContain('сотрудники суда подписали Вас')
    // 20:00 UTC is already the 15th in Almaty: the court's day, and the zone is said.
    expect(staff.text).toContain('Дата решения:')
    expect(staff.text).toContain('15 декабря 2026 г. (Asia/Almaty)')
  })

  it('welcomes a person subscribed by staff with what they follow, their reminders and the links', () => {
    const welcome = renderWelcome({
      targetTitle: kase.title,
      caseTitle: kase.title,
      recipientName: 'Aiman',
      language: 'en',
      court: kase.court,
      readerZone: 'Asia/Almaty',
      remindBefore: ['P7D', 'PT2H'],
      ...links,
    })
    expect(welcome.subject).toBe(`You are subscribed to court reminders: ${kase.title}`)
    expect(welcome.text).toContain('Court staff have subscribed you')
    expect(welcome.text).toContain('7 days before, 2 hours before')
    expect(welcome.text).toContain('court staff subscribed you')
    expect(welcome.text).toContain(`Unsubscribe: ${links.unsubscribeUrl}`)
    expect(welcome.text).toContain(`Preferences: ${links.preferencesUrl}`)
  })
})
