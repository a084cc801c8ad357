import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { visibleTo } from '../cases/case.routes.js'
import type { CaseStore } from '../cases/case.store.js'
import { IdParams, Page, problemResponses } from '../http/schema.js'
import { isPartner, STAFF, STAFF_OR_PARTNER } from '../keys/auth.js'
import { notFound } from '../platform/errors.js'
import {
  Deadline,
  DeadlineCancel,
  DeadlineCreate,
  DeadlineListQuery,
  DeadlineMet,
  DeadlinePatch,
} from './deadline.schema.js'
import type { DeadlineService } from './deadline.service.js'
import type { DeadlineStore } from './deadline.store.js'

const CaseIdParams = Type.Object({ caseId: Type.String({ minLength: 1, maxLength: 100 }) })
const TAGS = ['deadlines']

export const deadlineRoutes: FastifyPluginAsyncTypebox<{
  deadlines: DeadlineStore
  cases: CaseStore
  service: DeadlineService
}> = async (app, { deadlines, cases, service }) => {
  app.post(
    '/v1/cases/:caseId/deadlines',
    {
      config: { access: STAFF },
      schema: {
        tags: TAGS,
        summary: 'Add a deadline to a case',
        description:
          "Given (`{ title, dueOn, endOfDay?, notes? }`) or computed from a rule and a trigger (`{ ruleId, trigger: { date } | { hearingId }, title?, notes? }`), on the court calendar of the case's jurisdiction and in its zone. The rule must be of the case's jurisdiction or its country (400 otherwise, and for a case without one). Emits `deadline.created`.",
        params: CaseIdParams,
        body: DeadlineCreate,
        response: { 201: Deadline, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await service.create(await cases.mustGet(req.params.caseId), req.body)),
  )

  app.get(
    '/v1/deadlines',
    {
      config: { access: STAFF_OR_PARTNER },
      schema: {
        tags: TAGS,
        summary: 'List deadlines',
        description:
          'Ordered by `dueAtUtc`; `from`/`to` are instants (`from` included, `to` excluded). Partners see the deadlines of public cases only.',
        querystring: DeadlineListQuery,
        response: { 200: Page(Deadline), ...problemResponses(400, 401, 403) },
      },
    },
    async (req) => {
      const { caseId, status, from, to, limit, cursor } = req.query
      const base = { caseId, status, from, to, limit: limit ?? 50, cursor }
      if (!isPartner(req)) return deadlines.list(base)
      // A partner lists deadlines of public cases only; case visibility is looked up once per case.
      const visibility = new Map<string, boolean>()
      const page = await deadlines.list(base)
      const items = []
      for (const d of page.items) {
        if (!visibility.has(d.caseId))
          visibility.set(d.caseId, (await cases.get(d.caseId))?.visibility === 'public')
        if (visibility.get(d.caseId)) items.push(d)
      }
      return { items, nextCursor: page.nextCursor }
    },
  )

  app.get(
    '/v1/deadlines/:id',
    {
      config: { access: STAFF_OR_PARTNER },
      schema: {
        tags: TAGS,
        summary: 'A deadline',
        description:
          'With its computation: what it was counted from, and every day skipped or rolled over, with why.',
        params: IdParams,
        response: { 200: Deadline, ...problemResponses(401, 403, 404) },
      },
    },
    async (req) => {
      const deadline = await deadlines.get(req.params.id)
      const hidden = deadline && isPartner(req) && !visibleTo(req.principal, await cases.get(deadline.caseId))
      if (!deadline || hidden) throw notFound('Deadline', req.params.id)
      return deadline
    },
  )

  app.patch(
    '/v1/deadlines/:id',
    {
      config: { access: STAFF },
      schema: {
        tags: TAGS,
        summary: 'Change a deadline',
        description:
          '`dueOn` only on a given deadline (409 on a computed one). A new due moment increments `version` and emits `deadline.rescheduled` with `previous: { dueOn, dueAtUtc }`. A met or cancelled deadline is 409.',
        params: IdParams,
        body: DeadlinePatch,
        response: { 200: Deadline, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const { deadline, before } = await service.update(req.params.id, req.body)
      req.auditBefore = before
      return deadline
    },
  )

  app.post(
    '/v1/deadlines/:id/met',
    {
      config: { access: STAFF },
      schema: {
        tags: TAGS,
        summary: 'Mark a deadline met',
        description:
          'Emits `deadline.met`; no reminder fires afterwards. A met or cancelled deadline is 409.',
        params: IdParams,
        body: DeadlineMet,
        response: { 200: Deadline, ...problemResponses(400, 401, 403, 404, 409) },
      },
      preValidation: async (req) => {
        req.body ??= {}
      },
    },
    async (req) => {
      const { deadline, before } = await service.met(req.params.id, req.body.note ?? null)
      req.auditBefore = before
      return deadline
    },
  )

  app.post(
    '/v1/deadlines/:id/cancel',
    {
      config: { access: STAFF },
      schema: {
        tags: TAGS,
        summary: 'Cancel a deadline',
        description:
          'Emits `deadline.cancelled`; no reminder fires afterwards. A met or cancelled deadline is 409.',
        params: IdParams,
        body: DeadlineCancel,
        response: { 200: Deadline, ...problemResponses(400, 401, 403, 404, 409) },
      },
      preValidation: async (req) => {
        req.body ??= {}
      },
    },
    async (req) => {
      const { deadline, before } = await service.cancel(req.params.id, req.body.reason ?? null)
      req.auditBefore = before
      return deadline
    },
  )
}
