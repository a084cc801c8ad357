import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { problemOf } from './problem.js'

/**
 * JSON bodies through the framework's own parser (which refuses __proto__ poisoning), except that an empty
 * body is no body: a POST whose body is optional ({ reason? }) may be sent with content-type and nothing.
 */
export function registerJsonBody(app: FastifyInstance) {
  const parse = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if ((body as string).trim() === '') return done(null, undefined)
    parse(req, body as string, done)
  })
}

/**
 * Requests Node's HTTP parser refuses before the framework sees them (raw non-ASCII bytes in the request
 * line, a malformed header): answered as a problem, then the connection is closed, as Node itself does.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const problem =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? problemOf('request_timeout', 408, 'Request timeout', 'The request took too long to arrive')
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? problemOf(
            'headers_too_large',
            431,
            'Request headers too large',
            'The request headers are too large',
          )
        : problemOf(
            'invalid_request',
            400,
            'Invalid request',
            'The request is not valid HTTP: percent-encode every byte outside ASCII in the URL',
          )
  const body = JSON.stringify(problem)
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${problem.status} ${problem.title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    )
  socket.destroy()
}
