import type { Job } from 'bullmq'
import { isFinished } from '../src/deliveries/delivery.schema.js'
import { ENDPOINT_DISABLED } from '../src/deliveries/fanout.js'
import { settleAttempt, tooLate } from '../src/deliveries/outcome.js'
import type { Mailer } from '../src/email/mailer.js'
import { activeSecrets } from '../src/endpoints/endpoint.store.js'
import { createEndpointLifecycle } from '../src/endpoints/lifecycle.js'
import { createEventCache } from '../src/events/event-cache.js'
import { observeDelivered } from '../src/metrics/metrics.js'
import type { JobCatalogue } from '../src/platform/queues.js'
import type { Services } from '../src/services.js'
import { postWebhook } from '../src/webhooks/sender.js'
import { webhookHeaders } from '../src/webhooks/signature.js'
import { attemptsLeft } from './attempts.js'

/** One webhook attempt. The webhook-id is the delivery id, the same across retries and redeliveries. */
export function webhookProcessor(
  { deliveries, endpoints, store, config, log, crashPoint }: Services,
  mailer: Pick<Mailer, 'send'> | undefined,
) {
  const events = createEventCache({ store })
  const lifecycle = createEndpointLifecycle({
    endpoints,
    mailer,
    disableAfterMs: config.webhooks.disableAfterMs,
    host: new URL(config.http.publicBaseUrl).hostname,
    log,
  })
  return async (job: Job<JobCatalogue['webhook']>) => {
    const { delivery, endpoint } = await deliveries.withEndpoint(job.data.deliveryId, job.data.endpointId)
    if (!delivery || isFinished(delivery)) return 'skipped'
    const dlog = log.child({ deliveryId: delivery.id, jobId: job.id })
    const cached = await events.get(delivery.eventId)
    const at = new Date().toISOString()
    if (!endpoint?.enabled || !cached) {
      const error = !cached ? 'event record is gone' : !endpoint ? 'endpoint was deleted' : ENDPOINT_DISABLED
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
    // Before settling: a retry is scheduled by throwing. 410 Gone disables the endpoint at once, as Svix does.
    if (result.ok) await lifecycle.succeeded(endpoint)
    else await lifecycle.failed(endpoint, at, result.statusCode === 410)
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
