import type { AddressInfo } from 'node:net'
import { type ParsedMail, simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'

export type ReceivedMail = { mail: ParsedMail; receivedAt: number; rawHeaders: string[] }

/**
 * A real SMTP server on loopback that keeps what it receives. `reply` decides each RCPT: return an
 * SMTP code to refuse (e.g. 450, 550), or undefined to accept.
 */
export async function startSmtpSink() {
  const received: ReceivedMail[] = []
  let reply: (to: string) => number | undefined = () => undefined
  let rcptCount = 0
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      rcptCount++
      const code = reply(address.address)
      if (code === undefined) return callback()
      const err = Object.assign(new Error(code >= 500 ? 'mailbox unavailable' : 'try again later'), {
        responseCode: code,
      })
      callback(err)
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push({ mail, receivedAt: Date.now(), rawHeaders: mail.headerLines.map((l) => l.line) })
          callback()
        })
        .catch(callback)
    },
  })
  // A client killed mid-session (a worker under kill -9) resets its connection: not an error of the sink.
  server.on('error', () => undefined)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.server.address() as AddressInfo).port
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    /** RCPT commands seen, accepted or not: counts attempts. */
    get rcptCount() {
      return rcptCount
    },
    setReply(fn: (to: string) => number | undefined) {
      reply = fn
    },
    to: (address: string) => received.filter((r) => r.mail.to && JSON.stringify(r.mail.to).includes(address)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
export type SmtpSink = Awaited<ReturnType<typeof startSmtpSink>>

/** A header as the raw line says it (mailparser folds List-* headers into one structured value). */
export function rawHeader(mail: ReceivedMail, name: string): string | undefined {
  const line = mail.rawHeaders.find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
  return line
    ?.slice(name.length + 1)
    .replace(/\r?\n\s+/g, ' ')
    .trim()
}
