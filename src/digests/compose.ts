import type { Case } from '../cases/case.schema.js'
import type { Hearing } from '../hearings/hearing.schema.js'
import type { DigestCase, DigestDeadline, DigestEntry, DigestMark } from './digest.schema.js'
import type { DigestPeriod } from './period.js'

/** Which entries a digest lists, decided without I/O from what the store holds at composing time. */

const within = (at: string, p: DigestPeriod) =>
  Date.parse(at) >= Date.parse(p.moment) && Date.parse(at) < Date.parse(p.windowEnd)
const since = (at: string | undefined, p: DigestPeriod) =>
  at !== undefined && Date.parse(at) >= Date.parse(p.previousMoment)

/**
 * A hearing in the window is listed while scheduled (marked when it moved since the previous digest); a
 * cancelled or decided one only when that happened since the previous digest, so the reader learns it once.
 */
export function hearingEntry(h: Hearing, p: DigestPeriod): DigestEntry | undefined {
  if (!within(h.startsAtUtc, p)) return undefined
  const changed = since(h.updatedAt, p)
  let mark: DigestMark = null
  if (h.status === 'cancelled' || h.status === 'decided') {
    if (!changed) return undefined
    mark = h.status
  } else if (h.version > 1 && changed) mark = 'moved'
  return {
    kind: 'hearing',
    id: h.id,
    caseId: h.caseId,
    title: h.title,
    at: h.startsAtUtc,
    dateOnly: h.allDay ? h.startsAt.slice(0, 10) : null,
    timeZone: h.timeZone,
    location: h.location,
    mark,
  }
}

/** Open deadlines due in the window; one that moved since the previous digest is marked. */
export function deadlineEntry(d: DigestDeadline, p: DigestPeriod): DigestEntry | undefined {
  if (d.status !== 'open' || !within(d.dueAtUtc, p)) return undefined
  return {
    kind: 'deadline',
    id: d.id,
    caseId: d.caseId,
    title: d.title,
    at: d.dueAtUtc,
    dateOnly: d.dueOn,
    timeZone: d.timeZone,
    location: null,
    mark: (d.version ?? 1) > 1 && since(d.updatedAt, p) ? 'moved' : null,
  }
}

/** Entries in time order, each item once; the cases they belong to, in order of their first entry. */
export function arrange(
  entries: readonly (DigestEntry | undefined)[],
  cases: ReadonlyMap<string, Case | undefined>,
): { entries: DigestEntry[]; cases: DigestCase[] } {
  const unique = new Map<string, DigestEntry>()
  for (const e of entries) if (e && cases.get(e.caseId)) unique.set(e.id, e)
  const sorted = [...unique.values()].sort(
    (a, b) => Date.parse(a.at) - Date.parse(b.at) || a.id.localeCompare(b.id),
  )
  const caseIds = [...new Set(sorted.map((e) => e.caseId))]
  return {
    entries: sorted,
    cases: caseIds.map((id) => {
      const c = cases.get(id) as Case
      return { id, title: c.title, court: c.court, caseNumber: c.caseNumber }
    }),
  }
}
