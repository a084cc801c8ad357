import type { DigestFrequency } from './period.js'

/** What a digest lists, as recorded when it is composed: a redelivery sends the same digest. */

/** What changed about an entry since the previous digest, if anything worth a mark. */
export type DigestMark = 'moved' | 'cancelled' | 'decided' | null

export type DigestEntry = {
  kind: 'hearing' | 'deadline'
  id: string
  caseId: string
  title: string
  /** The instant: a hearing's start, a deadline's expiry. */
  at: string
  /** A hearing's date alone (time not announced) or a deadline (a day): shown as a date, never converted. */
  dateOnly: string | null
  timeZone: string
  location: string | null
  mark: DigestMark
}

export type DigestCase = { id: string; title: string; court: string; caseNumber: string | null }

export type DigestSnapshot = {
  address: string
  frequency: DigestFrequency
  period: string
  moment: string
  windowEnd: string
  previousMoment: string
  readerZone: string
  recipientName: string | null
  subscriptionIds: string[]
  cases: DigestCase[]
  entries: DigestEntry[]
}

/**
 * A deadline as a digest reads it (the deadlines feature's records fit this shape). Only open ones are listed;
 * `dueOn` is the court's date, `dueAtUtc` the instant it expires.
 */
export type DigestDeadline = {
  id: string
  caseId: string
  title: string
  dueOn: string
  dueAtUtc: string
  timeZone: string
  status: string
  version?: number
  updatedAt?: string
}

/** Open deadlines of these cases (or triggered by these hearings) due in [from, to). */
export type DeadlineSource = (query: {
  caseIds: readonly string[]
  hearingIds: readonly string[]
  from: string
  to: string
}) => Promise<readonly DigestDeadline[]>

/** Until deadlines are wired in (src/services.ts), digests list hearings only. */
export const noDeadlines: DeadlineSource = async () => []
