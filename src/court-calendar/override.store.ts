import type { Store } from '../platform/store.js'
import type { Override } from './court-days.js'
import type { LocalDate } from './dates.js'
import { splitJurisdiction } from './holidays.js'

type StoredOverride = Override & { updatedAt: string }

/**
 * Staff overrides, one hash per jurisdiction (date → override). A subdivision's calendar also takes its
 * country's overrides (a national decree closes New York's federal courts too); its own win on the same date.
 */
export function createOverrideStore({ store }: { store: Store }) {
  const { redis, keys } = store
  const hashOf = (jurisdiction: string) => keys.courtDays(jurisdiction)

  return {
    /** Every override that applies to the jurisdiction, in one round trip. */
    async forJurisdiction(jurisdiction: string): Promise<Map<LocalDate, Override>> {
      const { country, subdivision } = splitJurisdiction(jurisdiction)
      const layers = subdivision === undefined ? [country] : [country, jurisdiction]
      const tx = redis.pipeline()
      for (const layer of layers) tx.hgetall(hashOf(layer))
      const replies = (await tx.exec()) ?? []
      const merged = new Map<LocalDate, Override>()
      for (const [err, reply] of replies) {
        if (err) throw err
        for (const [date, raw] of Object.entries(reply as Record<string, string>)) {
          const { open, reason } = JSON.parse(raw) as StoredOverride
          merged.set(date, { open, reason })
        }
      }
      return merged
    },

    /** The override stored for exactly this jurisdiction and date (not its country's). */
    async get(jurisdiction: string, date: LocalDate): Promise<Override | undefined> {
      const raw = await redis.hget(hashOf(jurisdiction), date)
      if (raw === null) return undefined
      const { open, reason } = JSON.parse(raw) as StoredOverride
      return { open, reason }
    },

    async set(jurisdiction: string, date: LocalDate, override: Override): Promise<void> {
      const stored: StoredOverride = { ...override, updatedAt: new Date().toISOString() }
      await redis.hset(hashOf(jurisdiction), date, JSON.stringify(stored))
    },

    /** True when there was one to remove. */
    async remove(jurisdiction: string, date: LocalDate): Promise<boolean> {
      return (await redis.hdel(hashOf(jurisdiction), date)) > 0
    },
  }
}
export type OverrideStore = ReturnType<typeof createOverrideStore>
