import type { Case } from '../cases/case.schema.js'
import type { EventData, EventRecord, EventType, WebhookEventType } from '../events/event.js'
import type { Store } from '../platform/store.js'

/**
 * What the reminder machinery knows of anything dated on a case (a hearing, a deadline): reminders count back
 * from `moment`, day parts in `zone`; a job is made for one `version`; nothing fires while it is not `open`.
 */
export type DatedItem = {
  id: string
  caseId: string
  /** The UTC instant reminders count back from (a hearing's start, a deadline's expiry). */
  moment: string
  zone: string
  version: number
  /** Reminders are wanted (a scheduled hearing, an open deadline). */
  open: boolean
  /** The subscription targets whose active subscribers follow the item: its own id, its case's, … */
  followedVia: readonly string[]
}

/** A reminder of one item version, as the event it fires records it. */
export type ReminderMoment = { remindBefore: string; dueAt: string }

/**
 * One kind of dated item, registered once (beside its store): how the scheduler reads it, finds it and tells
 * its followers. The scheduler never asks which kind it holds.
 */
export type DatedKind<R = never> = {
  /** Ids of this kind start with `${prefix}_`: a job names its item by id alone. */
  prefix: string
  reminderType: WebhookEventType
  /** The changes its email subscribers are told of (reminders always are). */
  emailNotices: readonly WebhookEventType[]
  asItem(record: R): DatedItem
  /** Ids of the items followed through a target that is not their case (a hearing: itself, its deadlines). */
  idsFollowedVia(targetId: string): Promise<string[]>
  /** Ids of items whose moment is at or after `from` (of one case, or of all), a batch at a time. */
  idsFrom(from: string, opts?: { caseId?: string }): AsyncIterable<string[]>
  /** The record with its instant recomputed from wall time and zone by today's tz database (stored if it moved). */
  retime(record: R): Promise<R>
  /** The record an event about this kind carries, if it is about this kind. */
  fromEvent(event: EventRecord): R | undefined
  /** What a reminder event of this kind records besides id, type and time. */
  reminderRecord(
    record: R,
    kase: Case,
    reminder: ReminderMoment,
  ): { hearingId: string | null; data: EventData }
}

// biome-ignore lint/suspicious/noExplicitAny: kinds are held side by side; each is used only with its own records
type AnyKind = DatedKind<any>

/** The registry of kinds: finds an item's kind by its id, and reads items of any kind. */
export function createDatedKinds(store: Pick<Store, 'getMany'>, kinds: readonly AnyKind[]) {
  const kindOf = (id: string) => kinds.find((k) => id.startsWith(`${k.prefix}_`))

  return {
    all: kinds,
    kindOf,
    /** The event types that reach email subscribers: every kind's reminders and notices. */
    emailed: new Set<EventType>(kinds.flatMap((k) => [k.reminderType, ...k.emailNotices])),
    /** Records and their items, in the order of `ids`; an unknown id or a missing record gives undefined. */
    async read(
      ids: readonly string[],
    ): Promise<({ record: unknown; item: DatedItem; kind: AnyKind } | undefined)[]> {
      const records = await store.getMany<unknown>(ids.map((id) => (kindOf(id) ? id : '')))
      return ids.map((id, i) => {
        const kind = kindOf(id)
        const record = records[i]
        return kind && record ? { record, item: kind.asItem(record), kind } : undefined
      })
    },
    /** The item an event is about, from the snapshot the event carries. */
    itemOfEvent(event: EventRecord): DatedItem | undefined {
      for (const kind of kinds) {
        const record = kind.fromEvent(event)
        if (record) return kind.asItem(record)
      }
      return undefined
    },
  }
}
export type DatedKinds = ReturnType<typeof createDatedKinds>
