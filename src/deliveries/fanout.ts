import type { Case } from '../cases/case.schema.js'
import type { EventRecord } from '../events/event.js'
import { derivedId } from '../platform/ids.js'
import type { Queues } from '../platform/queues.js'
import type { DatedItem } from '../reminders/dated-item.js'
import type { Followers, Recipients } from '../reminders/followers.js'
import type { Delivery } from './delivery.schema.js'
import type { DeliveryStore } from './delivery.store.js'

/** One delivery per (event, recipient): the id is derived from both, so it can never be made twice. */
export function deliveryFor(
  event: EventRecord,
  recipient:
    | { channel: 'email'; subscriptionId: string; email: string }
    | { channel: 'webhook'; endpointId: string; url: string },
  now: string,
): Delivery {
  const recipientId = recipient.channel === 'email' ? recipient.subscriptionId : recipient.endpointId
  return {
    id: derivedId('dlv', event.id, recipientId),
    eventId: event.id,
    eventType: event.type,
    channel: recipient.channel,
    target: recipient.channel === 'email' ? recipient.email : recipient.url,
    hearingId: event.hearingId,
    endpointId: recipient.channel === 'webhook' ? recipient.endpointId : null,
    subscriptionId: recipient.channel === 'email' ? recipient.subscriptionId : null,
    status: 'pending',
    attempts: [],
    nextAttemptAt: now,
    createdAt: now,
    updatedAt: now,
  }
}

export const ENDPOINT_DISABLED = 'endpoint disabled'

/** The delivery an event would have been to a disabled endpoint: failed at once, with one attempt saying why. */
const notSentToDisabled = (d: Delivery, now: string): Delivery => ({
  ...d,
  status: 'failed',
  attempts: [{ at: now, durationMs: 0, error: ENDPOINT_DISABLED }],
  nextAttemptAt: null,
})

/** Puts a delivery on its channel's queue under the given job id. */
export async function queueDelivery(
  queues: Pick<Queues, 'email' | 'webhook'>,
  delivery: Delivery,
  jobId: string,
) {
  if (delivery.channel === 'email') await queues.email.add('email', { deliveryId: delivery.id }, { jobId })
  else await queues.webhook.add('webhook', webhookJobData(delivery), { jobId })
}

/** A webhook job names its endpoint too, so the worker reads delivery and endpoint in one command. */
const webhookJobData = (d: Delivery) => ({ deliveryId: d.id, endpointId: d.endpointId as string })

export function createFanOut(deps: {
  deliveries: DeliveryStore
  followers: Followers
  queues: Pick<Queues, 'email' | 'webhook'>
}) {
  const { deliveries, followers, queues } = deps

  /** Writes one delivery per recipient unless it exists already. */
  async function record(
    event: EventRecord,
    recipients: Recipients,
    status: 'pending' | 'missed' = 'pending',
  ): Promise<Delivery[]> {
    const now = new Date().toISOString()
    const all = [
      ...recipients.subscriptions.map((s) =>
        deliveryFor(event, { channel: 'email', subscriptionId: s.id, email: s.email }, now),
      ),
      ...recipients.endpoints.map((e) => {
        const d = deliveryFor(event, { channel: 'webhook', endpointId: e.id, url: e.url }, now)
        // A disabled endpoint is sent nothing, but what it would have had is on record (and can be replayed).
        return e.enabled || status !== 'pending' ? d : notSentToDisabled(d, now)
      }),
    ].map((d) => (status === 'pending' ? d : { ...d, status, nextAttemptAt: null }))
    await deliveries.createMissing(all)
    return all
  }

  /** Writes the deliveries (idempotently) and queues them. Safe to run again after a crash at any point. */
  async function enqueue(event: EventRecord, recipients: Recipients): Promise<Delivery[]> {
    const all = await record(event, recipients)
    // Re-adding is harmless: an existing job id is ignored, and a finished delivery is skipped by its processor.
    const of = (channel: Delivery['channel']) =>
      all.filter((d) => d.channel === channel && d.status === 'pending')
    await Promise.all([
      queues.email.addBulk(
        of('email').map((d) => ({ name: 'email', data: { deliveryId: d.id }, opts: { jobId: d.id } })),
      ),
      queues.webhook.addBulk(
        of('webhook').map((d) => ({ name: 'webhook', data: webhookJobData(d), opts: { jobId: d.id } })),
      ),
    ])
    return all
  }

  return {
    record,
    enqueue,
    async fanOut(event: EventRecord, item: Pick<DatedItem, 'followedVia'>, kase: Case) {
      return enqueue(
        event,
        await followers.recipients(event.type, item, kase, event.data.reminder?.remindBefore),
      )
    },
  }
}
export type FanOut = ReturnType<typeof createFanOut>
