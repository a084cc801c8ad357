import type { Case } from '../cases/case.schema.js'
import type { EndpointRecord } from '../endpoints/endpoint.schema.js'
import type { EndpointStore } from '../endpoints/endpoint.store.js'
import type { EventType } from '../events/event.js'
import type { Subscription } from '../subscriptions/subscription.schema.js'
import type { SubscriptionStore } from '../subscriptions/subscription.store.js'
import type { DatedItem } from './dated-item.js'

/**
 * Whether an endpoint receives an event of this type about this case. A partner's never sees internal cases.
 * A disabled endpoint still follows: its events are recorded as failed deliveries (see fanout.ts).
 */
export function endpointFollows(endpoint: EndpointRecord, kase: Case, type: EventType): boolean {
  return (
    endpoint.eventTypes.includes(type) &&
    (endpoint.caseIds === null || endpoint.caseIds.includes(kase.id)) &&
    (endpoint.ownerScope !== 'partner' || kase.visibility === 'public')
  )
}

/** A reminder event type (`hearing.reminder`, …): it goes only to followers wanting its offset. */
export const isReminderType = (type: EventType) => type.endsWith('.reminder')

export type Recipients = { subscriptions: Subscription[]; endpoints: EndpointRecord[] }
type Followed = Pick<DatedItem, 'followedVia'>

/** Who follows a dated item, resolved from the store at the moment it matters (fan out late). */
export function createFollowers({
  subscriptions,
  endpoints,
  emailed,
}: {
  subscriptions: SubscriptionStore
  endpoints: EndpointStore
  /** The event types email subscribers get (the dated kinds' reminders and notices). */
  emailed: ReadonlySet<EventType>
}) {
  async function recipients(
    type: EventType,
    item: Followed,
    kase: Case,
    remindBefore?: string,
    endpointsNow?: readonly EndpointRecord[],
  ): Promise<Recipients> {
    const [subs, all] = await Promise.all([
      subscriptions.activeFollowers(item.followedVia),
      endpointsNow ?? endpoints.all(),
    ])
    const reminder = isReminderType(type)
    const wantsOffset = (list: readonly string[]) =>
      !reminder || remindBefore === undefined || list.includes(remindBefore)
    return {
      subscriptions: emailed.has(type) ? subs.filter((s) => wantsOffset(s.remindBefore)) : [],
      endpoints: all.filter((e) => endpointFollows(e, kase, type) && wantsOffset(e.remindBefore)),
    }
  }

  return {
    recipients,
    /**
     * The distinct reminder offsets wanted for each item: one job each, however many people follow it.
     * Subscribers' offsets come from the offset index (as many reads as offsets, not as subscribers), for all
     * the items in one round trip. A caller planning many items may pass the endpoints it read once.
     */
    async offsetsFor(
      list: readonly { item: Followed; kase: Case; reminderType: EventType }[],
      endpointsNow?: readonly EndpointRecord[],
    ): Promise<string[][]> {
      const [wanted, all] = await Promise.all([
        subscriptions.offsetsWanted(list.map(({ item }) => item.followedVia)),
        endpointsNow ?? endpoints.all(),
      ])
      return list.map(({ kase, reminderType }, i) => {
        const eps = all.filter((e) => endpointFollows(e, kase, reminderType))
        return [...new Set([...(wanted[i] ?? []), ...eps.flatMap((e) => e.remindBefore)])]
      })
    },
  }
}
export type Followers = ReturnType<typeof createFollowers>
