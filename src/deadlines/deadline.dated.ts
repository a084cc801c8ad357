import type { Case } from '../cases/case.schema.js'
import { type EventRecord, newEventId, type PreviousDue, type WebhookEventType } from '../events/event.js'
import type { Logger } from '../platform/logger.js'
import type { DatedItem, DatedKind } from '../reminders/dated-item.js'
import type { Deadline } from './deadline.schema.js'
import type { DeadlineStore } from './deadline.store.js'
import { dueInstant } from './deadline.terms.js'

/**
 * A deadline as a dated item: reminders count back from its expiry; the case's subscribers follow it, and,
 * when a hearing triggered it, that hearing's too.
 */
export const deadlineItem = (d: Deadline): DatedItem => ({
  id: d.id,
  caseId: d.caseId,
  moment: d.dueAtUtc,
  zone: d.timeZone,
  version: d.version,
  open: d.status === 'open',
  followedVia: d.trigger?.hearingId ? [d.caseId, d.trigger.hearingId] : [d.caseId],
})

export type DeadlineEventType = Extract<WebhookEventType, `deadline.${string}`>

export function deadlineEvent(
  type: Exclude<DeadlineEventType, 'deadline.reminder'>,
  deadline: Deadline,
  kase: Case,
  previous?: PreviousDue,
): EventRecord {
  return {
    id: newEventId(),
    type,
    timestamp: new Date().toISOString(),
    hearingId: null,
    caseId: kase.id,
    data: { deadline, case: kase, ...(previous ? { previous } : {}) },
  }
}

/** Deadlines, the second kind of dated item. */
export function deadlineKind(deps: { deadlines: DeadlineStore; log: Logger }): DatedKind<Deadline> {
  const { deadlines, log } = deps
  return {
    prefix: 'dln',
    reminderType: 'deadline.reminder',
    emailNotices: ['deadline.created', 'deadline.rescheduled', 'deadline.cancelled', 'deadline.met'],
    asItem: deadlineItem,
    idsFollowedVia: async (targetId) => (targetId.startsWith('hrg_') ? deadlines.idsByHearing(targetId) : []),
    idsFrom: (from, opts = {}) => deadlines.idsDueFrom(from, opts),
    async retime(deadline) {
      const dueAtUtc = dueInstant(deadline.dueOn, deadline.endOfDay, deadline.timeZone)
      if (dueAtUtc === deadline.dueAtUtc) return deadline
      const next = { ...deadline, dueAtUtc, updatedAt: new Date().toISOString() }
      if (!(await deadlines.save(next, deadline))) return (await deadlines.get(deadline.id)) ?? deadline
      log.warn(
        { deadlineId: deadline.id, was: deadline.dueAtUtc, now: dueAtUtc },
        'deadline instant changed with the tz database',
      )
      return next
    },
    fromEvent: (event) => event.data.deadline,
    reminderRecord: (deadline, kase, reminder) => ({
      hearingId: null,
      data: { deadline, case: kase, reminder },
    }),
  }
}
