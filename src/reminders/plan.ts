import { reminderDueAt } from '../platform/time.js'
import type { DatedItem } from './dated-item.js'

/** One reminder of one item version, at the instant its offset gives (its job id hashes all four). */
export type PlannedReminder = { itemId: string; version: number; remindBefore: string; dueAt: string }

/** The reminders an item of this version has: one per offset (the caller skips moments already past). */
export function planReminders(item: DatedItem, offsets: readonly string[]): PlannedReminder[] {
  if (!item.open) return []
  return offsets.map((remindBefore) => ({
    itemId: item.id,
    version: item.version,
    remindBefore,
    dueAt: reminderDueAt(item.moment, item.zone, remindBefore),
  }))
}
