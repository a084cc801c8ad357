import type { Case } from '../cases/case.schema.js'
import type { FanOut } from '../deliveries/fanout.js'
import type { EventRecord } from '../events/event.js'
import type { Hearing } from '../hearings/hearing.schema.js'
import { derivedId } from '../platform/ids.js'
import type { Logger } from '../platform/logger.js'
import type { ReminderJobData } from '../platform/queues.js'
import type { Store } from '../platform/store.js'
import { reminderDueAt } from '../platform/time.js'
import type { Followers } from './followers.js'
import { reminderJobId } from './jobs.js'

export type FireOutcome = 'sent' | 'missed' | 'stale' | 'not-scheduled' | 'gone'

export type Reminder = { hearingId: string; version: number; remindBefore: string }

/** The event id of a reminder is derived from what it reminds of, so firing twice records one event. */
export const reminderEventId = (r: Reminder) =>
  derivedId('evt', r.hearingId, String(r.version), r.remindBefore)

/**
 * Fires one reminder job, checking at fire time that it is still wanted: the hearing exists, is scheduled,
 * has the version and instant the job was made for (the job id hashes both), and has not begun.
 * Recipients are resolved now.
 */
export function createReminderFiring(deps: {
  store: Store
  followers: Followers
  fanOut: FanOut
  log: Logger
}) {
  const { store, followers, fanOut, log } = deps

  return async function fire(
    job: { id?: string | undefined; data: ReminderJobData },
    now = Date.now(),
  ): Promise<FireOutcome> {
    const reminder: Reminder = { hearingId: job.data.h, version: job.data.v, remindBefore: job.data.o }
    const context = { ...reminder, jobId: job.id }
    const hearing = await store.get<Hearing>(reminder.hearingId)
    const kase = hearing && (await store.get<Case>(hearing.caseId))
    if (!hearing || !kase) {
      log.info(context, 'reminder skipped: hearing gone')
      return 'gone'
    }
    if (hearing.status !== 'scheduled') {
      log.info({ ...context, status: hearing.status }, 'reminder skipped: hearing not scheduled')
      return 'not-scheduled'
    }
    const dueAt = reminderDueAt(hearing.startsAtUtc, hearing.timeZone, reminder.remindBefore)
    if (hearing.version !== reminder.version || reminderJobId({ ...reminder, dueAt }) !== job.id) {
      log.info({ ...context, currentVersion: hearing.version }, 'reminder skipped: hearing moved')
      return 'stale'
    }
    const event = await recordOnce({
      id: reminderEventId(reminder),
      type: 'hearing.reminder',
      timestamp: new Date(now).toISOString(),
      hearingId: hearing.id,
      caseId: kase.id,
      data: { hearing, case: kase, reminder: { remindBefore: reminder.remindBefore, dueAt } },
    })
    const recipients = await followers.recipients('hearing.reminder', hearing, kase, reminder.remindBefore)
    if (now >= Date.parse(hearing.startsAtUtc)) {
      // Too late to be of use: record it as missed (visible on the delivery listing), never send it late.
      const missed = await fanOut.record(event, recipients, 'missed')
      log.warn(
        { ...context, lateByMs: now - Date.parse(dueAt), recipients: missed.length },
        'reminder missed: hearing already began',
      )
      return 'missed'
    }
    const deliveries = await fanOut.enqueue(event, recipients)
    log.info(
      { ...context, eventId: event.id, lagMs: now - Date.parse(dueAt), recipients: deliveries.length },
      'reminder fired',
    )
    return 'sent'
  }

  async function recordOnce(event: EventRecord): Promise<EventRecord> {
    const created = await store.redis.set(store.keys.record(event.id), JSON.stringify(event), 'NX')
    if (created !== null) return event
    return (await store.get<EventRecord>(event.id)) ?? event
  }
}
export type FireReminder = ReturnType<typeof createReminderFiring>
