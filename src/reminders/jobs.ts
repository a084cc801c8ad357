import { createHash } from 'node:crypto'
import type { ReminderJobData } from '../platform/queues.js'
import type { PlannedReminder } from './plan.js'

/**
 * 'r' and 90 bits of a hash of (item, version, offset, due instant): the same reminder always gets the
 * same id, and an item whose instant moved (a tz-database update keeps the version) gets new ones. BullMQ
 * job ids must not contain ':' nor be all digits; base64url has no ':' and the 'r' is never a digit.
 */
export function reminderJobId(p: PlannedReminder): string {
  const parts = [p.itemId, String(p.version), p.remindBefore, String(Date.parse(p.dueAt))]
  return `r${createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 15)}`
}

/**
 * The delayed job of a planned reminder, due at its moment counted from `now`. BullMQ fires it at
 * timestamp + delay, and takes the timestamp itself when it builds the job: take `now` just before adding.
 * (Passing `timestamp: now` would make that exact, but no per-job option beyond id and delay fits in a
 * listpack.)
 */
export function reminderJob(p: PlannedReminder, now = Date.now(), jobId = reminderJobId(p)) {
  return {
    name: 'reminders' as const,
    data: { h: p.itemId, v: p.version, o: p.remindBefore } satisfies ReminderJobData,
    opts: { jobId, delay: Math.max(0, Date.parse(p.dueAt) - now) },
  }
}
