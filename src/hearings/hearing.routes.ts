import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { visibleTo } from '../cases/case.routes.js'
import type { CaseStore } from '../cases/case.store.js'
import { problemResponses } from '../http/openapi.js'
import { IdParams, Page } from '../http/schema.js'
import { isPartner, STAFF, STAFF_OR_PARTNER } from '../keys/auth.js'
import { notFound } from '../platform/errors.js'
import {
  Hearing,
  HearingCancel,
  HearingCreate,
  HearingListQuery,
  HearingOutcome,
  HearingPatch,
} from './hearing.schema.js'
import type { HearingService } from './hearing.service.js'
import type { HearingStore } from './hearing.store.js'

const CaseIdParams = Type.Object({ caseId: Type.String({ minLength: 1, maxLength: 100 }) })

export const hearingRoutes: FastifyPluginAsyncTypebox<{
  hearings: HearingStore
  cases: CaseStore
  service: HearingService
}> = async (app, { hearings, cases, service }) => {
  app.post(
    '/v1/cases/:caseId/hearings',
    {
      config: { access: STAFF },
      schema: {
        tags: ['hearings'],
        summary: 'Schedule a hearing',
        description:
          "Adds a hearing to a case: `startsAt` is the local time without offset in `timeZone` (default: the case's), or a date alone when the time is not announced yet (reminders then anchor at the court-day start). Emits hearing.scheduled and plans the reminders. Staff only.",
        params: CaseIdParams,
        body: HearingCreate,
        response: { 201: Hearing },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await service.create(await cases.mustGet(req.params.caseId), req.body)),
  )

  app.get(
    '/v1/hearings',
    {
      config: { access: STAFF_OR_PARTNER },
      schema: {
        tags: ['hearings'],
        summary: 'List hearings',
        description:
          'Hearings ordered by their instant (`startsAtUtc`), optionally between two instants, of one case, or in one status. A partner key sees hearings of public cases only.',
        querystring: HearingListQuery,
        response: { 200: Page(Hearing) },
      },
    },
    async (req) => {
      const { from, to, caseId, status, limit, cursor } = req.query
      if (req.principal?.scope !== 'partner')
        return hearings.list({ from, to, caseId, status, limit: limit ?? 50, cursor })
      // A partner lists hearings of public cases only; case visibility is looked up once per case.
      const visibility = new Map<string, boolean>()
      const page = await hearings.list({ from, to, caseId, status, limit: limit ?? 50, cursor })
      const items = []
      for (const h of page.items) {
        if (!visibility.has(h.caseId))
          visibility.set(h.caseId, (await cases.get(h.caseId))?.visibility === 'public')
        if (visibility.get(h.caseId)) items.push(h)
      }
      return { items, nextCursor: page.nextCursor }
    },
  )

  app.get(
    '/v1/hearings/:id',
    {
      config: { access: STAFF_OR_PARTNER },
      schema: {
        tags: ['hearings'],
        summary: 'Get a hearing',
        description: 'One hearing with its status, version and outcome.',
        params: IdParams,
        response: { 200: Hearing },
      },
    },
    async (req) => {
      const hearing = await hearings.get(req.params.id)
      // Only a partner's view depends on the case (public or not).
      const hidden = hearing && isPartner(req) && !visibleTo(req.principal, await cases.get(hearing.caseId))
      if (!hearing || hidden) throw notFound('Hearing', req.params.id)
      return hearing
    },
  )

  app.patch(
    '/v1/hearings/:id',
    {
      config: { access: STAFF },
      schema: {
        tags: ['hearings'],
        summary: 'Change a hearing',
        description:
          'Changes the fields given (`duration`, PT5M..PT12H, is how long the hearing lasts in calendars). A new time or zone increments `version`, moves every pending reminder and emits hearing.rescheduled with the previous time. A cancelled or decided hearing answers 409 to a time change. Staff only.',
        params: IdParams,
        body: HearingPatch,
        response: { 200: Hearing, ...problemResponses(409) },
      },
    },
    async (req) => {
      const { hearing, before } = await service.update(req.params.id, req.body)
      req.auditBefore = before
      return hearing
    },
  )

  app.post(
    '/v1/hearings/:id/cancel',
    {
      config: { access: STAFF },
      schema: {
        tags: ['hearings'],
        summary: 'Cancel a hearing',
        description:
          'Marks the hearing cancelled (the body, with an optional reason, may be left out), increments `version` and emits hearing.cancelled; no reminder for it fires afterwards. Staff only.',
        params: IdParams,
        body: HearingCancel,
        response: { 200: Hearing },
      },
      // The body is optional ({ reason? }): a bare POST cancels too.
      preValidation: async (req) => {
        req.body ??= {}
      },
    },
    async (req) => {
      const { hearing, before } = await service.cancel(req.params.id, req.body.reason ?? null)
      req.auditBefore = before
      return hearing
    },
  )

  app.post(
    '/v1/hearings/:id/outcome',
    {
      config: { access: STAFF },
      schema: {
        tags: ['hearings'],
        summary: 'Record the outcome',
        description:
          'Marks the hearing decided with a summary and the moment of the ruling (`decidedAt`, default now), increments `version` and emits hearing.decided. Staff only.',
        params: IdParams,
        body: HearingOutcome,
        response: { 200: Hearing },
      },
    },
    async (req) => {
      const { hearing, before } = await service.decide(req.params.id, req.body)
      req.auditBefore = before
      return hearing
    },
  )
}
