import { type Static, Type } from '@sinclair/typebox'
import { named } from '../http/openapi.js'
import { Nullable } from '../http/schema.js'

export const LocalDateText = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}$',
  description: 'A calendar date, YYYY-MM-DD',
})

export const JurisdictionParams = Type.Object({
  jurisdiction: Type.String({
    minLength: 1,
    maxLength: 10,
    description: 'ISO 3166-1 alpha-2 (KZ, US) or ISO 3166-2 (US-NY)',
  }),
})
export const DayParams = Type.Object({ ...JurisdictionParams.properties, date: LocalDateText })

export const DaysQuery = Type.Object(
  {
    from: { ...LocalDateText, description: 'First date (included)' },
    to: { ...LocalDateText, description: 'Last date (included); at most 366 dates from `from`' },
  },
  { additionalProperties: false },
)

export const CourtDay = Type.Object({
  date: Type.String(),
  open: Type.Boolean({ description: 'Whether the courts of the jurisdiction sit on this date' }),
  reason: Nullable(
    Type.String({
      description:
        'null on an ordinary court day; else "Saturday", "Sunday", the holiday, or the override reason',
    }),
  ),
})
named(CourtDay, 'CourtDay', 'One day of a court calendar: open or not, and why')
export type CourtDay = Static<typeof CourtDay>

export const CourtCalendarDays = Type.Object({ jurisdiction: Type.String(), items: Type.Array(CourtDay) })
named(CourtCalendarDays, 'CourtCalendarDays', "Which days a jurisdiction's courts are open, and why not")

export const DayOverride = Type.Object(
  {
    open: Type.Boolean({
      description: 'false closes the date; true opens it (e.g. a Saturday made a working day)',
    }),
    reason: Type.String({ minLength: 1, maxLength: 300, description: 'Why, as shown to lawyers' }),
  },
  { additionalProperties: false },
)
export type DayOverride = Static<typeof DayOverride>
