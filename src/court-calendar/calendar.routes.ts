import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { problemResponses } from '../http/schema.js'
import { STAFF, STAFF_OR_PARTNER } from '../keys/auth.js'
import {
  CourtCalendarDays,
  CourtDay,
  DayOverride,
  DayParams,
  DaysQuery,
  JurisdictionParams,
} from './calendar.schema.js'
import type { CourtCalendars } from './calendar.service.js'

export const courtCalendarRoutes: FastifyPluginAsyncTypebox<{ calendars: CourtCalendars }> = async (
  app,
  { calendars },
) => {
  app.get(
    '/v1/court-calendars/:jurisdiction/days',
    {
      config: { access: STAFF_OR_PARTNER },
      schema: {
        tags: ['court calendars'],
        summary: 'Which days the courts of a jurisdiction sit',
        description:
          "One item per date from `from` to `to` (both included, at most 366): weekends and public holidays of the jurisdiction (observed days included; for a subdivision, its country's too) are closed, unless staff overrode the date. An unknown jurisdiction is 404.",
        params: JurisdictionParams,
        querystring: DaysQuery,
        response: { 200: CourtCalendarDays, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const { jurisdiction } = req.params
      return { jurisdiction, items: await calendars.days(jurisdiction, req.query.from, req.query.to) }
    },
  )

  app.put(
    '/v1/court-calendars/:jurisdiction/days/:date',
    {
      config: { access: STAFF },
      schema: {
        tags: ['court calendars'],
        summary: 'Override one date of a court calendar',
        description:
          "Closes a date (snow, a strike, a day off moved by decree) or opens one (a Saturday made a working day). When the date's status changes, every open computed deadline of the jurisdiction counted over it is recomputed; those that move are announced with `deadline.rescheduled`.",
        params: DayParams,
        body: DayOverride,
        response: { 200: CourtDay, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (req) => calendars.setDay(req.params.jurisdiction, req.params.date, req.body),
  )

  app.delete(
    '/v1/court-calendars/:jurisdiction/days/:date',
    {
      config: { access: STAFF },
      schema: {
        tags: ['court calendars'],
        summary: 'Remove the override of a date',
        description:
          'The date goes back to what weekends and the holiday data set say (204 whether or not there was an override). Deadlines counted over it are recomputed as for PUT.',
        params: DayParams,
        response: {
          204: { type: 'null', description: 'Back to the default' },
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (req, reply) => {
      await calendars.resetDay(req.params.jurisdiction, req.params.date)
      return reply.code(204).send()
    },
  )
}
