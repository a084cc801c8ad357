import { DateTime } from 'luxon'
import type { Case } from '../../src/cases/case.schema.js'
import type { EndpointRecord } from '../../src/endpoints/endpoint.schema.js'
import type { WebhookEventType } from '../../src/events/event.js'
import type { Hearing } from '../../src/hearings/hearing.schema.js'
import { newId } from '../../src/platform/ids.js'
import { parseHearingTime } from '../../src/platform/time.js'
import { ADMIN_OWNER, type BenchServices } from './services.js'

export const ZONE = 'Asia/Almaty'

/** A case like the running example (fixtures/bilash-case.json), numbered. */
export function createCase(svc: BenchServices, n: number): Promise<Case> {
  return svc.cases.create({
    title: `Probation service v. Defendant ${n} — petition to declare wanted`,
    court: 'Court of Almaty (Kazakhstan)',
    jurisdiction: 'KZ',
    timeZone: ZONE,
    caseNumber: `2-${1000 + n}/2026`,
    description:
      'The probation service asks the court to declare the defendant wanted and to choose a measure of restraint.',
    tags: ['human-rights', 'bench'],
    visibility: 'public',
  })
}

/** The local wall time (to the second) of an instant in the zone, as staff would type it. */
export const wallTime = (ms: number, zone = ZONE) =>
  DateTime.fromMillis(ms).setZone(zone).toFormat("yyyy-MM-dd'T'HH:mm:ss")

/**
 * A hearing record as hearingService.create would build it, for writing straight through the hearing
 * store (hearings.save) without an event. `startsAtMs` may carry milliseconds: the API's wall times have
 * one-second resolution, so sub-second due moments (the sparse precision load) can only be written here.
 */
export function hearingRecord(kase: Case, startsAtMs: number, n: number): Hearing {
  const wall = wallTime(startsAtMs, kase.timeZone)
  const parsed = parseHearingTime(wall, kase.timeZone, '09:00')
  if ('reason' in parsed) throw new Error(parsed.message)
  const now = new Date().toISOString()
  return {
    id: newId('hrg'),
    caseId: kase.id,
    title: `Hearing ${n}: decision on the petition`,
    startsAt: parsed.startsAt,
    allDay: false,
    timeZone: kase.timeZone,
    startsAtUtc: startsAtMs % 1000 === 0 ? parsed.startsAtUtc : new Date(startsAtMs).toISOString(),
    duration: 'PT1H',
    location: 'Courtroom 4',
    notes: null,
    status: 'scheduled',
    outcome: null,
    cancelReason: null,
    version: 1,
    createdAt: now,
    updatedAt: now,
  }
}

export function createEndpoint(
  svc: BenchServices,
  url: string,
  opts: { eventTypes: WebhookEventType[]; remindBefore: string[]; n: number; caseIds?: string[] },
): Promise<EndpointRecord> {
  return svc.endpoints.create(
    {
      url,
      description: `bench receiver ${opts.n}`,
      eventTypes: opts.eventTypes,
      caseIds: opts.caseIds ?? null,
      remindBefore: opts.remindBefore,
    },
    ADMIN_OWNER,
  )
}
