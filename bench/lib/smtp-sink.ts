import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

/**
 * A real SMTP server on loopback (smtp-server) that accepts every message and notes when it arrived. It
 * reads each message to the end but does not parse it: the sink's own cost is the same for courtbell and
 * for the bare baseline, and kept small so that it does not dominate either.
 */
export async function startSmtpSink() {
  let arrivals: number[] = []
  let waiters: { n: number; resolve: () => void }[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    maxClients: 100,
    onData(stream, _session, callback) {
      stream.on('data', () => undefined)
      stream.on('end', () => {
        arrivals.push(Date.now())
        callback()
        if (waiters.length > 0) {
          const n = arrivals.length
          const done = waiters.filter((w) => n >= w.n)
          waiters = waiters.filter((w) => n < w.n)
          for (const w of done) w.resolve()
        }
      })
    },
  })
  server.on('error', () => undefined)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.server.address() as AddressInfo).port
  return {
    url: `smtp://127.0.0.1:${port}`,
    get arrivals() {
      return arrivals
    },
    reset() {
      arrivals = []
    },
    waitForCount(n: number, timeoutMs: number): Promise<boolean> {
      if (arrivals.length >= n) return Promise.resolve(true)
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter)
          resolve(false)
        }, timeoutMs)
        const waiter = {
          n,
          resolve: () => {
            clearTimeout(timer)
            resolve(true)
          },
        }
        waiters.push(waiter)
      })
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
export type SmtpSink = Awaited<ReturnType<typeof startSmtpSink>>
