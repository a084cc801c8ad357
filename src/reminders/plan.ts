import type { Hearing } from '../hearings/hearing.schema.js'
import { reminderDueAt } from '../platform/time.js'

/** One reminder of one hearing version, at the instant its offset gives (its job id hashes all four). */
export type PlannedReminder = { hearingId: string; version: number; remindBefore: string; dueAt: string }

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
