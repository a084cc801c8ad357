import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { escapeHtml, invalidLinkPage } from '../subscriptions/pages.js'
import { TokenQuery } from '../subscriptions/subscription.schema.js'
import type { DigestStop } from './stop.js'

const html = { type: 'string', description: 'An HTML page' } as const

const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} — courtbell</title></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`

/** The page behind a digest's "Stop digests" link: GET asks (scanners prefetch links), POST stops. */
export const digestRoutes: FastifyPluginAsyncTypebox<{ stop: DigestStop }> = async (app, { stop }) => {
  // RFC 8058 one-click posts a form; its content does not matter, the token in the URL does.
  app.addContentTypeParser(
    ['application/x-www-form-urlencoded', 'multipart/form-data'],
    { parseAs: 'string', bodyLimit: 1024 },
    (_req, _body, done) => done(null, undefined),
  )
  const schema = (summary: string, description: string) => ({
    tags: ['pages'],
    summary,
    description,
    querystring: TokenQuery,
    response: { 200: html, 400: html },
  })

  app.get(
    '/digests/stop',
    {
      config: { access: 'public' },
      schema: schema(
        'Ask to stop digests',
        'A page with one button that stops the digests of the address the link names (400: the link is not valid).',
      ),
    },
    async (req, reply) => {
      const email = await stop.peek(req.query.token)
      reply.type('text/html; charset=utf-8')
      if (!email) return reply.code(400).send(invalidLinkPage())
      const action = `/digests/stop?token=${encodeURIComponent(req.query.token)}`
      return page(
        'Stop digests',
        `<p>Stop the daily and weekly digests sent to ${escapeHtml(email)}? Reminders and notices go on.</p>
<form method="post" action="${escapeHtml(action)}"><button type="submit">Stop digests</button></form>`,
      )
    },
  )

  app.post(
    '/digests/stop',
    {
      config: { access: 'public' },
      schema: schema(
        'Stop digests',
        'Stops every digest of the address the link names; also the one-click List-Unsubscribe target of digest emails (400: the link is not valid).',
      ),
    },
    async (req, reply) => {
      const email = await stop.stop(req.query.token)
      reply.type('text/html; charset=utf-8')
      if (!email) return reply.code(400).send(invalidLinkPage())
      return page('Digests stopped', `<p>${escapeHtml(email)} will receive no more digests.</p>`)
    },
  )
}
