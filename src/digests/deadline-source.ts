import type { Deadline } from '../deadlines/deadline.schema.js'
import type { DeadlineStore } from '../deadlines/deadline.store.js'
import type { DeadlineSource } from './digest.schema.js'

/** A digest's deadlines from the deadline store: open ones of the followed cases and of followed hearings. */
export function openDeadlinesIn(deadlines: DeadlineStore): DeadlineSource {
  return async ({ caseIds, hearingIds, from, to }) => {
    const found: Deadline[] = []
    for (const caseId of caseIds) {
      let cursor: string | undefined
      do {
        const page = await deadlines.list({ caseId, status: 'open', from, to, limit: 200, cursor })
        found.push(...page.items)
        cursor = page.nextCursor ?? undefined
      } while (cursor)
    }
    for (const hearingId of hearingIds) {
      const triggered = await deadlines.getMany(await deadlines.idsByHearing(hearingId))
      found.push(...triggered.filter((d): d is Deadline => d?.status === 'open'))
    }
    return found
  }
}
