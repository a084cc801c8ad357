import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { htmlResponses, TokenLangQuery } from '../pages/schemas.js'
import { invalidLinkPage, sendMessage } from '../pages/support.js'
import { digestMessages } from './render.js'
import type { DigestStop } from './stop.js'

/** The page behind a digest's "Stop digests" link: GET asks (scanners prefetch links), POST stops. */
export const digestRoutes: FastifyPluginAsyncTypebox<{ stop: DigestStop }> = async (app, { stop }) => {
  // RFC 8058 one-click posts a form; its content does not matter, the token in the URL does.
  app.addContentTypeParser(
    ['application/x-www-form-urlencoded', 'multipart/form-data'],
    { parseAs: 'string', bodyLimit: 1024 },
    (_req, _body, done) => done(null, undefined),
  )
  // English until the catalogues of src/i18n take these strings over.
  const lang = 'en'
  const t = digestMessages[lang]
  const route = (summary: string, description: string, ok: string) => ({
    config: { access: 'public' as const },
    schema: {
      tags: ['pages'],
      summary,
      description,
      querystring: TokenLangQuery,
      response: htmlResponses({ 200: ok, 400: 'The link is not valid' }),
    },
  })

  app.get(
    '/digests/stop',
    route(
      'The stop-digests link: a page with a Stop button',
      'Shows which address would get no more digests and a button; changes nothing (mail scanners prefetch links).',
      'The page with the button',
    ),
    async (req, reply) => {
      const email = await stop.peek(req.query.token)
      if (!email) return invalidLinkPage(reply, lang, req.url)
      return sendMessage(reply, 200, lang, req.url, {
        heading: t['stop.title'],
        paragraphs: [t['stop.body']({ email })],
        action: {
          href: `/digests/stop?token=${encodeURIComponent(req.query.token)}`,
          label: t['stop.button'],
        },
      })
    },
  )

  app.post(
    '/digests/stop',
    route(
      'Stop digests (RFC 8058 one-click)',
      'The button’s form, or a mail client’s one-click POST from a digest’s List-Unsubscribe (the body is ignored): every subscription of the address the link names asks for no digest any more; reminders and notices go on.',
      'Digests stopped',
    ),
    async (req, reply) => {
      const email = await stop.stop(req.query.token)
      if (!email) return invalidLinkPage(reply, lang, req.url)
      return sendMessage(reply, 200, lang, req.url, {
        heading: t['stopped.title'],
        paragraphs: [t['stopped.body']({ email })],
      })
    },
  )
}
