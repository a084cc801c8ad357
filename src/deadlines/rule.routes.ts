import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Page, problemResponses } from '../http/schema.js'
import { STAFF, STAFF_OR_PARTNER } from '../keys/auth.js'
import { DeadlineRule, RuleCreate, RuleIdParams, RuleListQuery, RulePatch } from './rule.schema.js'
import type { RuleStore } from './rule.store.js'

const TAGS = ['deadline rules']

export const ruleRoutes: FastifyPluginAsyncTypebox<{ rules: RuleStore }> = async (app, { rules }) => {
  app.get(
    '/v1/deadline-rules',
    {
      config: { access: STAFF_OR_PARTNER },
      schema: {
        tags: TAGS,
        summary: 'List deadline rules',
        description:
          "Built-in rules (shipped with their source) and rules created over the API, in id order. `jurisdiction` keeps the rules of that jurisdiction; for a subdivision (US-NY) its country's rules too, as they apply to its cases.",
        querystring: RuleListQuery,
        response: { 200: Page(DeadlineRule), ...problemResponses(400, 401, 403) },
      },
    },
    async (req) =>
      rules.list({
        jurisdiction: req.query.jurisdiction,
        limit: req.query.limit ?? 50,
        cursor: req.query.cursor,
      }),
  )

  app.get(
    '/v1/deadline-rules/:id',
    {
      config: { access: STAFF_OR_PARTNER },
      schema: {
        tags: TAGS,
        summary: 'A deadline rule',
        description: 'A rule: its period, how it is counted, and where it comes from.',
        params: RuleIdParams,
        response: { 200: DeadlineRule, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (req) => rules.mustGet(req.params.id),
  )

  app.post(
    '/v1/deadline-rules',
    {
      config: { access: STAFF },
      schema: {
        tags: TAGS,
        summary: 'Create a deadline rule',
        description:
          'A rule of a jurisdiction the court calendars know. `id` is optional (`rul_…` is generated); an id in use (built-in or not) is 409. `court-days` counting needs a period in days or weeks.',
        body: RuleCreate,
        response: { 201: DeadlineRule, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await rules.create(req.body)),
  )

  app.patch(
    '/v1/deadline-rules/:id',
    {
      config: { access: STAFF },
      schema: {
        tags: TAGS,
        summary: 'Change a deadline rule',
        description:
          'Only rules created over the API (a built-in rule is 409). The open deadlines computed from the rule are recomputed; those whose due moment moves are announced with `deadline.rescheduled`.',
        params: RuleIdParams,
        body: RulePatch,
        response: { 200: DeadlineRule, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const { rule, before } = await rules.update(req.params.id, req.body)
      req.auditBefore = before
      return rule
    },
  )

  app.delete(
    '/v1/deadline-rules/:id',
    {
      config: { access: STAFF },
      schema: {
        tags: TAGS,
        summary: 'Delete a deadline rule',
        description:
          'Only rules created over the API (a built-in rule is 409). Deadlines already computed from it keep their due day and explanation.',
        params: RuleIdParams,
        response: {
          204: { type: 'null', description: 'Deleted' },
          ...problemResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (req, reply) => {
      req.auditBefore = await rules.remove(req.params.id)
      return reply.code(204).send()
    },
  )
}
