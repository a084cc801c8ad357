import type { EventRecord } from '../events/event.js'
import type { Logger } from '../platform/logger.js'
import type { Attempt, Delivery } from './delivery.schema.js'
import type { DeliveryStore } from './delivery.store.js'

/** Thrown by a delivery processor to have BullMQ try again; carries the delay the receiver asked for, if any. */
export class RetryLater extends Error {
  readonly retryAfterMs: number | undefined
  constructor(message: string, retryAfterMs?: number) {
    super(message)
    this.retryAfterMs = retryAfterMs
  }
}

/** A reminder is never sent once its moment has come: one still queued then is recorded as missed. */
export function tooLate(event: EventRecord, now = Date.now()): boolean {
  // Reminder events recorded before `expiresAt` existed were all hearings'.
  const expiresAt =
    event.expiresAt ?? (event.type === 'hearing.reminder' ? event.data.hearing?.startsAtUtc : undefined)
  return expiresAt !== undefined && now >= Date.parse(expiresAt)
}

/** The delay before retry number `retry` (1-based), from the configured schedule; its last step repeats. */
export function retryDelay(schedule: readonly number[], retry: number, retryAfterMs?: number): number {
  const planned = schedule[Math.min(retry, schedule.length) - 1] ?? 0
  // Honour a receiver's Retry-After when it asks for more time, within a day.
  return retryAfterMs === undefined ? planned : Math.min(Math.max(planned, retryAfterMs), 86_400_000)
}

/**
 * Records one attempt on the delivery and decides what happens next: done, failed for good, or retried
 * (by throwing RetryLater, so BullMQ schedules the next attempt with our backoff strategy).
 */
export async function settleAttempt(args: {
  deliveries: DeliveryStore
  delivery: Delivery
  attempt: Attempt
  outcome: 'succeeded' | 'temporary' | 'permanent'
  attemptsLeft: number
  retryNumber: number
  retryAfterMs?: number | undefined
  retryScheduleMs: readonly number[]
  /** The delivery's logger: it carries the delivery id already. */
  log: Logger
}): Promise<Delivery> {
  const { deliveries, delivery, attempt, outcome, log } = args
  const context = {
    channel: delivery.channel,
    eventType: delivery.eventType,
    attempt: delivery.attempts.length + 1,
  }
  if (outcome === 'succeeded') {
    log.info(
      { ...context, durationMs: attempt.durationMs, statusCode: attempt.statusCode },
      'delivery succeeded',
    )
    return deliveries.recordAttempt(delivery, attempt, 'succeeded', null)
  }
  if (outcome === 'permanent' || args.attemptsLeft <= 0) {
    log.warn(
      { ...context, error: attempt.error, statusCode: attempt.statusCode },
      'delivery failed: giving up',
    )
    return deliveries.recordAttempt(delivery, attempt, 'failed', null)
  }
  const delay = retryDelay(args.retryScheduleMs, args.retryNumber, args.retryAfterMs)
  await deliveries.recordAttempt(
    delivery,
    attempt,
    'retrying',
    new Date(Date.parse(attempt.at) + delay).toISOString(),
  )
  log.info(
    { ...context, error: attempt.error, statusCode: attempt.statusCode, retryInMs: delay },
    'delivery will be retried',
  )
  throw new RetryLater(attempt.error ?? `HTTP ${attempt.statusCode}`, delay)
}
