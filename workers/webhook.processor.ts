import type { Job } from 'bullmq'
import { isFinished } from '../src/deliveries/delivery.schema.js'
import { settleAttempt, tooLate } from '../src/deliveries/outcome.js'
import { activeSecrets } from '../src/endpoints/endpoint.store.js'
import { createEventCache } from '../src/events/event-cache.js'
import { observeDelivered } from '../src/metrics/metrics.js'
import type { JobCatalogue } from '../src/platform/queues.js'
import type { Services } from '../src/services.js'
import { postWebhook } from '../src/webhooks/sender.js'
import { webhookHeaders } from '../src/webhooks/signature.js'
import { attemptsLeft } from './attempts.js'

/** One webhook attempt. The webhook-id is the delivery id, the same across retries and redeliveries. */
export function webhookProcessor({ deliveries, endpoints, store, config, log, crashPoint }: Services) {
  const events = createEventCache({ store })
  return async (job: Job<JobCatalogue['webhook']>) => {
    const { delivery, endpoint } = await deliveries.withEndpoint(job.data.deliveryId, job.data.endpointId)
    if (!delivery || isFinished(delivery)) return 'skipped'
    const dlog = log.child({ deliveryId: delivery.id, jobId: job.id })
    const cached = await events.get(delivery.eventId)
    const at = new Date().toISOString()
    if (!endpoint?.enabled || !cached) {
      const error = !cached
        ? 'event record is gone'
        : !endpoint
          ? 'endpoint was deleted'
          : 'endpoint is disabled'
      await deliveries.recordAttempt(delivery, { at, durationMs: 0, error }, 'failed', null)
      dlog.warn({ error }, 'delivery failed: giving up')
      return 'failed'
    }
    const { event, webhookBody: body } = cached
    if (tooLate(event)) {
      await deliveries.setStatus(delivery, 'missed', null)
      dlog.warn({ hearingId: delivery.hearingId }, 'reminder missed: hearing already began')
      return 'missed'
    }
    const result = await postWebhook({
      url: endpoint.url,
      headers: webhookHeaders(activeSecrets(endpoint), delivery.id, body),
      body,
      timeoutMs: config.webhooks.timeoutMs,
      allowPrivate: config.webhooks.allowPrivate,
    })
    if (result.ok) crashPoint('after-webhook-sent')
    if (result.statusCode === 410) {
      // The receiver says the endpoint is gone for good: stop sending to it, as Svix does.
      await endpoints.update(endpoint, { enabled: false, disabledReason: 'the receiver answered 410 Gone' })
      dlog.warn({ endpointId: endpoint.id }, 'endpoint disabled: receiver answered 410 Gone')
    }
    const settled = await settleAttempt({
      deliveries,
      delivery,
      attempt: {
        at,
        durationMs: result.durationMs,
        ...(result.statusCode !== undefined ? { statusCode: result.statusCode } : {}),
        ...(result.error !== undefined ? { error: result.error } : {}),
      },
      outcome: result.ok ? 'succeeded' : result.permanent ? 'permanent' : 'temporary',
      retryAfterMs: result.retryAfterMs,
      ...attemptsLeft(job),
      retryScheduleMs: config.retryScheduleMs,
      log: dlog,
    })
    if (settled.status === 'succeeded') observeDelivered('webhook', event)
    return settled.status
  }
}
