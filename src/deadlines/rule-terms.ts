import { isKnownJurisdiction, splitJurisdiction } from '../court-calendar/holidays.js'
import { badRequest } from '../platform/errors.js'
import type { DeadlineRule, RuleCreate } from './rule.schema.js'

export const RULE_DEFAULTS = {
  counting: 'calendar-days',
  direction: 'after',
  roll: 'next-court-day',
  endOfDay: '23:59',
} as const

/** A complete rule from what was given (defaults for what was not). */
export function ruleOf(input: RuleCreate & { id: string }, builtIn: boolean): DeadlineRule {
  return {
    id: input.id,
    jurisdiction: input.jurisdiction,
    title: input.title,
    description: input.description ?? null,
    period: input.period,
    counting: input.counting ?? RULE_DEFAULTS.counting,
    direction: input.direction ?? RULE_DEFAULTS.direction,
    roll: input.roll ?? RULE_DEFAULTS.roll,
    endOfDay: input.endOfDay ?? RULE_DEFAULTS.endOfDay,
    source: input.source ?? null,
    builtIn,
  }
}

/**
 * What the schema cannot say: a jurisdiction the holiday data knows; court days counted in days or weeks only.
 * `calendars: false` skips the first (built-in files at start-up: loading the holiday data costs a second,
 * and the test suite checks their jurisdictions).
 */
export function checkRule(rule: DeadlineRule, opts: { calendars?: boolean } = {}): void {
  if (opts.calendars !== false && !isKnownJurisdiction(rule.jurisdiction))
    throw badRequest(`jurisdiction ${rule.jurisdiction} has no court calendar`, [
      { path: '/jurisdiction', message: 'unknown jurisdiction' },
    ])
  if (rule.counting === 'court-days' && !/[DW]$/.test(rule.period))
    throw badRequest('court-days counting needs a period in days or weeks', [
      { path: '/counting', message: 'court-days needs a period in days or weeks' },
    ])
}

/** A rule applies to a case in its own jurisdiction, or, for a case in a subdivision (US-NY), in its country. */
export function ruleAppliesTo(
  rule: Pick<DeadlineRule, 'jurisdiction'>,
  caseJurisdiction: string | null,
): boolean {
  if (caseJurisdiction === null) return false
  return (
    rule.jurisdiction === caseJurisdiction ||
    rule.jurisdiction === splitJurisdiction(caseJurisdiction).country
  )
}
