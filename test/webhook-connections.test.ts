import dns from 'node:dns'
import http from 'node:http'
import net, { type AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { IDLE_SOCKET_MS, MAX_SOCKETS_PER_ORIGIN, webhookAgent } from '../src/webhooks/agents.js'
import { postWebhook } from '../src/webhooks/sender.js'

/**
 * Webhook attempts share keep-alive connections (src/webhooks/agents.ts). Only loopback receivers; names
 * resolve through a stub of dns.lookup, never through real DNS.
 */

type Counted = {
  server: http.Server
  url: string
  connections: () => number
  open: () => number
  peak: () => number
}

/** A receiver that counts its connections; `answer` decides what happens to each request. */
async function countingReceiver(
  answer: (req: http.IncomingMessage, res: http.ServerResponse, nthOnConnection: number) => void = (
    _q,
    res,
  ) => res.writeHead(200).end(),
): Promise<Counted> {
  let connections = 0
  let open = 0
  let peak = 0
  const perSocket = new WeakMap<net.Socket, number>()
  const server = http.createServer((req, res) => {
    const n = (perSocket.get(req.socket) ?? 0) + 1
    perSocket.set(req.socket, n)
    req.resume()
    req.on('end', () => answer(req, res, n))
  })
  server.on('connection', (socket) => {
    connections++
    open++
    peak = Math.max(peak, open)
    socket.on('close', () => open--)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    server,
    url: `http://127.0.0.1:${port}/hooks`,
    connections: () => connections,
    open: () => open,
    peak: () => peak,
  }
}

const receivers: http.Server[] = []
async function receiver(answer?: Parameters<typeof countingReceiver>[0]) {
  const r = await countingReceiver(answer)
  receivers.push(r.server)
  return r
}
afterAll(async () => {
  for (const server of receivers) {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
})

const post = (url: string, allowPrivate = true) =>
  postWebhook({
    url,
    headers: { 'content-type': 'application/json' },
    body: '{"type":"webhook.test"}',
    timeoutMs: 3000,
    allowPrivate,
  })
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('keep-alive connections', () => {
  it('reuses one connection for attempts that follow each other to the same receiver', async () => {
    const r = await receiver()
    for (let i = 0; i < 10; i++) expect(await post(r.url)).toMatchObject({ ok: true, statusCode: 200 })
    expect(r.connections()).toBe(1)
  })

  it(`opens at most ${MAX_SOCKETS_PER_ORIGIN} connections to one receiver however many attempts run at once`, async () => {
    const r = await receiver((_q, res) => setTimeout(() => res.writeHead(200).end(), 50))
    const results = await Promise.all(Array.from({ length: 3 * MAX_SOCKETS_PER_ORIGIN }, () => post(r.url)))
    expect(results.filter((x) => x.ok)).toHaveLength(3 * MAX_SOCKETS_PER_ORIGIN)
    expect(r.peak()).toBeLessThanOrEqual(MAX_SOCKETS_PER_ORIGIN)
    expect(r.connections()).toBeLessThanOrEqual(MAX_SOCKETS_PER_ORIGIN)
  })

  it('closes an idle connection after the idle timeout', { timeout: 10_000 }, async () => {
    const r = await receiver()
    expect(await post(r.url)).toMatchObject({ ok: true })
    expect(r.open()).toBe(1)
    await sleep(IDLE_SOCKET_MS + 500)
    expect(r.open()).toBe(0)
    // The next attempt simply connects again.
    expect(await post(r.url)).toMatchObject({ ok: true })
    expect(r.connections()).toBe(2)
  })

  it('waits for a receiver slower than the idle timeout, up to the attempt timeout', {
    timeout: 10_000,
  }, async () => {
    const r = await receiver((_q, res) => setTimeout(() => res.writeHead(200).end(), IDLE_SOCKET_MS + 300))
    expect(await post(r.url)).toMatchObject({ ok: true })
    // Now on a pooled connection.
    expect(await post(r.url)).toMatchObject({ ok: true, statusCode: 200 })
    expect(r.connections()).toBe(1)
  })

  it('does not reuse a connection the receiver asked to close', async () => {
    const r = await receiver((_q, res) => res.writeHead(200, { connection: 'close' }).end())
    expect(await post(r.url)).toMatchObject({ ok: true })
    expect(await post(r.url)).toMatchObject({ ok: true })
    expect(r.connections()).toBe(2)
  })

  it('an attempt cut off at the response-size cap does not leave its connection for the next one', async () => {
    const r = await receiver((_q, res) => res.writeHead(200).end('x'.repeat(64 * 1024)))
    const capped = await postWebhook({
      url: r.url,
      headers: {},
      body: '{}',
      timeoutMs: 3000,
      allowPrivate: true,
      maxResponseBytes: 1024,
    })
    expect(capped).toMatchObject({ ok: true, statusCode: 200 })
    expect(await post(r.url)).toMatchObject({ ok: true, statusCode: 200 })
    expect(r.connections()).toBe(2)
  })

  it('a timed-out attempt does not leave its connection for the next one', async () => {
    let slow = true
    const r = await receiver((_q, res) => (slow ? undefined : res.writeHead(200).end()))
    const timedOut = await postWebhook({
      url: r.url,
      headers: {},
      body: '{}',
      timeoutMs: 100,
      allowPrivate: true,
    })
    expect(timedOut).toMatchObject({ ok: false, error: 'timeout after 100 ms' })
    slow = false
    expect(await post(r.url)).toMatchObject({ ok: true, statusCode: 200 })
    expect(r.connections()).toBe(2)
  })
})

describe('receivers that close idle connections', () => {
  it('retries once on a new connection when a reused one turns out to be closed', async () => {
    // The receiver drops a kept-alive connection the moment a second request arrives on it: what a client
    // sees when the receiver closed the idle connection while the request was on its way.
    const seen: number[] = []
    const r = await receiver((req, res, n) => {
      seen.push(n)
      if (n > 1) req.socket.destroy()
      else res.writeHead(200).end()
    })
    expect(await post(r.url)).toMatchObject({ ok: true })
    const result = await post(r.url)
    expect(result).toMatchObject({ ok: true, statusCode: 200 })
    expect(seen).toEqual([1, 2, 1])
    expect(r.connections()).toBe(2)
  })

  it('still reports a reset on a new connection as a failed attempt, without trying again', async () => {
    let requests = 0
    const r = await receiver((req) => {
      requests++
      req.socket.destroy()
    })
    expect(await post(r.url)).toMatchObject({ ok: false, error: 'connection reset' })
    expect(requests).toBe(1)
  })

  it('no attempt fails against a receiver that closes connections idle for 30 ms', {
    timeout: 15_000,
  }, async () => {
    // A bare HTTP/1.1 receiver without a Keep-Alive hint, as many servers and proxies are.
    let connections = 0
    const server = net.createServer((socket) => {
      connections++
      let idle: NodeJS.Timeout | undefined
      const arm = () => {
        clearTimeout(idle)
        idle = setTimeout(() => socket.destroy(), 30)
      }
      let buffered = ''
      socket.on('data', (chunk) => {
        clearTimeout(idle)
        buffered += chunk.toString('latin1')
        // Each request here is headers plus a body of the announced length.
        for (;;) {
          const end = buffered.indexOf('\r\n\r\n')
          if (end === -1) return
          const length = Number(/content-length: *(\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0)
          if (buffered.length < end + 4 + length) return
          buffered = buffered.slice(end + 4 + length)
          socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n')
          arm()
        }
      })
      socket.on('error', () => undefined)
      socket.on('close', () => clearTimeout(idle))
      arm()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`
    try {
      const results = []
      // Gaps around the receiver's idle limit, so that some attempts meet a connection as it is being closed.
      for (let i = 0; i < 60; i++) {
        results.push(await post(url))
        await sleep(25 + (i % 11))
      }
      expect(results.filter((x) => !x.ok)).toEqual([])
      expect(connections).toBeGreaterThan(1)
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})

describe('connection-time address check with pooled connections', () => {
  const NAME = 'pool.courtbell.example.test'
  let answer: string | undefined = '127.0.0.1'
  const asked: string[] = []
  beforeAll(() => {
    const realLookup = dns.lookup
    vi.spyOn(dns, 'lookup').mockImplementation(((
      host: string,
      options: unknown,
      cb: (...a: unknown[]) => void,
    ) => {
      if (host !== NAME) return (realLookup as (h: string, o: unknown, c: unknown) => void)(host, options, cb)
      asked.push(host)
      const found = answer
      process.nextTick(() =>
        found === undefined
          ? cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), [])
          : cb(null, [{ address: found, family: 4 }]),
      )
    }) as typeof dns.lookup)
  })
  afterAll(() => vi.restoreAllMocks())
  afterEach(() => {
    answer = '127.0.0.1'
    asked.length = 0
    // Each test starts without pooled connections to the name.
    for (const allowPrivate of [true, false]) {
      const agent = webhookAgent('http:', allowPrivate)
      for (const sockets of Object.values(agent.freeSockets)) for (const s of sockets ?? []) s.destroy()
    }
  })

  it('resolves and checks the name for every new connection, and only then', async () => {
    const r = await receiver((_q, res) => setTimeout(() => res.writeHead(200).end(), 30))
    const url = `http://${NAME}:${new URL(r.url).port}/hooks`
    expect(await post(url)).toMatchObject({ ok: true })
    expect(await post(url)).toMatchObject({ ok: true })
    expect(asked).toHaveLength(1)
    const burst = await Promise.all(Array.from({ length: 5 }, () => post(url)))
    expect(burst.every((x) => x.ok)).toBe(true)
    expect(asked).toHaveLength(r.connections())
  })

  it('a name that stops resolving after the first connection: the pooled connection stays on the checked address, a new one is refused', async () => {
    const r = await receiver((_q, res) => setTimeout(() => res.writeHead(200).end(), 30))
    const url = `http://${NAME}:${new URL(r.url).port}/hooks`
    expect(await post(url)).toMatchObject({ ok: true })
    answer = undefined
    // One at a time: the pooled connection (to the address checked when it opened) carries it.
    expect(await post(url)).toMatchObject({ ok: true })
    // Two at once: the second needs a new connection, whose lookup now fails.
    const both = await Promise.all([post(url), post(url)])
    expect(both.map((x) => x.ok).sort()).toEqual([false, true])
    expect(both.find((x) => !x.ok)?.error).toBe(`cannot resolve ${NAME}`)
    expect(r.connections()).toBe(1)
  })

  it('a connection opened while private targets were allowed is never used when they are not', async () => {
    const r = await receiver()
    const url = `http://${NAME}:${new URL(r.url).port}/hooks`
    expect(await post(url, true)).toMatchObject({ ok: true })
    const before = r.connections()
    const refused = await post(url, false)
    expect(refused).toMatchObject({ ok: false, permanent: true, error: 'forbidden address 127.0.0.1' })
    // And again, with a refused lookup already behind it: every new connection is checked.
    expect(await post(url, false)).toMatchObject({ ok: false, error: 'forbidden address 127.0.0.1' })
    expect(r.connections()).toBe(before)
  })
})
