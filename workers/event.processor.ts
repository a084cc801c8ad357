import type { Job } from 'bullmq'
import type { EventRecord } from '../src/events/event.js'
import type { Hearing } from '../src/hearings/hearing.schema.js'
import type { JobCatalogue } from '../src/platform/queues.js'
import type { Services } from '../src/services.js'

/** Fans a change of a dated item out to its followers as they are now, then clears it from the outbox. */
export function eventProcessor({ store, kinds, fanOut, recomputation, log }: Services) {
  return async (job: Job<JobCatalogue['events']>) => {
    const event = await store.get<EventRecord>(job.data.eventId)
    const item = event && kinds.itemOfEvent(event)
    if (event && item && event.data.case) {
      const deliveries = await fanOut.fanOut(event, item, event.data.case)
      log.info(
        { eventId: event.id, type: event.type, itemId: item.id, recipients: deliveries.length },
        'event fanned out',
      )
    }
    // Deadlines follow their trigger hearing; the API did this already, this makes it survive a crash after the write.
    const hearing = event?.data.hearing
    if (hearing && (event.type === 'hearing.rescheduled' || event.type === 'hearing.decided'))
      await recomputation.hearingChanged((await store.get<Hearing>(hearing.id)) ?? hearing)
    await store.redis.zrem(store.keys.eventOutbox, job.data.eventId)
    return 'done'
  }
}
