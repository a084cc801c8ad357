import type { Hearing } from '../hearings/hearing.schema.js'
import type { JobCatalogue } from '../queues.js'
import { reminderDueAt } from '../time.js'

export type PlannedReminder = JobCatalogue['reminders']

/** The reminders a hearing of this version has: one per offset (the caller skips moments already past). */
export function planReminders(hearing: Hearing, offsets: readonly string[]): PlannedReminder[] {
  if (hearing.status !== 'scheduled') return []
  return offsets.map((remindBefore) => ({
    hearingId: hearing.id,
    version: hearing.version,
    remindBefore,
    dueAt: reminderDueAt(hearing.startsAtUtc, hearing.timeZone, remindBefore),
  }))
}
