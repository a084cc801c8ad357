import { type Static, Type } from '@sinclair/typebox'
import { JURISDICTION_PATTERN } from '../court-calendar/holidays.js'
import { named } from '../http/openapi.js'
import { Nullable, PageQuery, StringEnum } from '../http/schema.js'

export const RULE_ID_PATTERN = '^[a-z0-9][a-z0-9.-]{2,63}$'
/** One unit only, so that the arithmetic a lawyer checks is one step: days, weeks, months or years. */
export const PERIOD_PATTERN = '^P[1-9]\\d{0,3}[DWMY]$'

const fields = {
  jurisdiction: Type.String({
    pattern: JURISDICTION_PATTERN,
    description:
      'ISO 3166-1 alpha-2 (KZ) or ISO 3166-2 (US-NY) jurisdiction whose courts the rule applies in',
  }),
  title: Type.String({
    minLength: 1,
    maxLength: 300,
    description: 'What must be done, e.g. "Notice of appeal"',
  }),
  description: Nullable(
    Type.String({ maxLength: 5000, description: 'Where the law is subtler than the rule, said here' }),
  ),
  period: Type.String({
    pattern: PERIOD_PATTERN,
    description: 'ISO 8601 duration in days, weeks, months or years only (P15D, P2W, P1M, P1Y)',
  }),
  counting: StringEnum(['calendar-days', 'court-days'], {
    description:
      'calendar-days: every day counts; court-days: only court days count (periods in days or weeks; a week is 7 court days)',
  }),
  direction: StringEnum(['after', 'before'], {
    description: 'Counted after the trigger date, or back from it',
  }),
  roll: StringEnum(['next-court-day', 'none'], {
    description:
      'next-court-day: a last day that is not a court day moves on in the same direction to the first court day',
  }),
  endOfDay: Type.String({
    pattern: '^([01]\\d|2[0-3]):[0-5]\\d$',
    description: 'Local time (HH:mm) at which the deadline expires on its last day',
  }),
  source: Nullable(
    Type.String({ maxLength: 1000, description: 'Where the rule comes from: an article of a code, a rule' }),
  ),
}

/**
 * A rule as created over the API, and as written in the built-in files of config/rules/ (which must give an
 * id and a source): one schema for both.
 */
export const RuleCreate = Type.Object(
  {
    id: Type.Optional(
      Type.String({ pattern: RULE_ID_PATTERN, description: 'Optional; `rul_…` is generated when absent' }),
    ),
    jurisdiction: fields.jurisdiction,
    title: fields.title,
    description: Type.Optional(fields.description),
    period: fields.period,
    counting: Type.Optional(fields.counting),
    direction: Type.Optional(fields.direction),
    roll: Type.Optional(fields.roll),
    endOfDay: Type.Optional(fields.endOfDay),
    source: Type.Optional(fields.source),
  },
  { additionalProperties: false },
)
export type RuleCreate = Static<typeof RuleCreate>

export const RulePatch = Type.Object(
  {
    title: Type.Optional(fields.title),
    description: Type.Optional(fields.description),
    period: Type.Optional(fields.period),
    counting: Type.Optional(fields.counting),
    direction: Type.Optional(fields.direction),
    roll: Type.Optional(fields.roll),
    endOfDay: Type.Optional(fields.endOfDay),
    source: Type.Optional(fields.source),
  },
  { additionalProperties: false, minProperties: 1 },
)
export type RulePatch = Static<typeof RulePatch>

export const DeadlineRule = Type.Object({
  id: Type.String(),
  ...fields,
  builtIn: Type.Boolean({
    description: 'Shipped with courtbell (config/rules/); cannot be changed over the API',
  }),
})
named(DeadlineRule, 'DeadlineRule', 'How a deadline is computed from a trigger date, with its source')
export type DeadlineRule = Static<typeof DeadlineRule>

/** What the computation needs of a rule. */
export type RuleTerms = Pick<DeadlineRule, 'period' | 'counting' | 'direction' | 'roll'>

export const RuleListQuery = Type.Object(
  {
    jurisdiction: Type.Optional(
      Type.String({
        maxLength: 10,
        description:
          "Rules of this jurisdiction; for a subdivision (US-NY) its country's rules are listed too",
      }),
    ),
    ...PageQuery,
  },
  { additionalProperties: false },
)

export const RuleIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) })
