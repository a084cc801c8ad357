import type { Case } from '../cases/case.schema.js'
import type { EndpointRecord } from '../endpoints/endpoint.schema.js'
import type { EndpointStore } from '../endpoints/endpoint.store.js'
import type { EventType } from '../events/event.js'
import type { Hearing } from '../hearings/hearing.schema.js'
import type { Subscription } from '../subscriptions/subscription.schema.js'
import type { SubscriptionStore } from '../subscriptions/subscription.store.js'

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

/** Email notices go to subscribers for these changes (API.md: reminders, and moves, cancellations, decisions). */
const EMAIL_NOTICES: readonly EventType[] = ['hearing.rescheduled', 'hearing.cancelled', 'hearing.decided']

export type Recipients = { subscriptions: Subscription[]; endpoints: EndpointRecord[] }

/** Who follows a hearing, resolved from the store at the moment it matters (fan out late). */
export function createFollowers({
  subscriptions,
  endpoints,
}: {
  subscriptions: SubscriptionStore
  endpoints: EndpointStore
}) {
  async function recipients(
    type: EventType,
    hearing: Hearing,
    kase: Case,
    remindBefore?: string,
    endpointsNow?: readonly EndpointRecord[],
  ): Promise<Recipients> {
    const [subs, all] = await Promise.all([
      subscriptions.activeFollowers(hearing.id, kase.id),
      endpointsNow ?? endpoints.all(),
    ])
    const wantsOffset = (list: readonly string[]) => remindBefore === undefined || list.includes(remindBefore)
    const emailed = type === 'hearing.reminder' || EMAIL_NOTICES.includes(type)
    return {
      subscriptions: emailed
        ? subs.filter((s) => type !== 'hearing.reminder' || wantsOffset(s.remindBefore))
        : [],
      endpoints: all.filter(
        (e) => endpointFollows(e, kase, type) && (type !== 'hearing.reminder' || wantsOffset(e.remindBefore)),
      ),
    }
  }

  return {
    recipients,
    /**
     * The distinct reminder offsets wanted for each hearing: one job each, however many people follow it.
     * Subscribers' offsets come from the offset index (as many reads as offsets, not as subscribers), for all
     * the hearings in one round trip. A caller planning many hearings may pass the endpoints it read once.
     */
    async offsetsFor(
      list: readonly { hearing: Hearing; kase: Case }[],
      endpointsNow?: readonly EndpointRecord[],
    ): Promise<string[][]> {
      const [wanted, all] = await Promise.all([
        subscriptions.offsetsWanted(
          list.map(({ hearing, kase }) => ({ hearingId: hearing.id, caseId: kase.id })),
        ),
        endpointsNow ?? endpoints.all(),
      ])
      return list.map(({ kase }, i) => {
        const eps = all.filter((e) => endpointFollows(e, kase, 'hearing.reminder'))
        return [...new Set([...(wanted[i] ?? []), ...eps.flatMap((e) => e.remindBefore)])]
      })
    },
  }
}
export type Followers = ReturnType<typeof createFollowers>
