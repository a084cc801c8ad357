import http from 'node:http'
import type { AddressInfo } from 'node:net'

export type Arrival = { at: number; id: string; body: string | undefined }

/**
 * A webhook receiver on loopback that answers 200 at once and notes when each request arrived (Date.now(),
 * the clock the due moments are computed on). Bodies are kept only when asked (precision needs dueAt).
 */
export async function startReceiver(opts: { keepBodies: boolean }) {
  let arrivals: Arrival[] = []
  let waiters: { n: number; resolve: () => void }[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => {
      if (opts.keepBodies) chunks.push(c)
    })
    req.on('end', () => {
      const at = Date.now()
      const id = String(req.headers['webhook-id'] ?? '')
      arrivals.push({ at, id, body: opts.keepBodies ? Buffer.concat(chunks).toString('utf8') : undefined })
      res.writeHead(200, { 'content-length': '0' }).end()
      if (waiters.length > 0) {
        const n = arrivals.length
        const done = waiters.filter((w) => n >= w.n)
        waiters = waiters.filter((w) => n < w.n)
        for (const w of done) w.resolve()
      }
    })
  })
  server.keepAliveTimeout = 5000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    get arrivals() {
      return arrivals
    },
    reset() {
      arrivals = []
    },
    /** Resolves true once n requests arrived, false after timeoutMs. */
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
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
export type Receiver = Awaited<ReturnType<typeof startReceiver>>
