import type { Case } from '../cases/case.schema.js'
import type { CaseStore } from '../cases/case.store.js'
import type { Hearing } from '../hearings/hearing.schema.js'
import type { HearingStore } from '../hearings/hearing.store.js'
import type { Subscription } from '../subscriptions/subscription.schema.js'
import type { Tokens } from '../subscriptions/tokens.js'
import { type CalendarItem, type DeadlineLike, deadlineCalendarItem, hearingCalendarItem } from './item.js'
import { renderCalendar } from './render.js'

/** Where feeds find a case's deadlines (none, unless given). */
export type DeadlineSource = (caseId: string) => Promise<readonly DeadlineLike[]>

/** Every item of a paged list, page after page. */
export async function everyPage<T>(
  page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
): Promise<T[]> {
  const all: T[] = []
  let cursor: string | undefined
  do {
    const next = await page(cursor)
    all.push(...next.items)
    cursor = next.nextCursor ?? undefined
  } while (cursor)
  return all
}

export const FEED_REFRESH_SECONDS = 3600
const CANCELLED_KEPT_MS = 30 * 86_400_000

type Deps = {
  cases: Pick<CaseStore, 'get'>
  hearings: Pick<HearingStore, 'get' | 'list'>
  tokens: Pick<Tokens, 'issue' | 'verify'>
  publicBaseUrl: string
  deadlinesOfCase?: DeadlineSource
  now?: () => number
}

/** The calendar feeds: a case's (every hearing and deadline) and a subscription's (what it follows). */
export function createCalendarFeeds({
  cases,
  hearings,
  tokens,
  publicBaseUrl,
  deadlinesOfCase = async () => [],
  now = Date.now,
}: Deps) {
  const host = new URL(publicBaseUrl).hostname

  const hearingsOf = (caseId: string): Promise<Hearing[]> =>
    everyPage((cursor) => hearings.list({ caseId, limit: 200, cursor }))

  /** A cancelled item stays 30 days after its cancellation, so calendars that hold it learn to remove it. */
  function render(items: CalendarItem[], name: string): string {
    const cutoff = now() - CANCELLED_KEPT_MS
    const kept = items.filter((i) => i.cancelledAt === undefined || Date.parse(i.cancelledAt) > cutoff)
    return renderCalendar(kept, { host, name, refreshSeconds: FEED_REFRESH_SECONDS })
  }

  async function ofCase(kase: Case): Promise<string> {
    const [list, deadlines] = await Promise.all([hearingsOf(kase.id), deadlinesOfCase(kase.id)])
    return render(
      [
        ...list.map((h) => hearingCalendarItem(h, kase)),
        ...deadlines.map((d) => deadlineCalendarItem(d, kase)),
      ],
      kase.title,
    )
  }

  return {
    ofCase,

    /** A hearing subscription: its hearing and the deadlines it triggers; a case subscription: the case's feed. */
    async ofSubscription(sub: Subscription): Promise<string | undefined> {
      if (sub.caseId !== null) {
        const kase = await cases.get(sub.caseId)
        return kase && ofCase(kase)
      }
      const hearing = sub.hearingId === null ? undefined : await hearings.get(sub.hearingId)
      const kase = hearing && (await cases.get(hearing.caseId))
      if (!hearing || !kase) return undefined
      const deadlines = (await deadlinesOfCase(kase.id)).filter((d) => d.trigger?.hearingId === hearing.id)
      return render(
        [hearingCalendarItem(hearing, kase), ...deadlines.map((d) => deadlineCalendarItem(d, kase))],
        hearing.title,
      )
    },

    /** The private feed of a subscription: a signed token that only reads it. */
    feedUrl: (subscriptionId: string) =>
      `${publicBaseUrl}/calendar/${tokens.issue(subscriptionId, 'feed')}.ics`,

    /** The subscription a feed token names, or undefined when it is not one of ours. */
    subscriptionOfFeed: (token: string): string | undefined => tokens.verify(token, 'feed'),
  }
}
export type CalendarFeeds = ReturnType<typeof createCalendarFeeds>
