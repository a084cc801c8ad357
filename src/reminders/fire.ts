import type { Case } from '../cases/case.schema.js'
import type { FanOut } from '../deliveries/fanout.js'
import type { EventRecord } from '../events/event.js'
import { observeReminderLag } from '../metrics/metrics.js'
import { derivedId } from '../platform/ids.js'
import type { Logger } from '../platform/logger.js'
import type { ReminderJobData } from '../platform/queues.js'
import type { Store } from '../platform/store.js'
import { reminderDueAt } from '../platform/time.js'
import type { DatedKinds } from './dated-item.js'
import type { Followers } from './followers.js'
import { reminderJobId } from './jobs.js'

export type FireOutcome = 'sent' | 'missed' | 'stale' | 'not-scheduled' | 'gone'

export type Reminder = { itemId: string; version: number; remindBefore: string }

/** The event id of a reminder is derived from what it reminds of, so firing twice records one event. */
export const reminderEventId = (r: Reminder) => derivedId('evt', r.itemId, String(r.version), r.remindBefore)

/**
 * Fires one reminder job, checking at fire time that it is still wanted: the dated item exists, is open, has
 * the version and instant the job was made for (the job id hashes both), and its moment has not come.
 * Recipients are resolved now.
 */
export function createReminderFiring(deps: {
  store: Store
  kinds: DatedKinds
  followers: Followers
  fanOut: FanOut
  log: Logger
}) {
  const { store, kinds, followers, fanOut, log } = deps

  return async function fire(
    job: { id?: string | undefined; data: ReminderJobData },
    now = Date.now(),
  ): Promise<FireOutcome> {
    const reminder: Reminder = { itemId: job.data.h, version: job.data.v, remindBefore: job.data.o }
    const context = { ...reminder, jobId: job.id }
    const [found] = await kinds.read([reminder.itemId])
    const kase = found && (await store.get<Case>(found.item.caseId))
    if (!found || !kase) {
      log.info(context, 'reminder skipped: item gone')
      return 'gone'
    }
    const { item, record, kind } = found
    if (!item.open) {
      log.info(context, 'reminder skipped: item no longer open')
      return 'not-scheduled'
    }
    const dueAt = reminderDueAt(item.moment, item.zone, reminder.remindBefore)
    if (item.version !== reminder.version || reminderJobId({ ...reminder, dueAt }) !== job.id) {
      log.info({ ...context, currentVersion: item.version }, 'reminder skipped: item moved')
      return 'stale'
    }
    const event = await recordOnce({
      id: reminderEventId(reminder),
      type: kind.reminderType,
      timestamp: new Date(now).toISOString(),
      caseId: kase.id,
      expiresAt: item.moment,
      ...kind.reminderRecord(record, kase, { remindBefore: reminder.remindBefore, dueAt }),
    })
    const recipients = await followers.recipients(event.type, item, kase, reminder.remindBefore)
    if (now >= Date.parse(item.moment)) {
      // Too late to be of use: record it as missed (visible on the delivery listing), never send it late.
      const missed = await fanOut.record(event, recipients, 'missed')
      log.warn(
        { ...context, lateByMs: now - Date.parse(dueAt), recipients: missed.length },
        'reminder missed: its moment has come',
      )
      return 'missed'
    }
    const deliveries = await fanOut.enqueue(event, recipients)
    observeReminderLag((now - Date.parse(dueAt)) / 1000)
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
