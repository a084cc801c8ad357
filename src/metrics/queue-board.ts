import { createBullBoard } from '@bull-board/api'
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter'
import { FastifyAdapter } from '@bull-board/fastify'
import type { FastifyPluginAsync } from 'fastify'
import { toProblem } from '../http/problem.js'
import type { KeyStore } from '../keys/key.store.js'
import { AppError } from '../platform/errors.js'
import { QUEUE_NAMES, type Queues } from '../platform/queues.js'
import { basicPasswordOf, bearerOf, mustBeOperator } from './operator-access.js'

export const QUEUE_BOARD_PATH = '/admin/queues'

/**
 * Bull Board's page loads its scripts and styles from its own static route, styles its loading screen
 * inline, and takes fonts from Google: the app-wide policy would blank it, so its routes get their own.
 */
const BOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline' https://fonts.googleapis.com",
  "font-src 'self' data: https://fonts.gstatic.com",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

/** The BullMQ dashboard at /admin/queues, behind HTTP Basic auth with an admin API key as the password. */
export const queueBoard: FastifyPluginAsync<{
  keys: Pick<KeyStore, 'authenticate'>
  queues: Queues
}> = async (app, { keys, queues }) => {
  const serverAdapter = new FastifyAdapter().setBasePath(QUEUE_BOARD_PATH)
  createBullBoard({
    queues: QUEUE_NAMES.map((name) => new BullMQAdapter(queues[name])),
    // @bull-board/fastify pins its own copy of @bull-board/api (a patch behind): same interface, other declarations.
    serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
    options: { uiConfig: { boardTitle: 'courtbell queues' } },
  })
  // Answered here rather than thrown: Bull Board's own error handler would turn a 401 into a 500.
  app.addHook('onRequest', async (req, reply) => {
    try {
      const { authorization } = req.headers
      // Basic for browsers; a Bearer admin key works too, as everywhere else in the API.
      await mustBeOperator(keys, basicPasswordOf(authorization) ?? bearerOf(authorization), {
        challenge: 'Basic realm="courtbell queues", charset="UTF-8"',
      })
    } catch (err) {
      if (!(err instanceof AppError)) throw err
      return reply
        .code(err.status)
        .headers(err.headers ?? {})
        .type('application/problem+json')
        .send(toProblem(err))
    }
  })
  app.addHook('onSend', async (_req, reply) => {
    reply.header('content-security-policy', BOARD_CSP)
  })
  await app.register(serverAdapter.registerPlugin(), { prefix: QUEUE_BOARD_PATH })
}
