import type { Store } from '../platform/store.js'
import { type EventRecord, webhookBody } from './event.js'

export type CachedEvent = { readonly event: EventRecord; readonly webhookBody: string }

/**
 * The events a worker read lately, parsed, with their webhook body: one event fans out to many deliveries.
 * Sound because an event record is never changed or deleted once written: hearing, subscription and
 * endpoint-test events get a new random id, reminder events a derived one written with SET NX (fire.ts).
 * Concurrent reads of one event share a single GET; a missing event is not remembered.
 */
export function createEventCache({ store, size = 1000 }: { store: Store; size?: number }) {
  const recent = new Map<string, Promise<CachedEvent | undefined>>()

  async function read(id: string): Promise<CachedEvent | undefined> {
    const event = await store.get<EventRecord>(id)
    return event && { event, webhookBody: webhookBody(event) }
  }

  return {
    get(id: string): Promise<CachedEvent | undefined> {
      let entry = recent.get(id)
      // Map keeps insertion order: moving a hit to the end leaves the least recently used first.
      if (entry !== undefined) recent.delete(id)
      else {
        entry = read(id)
        const forget = () => recent.get(id) === entry && recent.delete(id)
        entry.then((found) => found === undefined && forget(), forget)
      }
      recent.set(id, entry)
      if (recent.size > size) recent.delete(recent.keys().next().value as string)
      return entry
    },
  }
}
export type EventCache = ReturnType<typeof createEventCache>
