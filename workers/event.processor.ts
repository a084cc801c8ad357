import type { Job } from 'bullmq'
import type { EventRecord } from '../src/events/event.js'
import type { JobCatalogue } from '../src/platform/queues.js'
import type { Services } from '../src/services.js'

/** Fans a hearing change out to its followers as they are now, then clears it from the outbox. */
export function eventProcessor({ store, fanOut, log }: Services) {
  return async (job: Job<JobCatalogue['events']>) => {
    const event = await store.get<EventRecord>(job.data.eventId)
    if (event?.data.hearing && event.data.case) {
      const deliveries = await fanOut.fanOut(event, event.data.hearing, event.data.case)
      log.info(
        { eventId: event.id, type: event.type, hearingId: event.hearingId, recipients: deliveries.length },
        'event fanned out',
      )
    }
    await store.redis.zrem(store.keys.eventOutbox, job.data.eventId)
    return 'done'
  }
}
