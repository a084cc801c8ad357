import type { Config } from '../../config/index.js'
import type { Logger } from '../platform/logger.js'
import { isTimeProblem, parseHearingTime } from '../platform/time.js'
import type { DatedItem, DatedKind } from '../reminders/dated-item.js'
import type { Hearing } from './hearing.schema.js'
import type { HearingStore } from './hearing.store.js'

/** A hearing as a dated item: reminders count back from its start; its subscribers and its case's follow it. */
export const hearingItem = (hearing: Hearing): DatedItem => ({
  id: hearing.id,
  caseId: hearing.caseId,
  moment: hearing.startsAtUtc,
  zone: hearing.timeZone,
  version: hearing.version,
  open: hearing.status === 'scheduled',
  followedVia: [hearing.id, hearing.caseId],
})

/** Hearings, the first kind of dated item. */
export function hearingKind(deps: {
  hearings: HearingStore
  config: Pick<Config, 'reminders'>
  log: Logger
}): DatedKind<Hearing> {
  const { hearings, config, log } = deps
  return {
    prefix: 'hrg',
    reminderType: 'hearing.reminder',
    emailNotices: ['hearing.rescheduled', 'hearing.cancelled', 'hearing.decided'],
    asItem: hearingItem,
    idsFollowedVia: async (targetId) => (targetId.startsWith('hrg_') ? [targetId] : []),
    idsFrom: (from, opts = {}) => hearings.idsStartingFrom(from, opts),
    async retime(hearing) {
      const parsed = parseHearingTime(hearing.startsAt, hearing.timeZone, config.reminders.courtDayStart)
      if (isTimeProblem(parsed) || parsed.startsAtUtc === hearing.startsAtUtc) return hearing
      const next = { ...hearing, startsAtUtc: parsed.startsAtUtc, updatedAt: new Date().toISOString() }
      // Changed meanwhile by the API: plan what is stored now; the next pass re-checks its instant.
      if (!(await hearings.save(next, hearing))) return (await hearings.get(hearing.id)) ?? hearing
      log.warn(
        { hearingId: hearing.id, was: hearing.startsAtUtc, now: next.startsAtUtc },
        'hearing instant changed with the tz database',
      )
      return next
    },
    fromEvent: (event) => event.data.hearing ?? undefined,
    reminderRecord: (hearing, kase, reminder) => ({
      hearingId: hearing.id,
      data: { hearing, case: kase, reminder },
    }),
  }
}
