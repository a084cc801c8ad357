import dns from 'node:dns'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { checkWebhookUrl, guardedLookup, type LookupAll } from '../../src/webhooks/address-guard.js'
import { postWebhook } from '../../src/webhooks/sender.js'
import { eventually, type Harness, startHarness } from '../helpers/harness.js'
import { type Receiver, startReceiver } from '../helpers/receiver.js'
import { expectProblem } from './support.js'

/**
 * SSRF (issue 4, item 3). Never touches outside DNS or outside addresses: names resolve through stubs (an
 * injected lookup, a spy on node:dns, or /etc/hosts for `localhost`); the only connections go to loopback.
 * Public literals such as 93.184.216.34 are only ever registered, never connected to.
 */

const PUBLIC_V4 = '93.184.216.34'
const PUBLIC_V6 = '2606:2800:220:1:248:1893:25c8:1946'

const FORBIDDEN_URLS = [
  // loopback, in every spelling the URL parser accepts
  'http://127.0.0.1/hooks',
  'http://127.1.2.3:8080/hooks',
  'http://127.1/hooks',
  'http://2130706433/hooks',
  'http://0x7f.0.0.1/hooks',
  'http://0177.0.0.1/hooks',
  'https://127.0.0.1/hooks',
  // "this network"
  'http://0.0.0.0/hooks',
  'http://0/hooks',
  // private
  'http://10.0.0.1/hooks',
  'http://172.16.0.1/hooks',
  'http://172.31.255.254/hooks',
  'http://192.168.1.1/hooks',
  // link-local, cloud metadata
  'http://169.254.169.254/latest/meta-data/',
  'http://169.254.0.1/',
  // CGNAT
  'http://100.64.0.1/hooks',
  'http://100.127.255.254/hooks',
  // multicast and broadcast
  'http://224.0.0.1/hooks',
  'http://239.255.255.250/hooks',
  'http://255.255.255.255/hooks',
  // IPv6 equivalents
  'http://[::1]/hooks',
  'http://[0:0:0:0:0:0:0:1]/hooks',
  'http://[::]/hooks',
  'http://[fe80::1]/hooks',
  'http://[fc00::1]/hooks',
  'http://[fd00:ec2::254]/latest/meta-data/',
  'http://[fec0::1]/hooks',
  'http://[ff02::1]/hooks',
  'http://[ff05::1:3]/hooks',
  'http://[::ffff:127.0.0.1]/hooks',
  'http://[::ffff:7f00:1]/hooks',
  'http://[::ffff:169.254.169.254]/hooks',
  'http://[::ffff:10.0.0.1]/hooks',
  'http://[::ffff:100.64.0.1]/hooks',
  'http://[64:ff9b::169.254.169.254]/hooks',
  'http://[2002:a9fe:a9fe::1]/hooks',
  'http://[2002:7f00:1::1]/hooks',
  'http://[::127.0.0.1]/hooks',
]

/** A stub resolver: names from the table, anything else does not exist. Records what it was asked. */
function stubLookup(table: Record<string, string[]>) {
  const asked: string[] = []
  const lookup: LookupAll = async (host) => {
    asked.push(host)
    const found = table[host]
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' })
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))
  }
  return { lookup, asked }
}

const NAMES = {
  'ngo.example.test': [PUBLIC_V4],
  'ngo6.example.test': [PUBLIC_V6],
  'loop.example.test': ['127.0.0.1'],
  'loop6.example.test': ['::1'],
  'metadata.example.test': ['169.254.169.254'],
  'intranet.example.test': ['10.1.2.3'],
  'router.example.test': ['192.168.0.1'],
  'cgnat.example.test': ['100.64.0.1'],
  'multicast.example.test': ['224.0.0.251'],
  'mapped.example.test': ['::ffff:127.0.0.1'],
  'ula.example.test': ['fd12:3456::1'],
  'linklocal6.example.test': ['fe80::1'],
  // one public and one private answer: any forbidden address refuses the name
  'mixed.example.test': [PUBLIC_V4, '192.168.0.10'],
  'mixed6.example.test': [PUBLIC_V6, '::1'],
  'empty.example.test': [],
}

describe('registration-time check (checkWebhookUrl)', () => {
  const opts = { allowPrivate: false, requireHttps: false }

  it.each(FORBIDDEN_URLS)('refuses %s with WEBHOOK_ALLOW_PRIVATE=false', async (url) => {
    const { lookup } = stubLookup({})
    const check = await checkWebhookUrl(url, { ...opts, lookup })
    expect(check.ok, JSON.stringify(check)).toBe(false)
  })

  it('accepts public addresses, literal or resolved', async () => {
    const { lookup } = stubLookup(NAMES)
    for (const url of [
      `http://${PUBLIC_V4}/hooks`,
      `https://[${PUBLIC_V6}]/hooks`,
      'https://ngo.example.test/hooks',
      'https://ngo6.example.test:8443/hooks',
    ])
      expect((await checkWebhookUrl(url, { ...opts, lookup })).ok, url).toBe(true)
  })

  it.each(Object.keys(NAMES).filter((n) => !n.startsWith('ngo')))(
    'refuses the name %s, which resolves to a forbidden address (or to nothing)',
    async (name) => {
      const { lookup, asked } = stubLookup(NAMES)
      const check = await checkWebhookUrl(`https://${name}/hooks`, { ...opts, lookup })
      expect(check.ok).toBe(false)
      expect(asked).toContain(name)
    },
  )

  it('refuses a name that does not resolve', async () => {
    const { lookup } = stubLookup(NAMES)
    expect((await checkWebhookUrl('https://nowhere.example.test/', { ...opts, lookup })).ok).toBe(false)
  })

  it('WEBHOOK_ALLOW_PRIVATE=true is the only way to allow them', async () => {
    const { lookup } = stubLookup(NAMES)
    for (const url of ['http://127.0.0.1:9/hooks', 'http://[::1]:9/hooks', 'https://loop.example.test/hooks'])
      expect((await checkWebhookUrl(url, { allowPrivate: true, requireHttps: false, lookup })).ok, url).toBe(
        true,
      )
  })

  it('refuses schemes other than http(s), and http itself when https is required', async () => {
    const { lookup } = stubLookup(NAMES)
    for (const url of [
      'file:///etc/passwd',
      'ftp://ngo.example.test/x',
      'gopher://ngo.example.test:70/_x',
      'dict://ngo.example.test:11211/stat',
      'ws://ngo.example.test/x',
      'data:text/plain,hello',
      'javascript:alert(1)',
      'not a url',
    ])
      expect((await checkWebhookUrl(url, { allowPrivate: true, requireHttps: false, lookup })).ok, url).toBe(
        false,
      )
    expect(
      (await checkWebhookUrl('http://ngo.example.test/', { allowPrivate: true, requireHttps: true, lookup }))
        .ok,
    ).toBe(false)
    expect(
      (
        await checkWebhookUrl('https://ngo.example.test/', {
          allowPrivate: false,
          requireHttps: true,
          lookup,
        })
      ).ok,
    ).toBe(true)
  })
})

describe('registration through the API with WEBHOOK_ALLOW_PRIVATE=false', () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness({ name: 'sec-ssrf-api', env: { WEBHOOK_ALLOW_PRIVATE: 'false' } })
  })
  afterAll(async () => h?.close())

  const listed = async () =>
    (
      await h.app.inject({
        method: 'GET',
        url: '/v1/webhook-endpoints?limit=200',
        headers: await h.auth('staff'),
      })
    ).json().items as { id: string; url: string }[]

  it('answers 400 for every forbidden address (and localhost, from the hosts file) and stores nothing', async () => {
    const before = await listed()
    for (const scope of ['staff', 'partner'] as const)
      for (const url of [...FORBIDDEN_URLS, 'http://localhost:9/hooks', 'http://localhost./hooks']) {
        const res = await h.app.inject({
          method: 'POST',
          url: '/v1/webhook-endpoints',
          headers: await h.auth(scope),
          payload: { url },
        })
        expectProblem(res, 400)
        expect(res.json().errors?.[0]?.path, url).toBe('/url')
      }
    expect(await listed()).toEqual(before)
  })

  it('accepts a public address, and refuses to move it to a private one with PATCH', async () => {
    const headers = await h.auth('staff')
    const created = await h.app.inject({
      method: 'POST',
      url: '/v1/webhook-endpoints',
      headers,
      payload: { url: `https://${PUBLIC_V4}/hooks` },
    })
    expect(created.statusCode).toBe(201)
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://[::ffff:127.0.0.1]/',
      'http://localhost:6379/',
    ])
      expectProblem(
        await h.app.inject({
          method: 'PATCH',
          url: `/v1/webhook-endpoints/${created.json().id}`,
          headers,
          payload: { url },
        }),
        400,
      )
    const now = await h.app.inject({
      method: 'GET',
      url: `/v1/webhook-endpoints/${created.json().id}`,
      headers,
    })
    expect(now.json().url).toBe(`https://${PUBLIC_V4}/hooks`)
  })
})

describe('connection-time check: DNS rebinding', () => {
  let receiver: Receiver
  let port: number
  beforeAll(async () => {
    receiver = await startReceiver()
    port = Number(new URL(receiver.url).port)
  })
  afterAll(async () => receiver?.close())

  /** A resolver that answers `addresses` for every name, in the callback shape node:dns uses. */
  const resolveTo = (addresses: string[]) =>
    ((_host: string, _opts: unknown, cb: (err: null, found: dns.LookupAddress[]) => void) =>
      cb(
        null,
        addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
      )) as unknown as typeof dns.lookup

  const request = (lookup: ReturnType<typeof guardedLookup>) =>
    new Promise<{ status?: number; code?: string | undefined }>((resolve) => {
      const req = http.request(
        `http://rebind.example.test:${port}/hooks`,
        { method: 'POST', agent: false, lookup, timeout: 3000 },
        (res) => {
          res.resume()
          resolve({ status: res.statusCode as number })
        },
      )
      req.on('error', (err: NodeJS.ErrnoException) =>
        resolve({ code: err.code ?? (err as { errors?: NodeJS.ErrnoException[] }).errors?.[0]?.code }),
      )
      req.end('{}')
    })

  it('guardedLookup refuses a name that now resolves to 127.0.0.1: no request reaches the loopback receiver', async () => {
    const before = receiver.received.length
    for (const answer of [
      ['127.0.0.1'],
      ['::ffff:127.0.0.1'],
      [PUBLIC_V4, '127.0.0.1'],
      ['127.0.0.1', PUBLIC_V4],
    ]) {
      const result = await request(guardedLookup({ allowPrivate: false, resolve: resolveTo(answer) }))
      expect(result, JSON.stringify(answer)).toEqual({ code: 'EFORBIDDENADDRESS' })
    }
    expect(receiver.received.length).toBe(before)
    // The same resolver with private targets allowed does reach it: the refusal above was the guard's.
    expect(await request(guardedLookup({ allowPrivate: true, resolve: resolveTo(['127.0.0.1']) }))).toEqual({
      status: 200,
    })
    expect(receiver.received.length).toBe(before + 1)
  })

  it('answers in both callback shapes and refuses in both', async () => {
    const lookup = guardedLookup({ allowPrivate: false, resolve: resolveTo(['10.0.0.7']) })
    const single = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      lookup('x.example.test', { all: false }, (err) => resolve(err)),
    )
    const all = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      lookup('x.example.test', { all: true }, (err) => resolve(err)),
    )
    expect(single?.code).toBe('EFORBIDDENADDRESS')
    expect(all?.code).toBe('EFORBIDDENADDRESS')
  })

  it('postWebhook refuses a name that passed registration but resolves to loopback at connection time (hosts file)', async () => {
    // At registration the name answered with a public address...
    const registered = await checkWebhookUrl(`http://localhost:${port}/hooks`, {
      allowPrivate: false,
      requireHttps: false,
      lookup: async () => [{ address: PUBLIC_V4, family: 4 }],
    })
    expect(registered.ok).toBe(true)
    // ...at connection time it is 127.0.0.1 (or ::1), from the hosts file.
    const before = receiver.received.length
    const result = await postWebhook({
      url: `http://localhost:${port}/hooks`,
      headers: { 'content-type': 'application/json' },
      body: '{}',
      timeoutMs: 3000,
      allowPrivate: false,
    })
    expect(result.ok).toBe(false)
    expect(result.permanent).toBe(true)
    expect(result.error).toMatch(/forbidden/i)
    expect(receiver.received.length).toBe(before)
  })

  it('postWebhook refuses forbidden IP literals without connecting', async () => {
    const before = receiver.received.length
    for (const host of ['127.0.0.1', '[::1]', '[::ffff:127.0.0.1]']) {
      const result = await postWebhook({
        url: `http://${host}:${port}/hooks`,
        headers: {},
        body: '{}',
        timeoutMs: 3000,
        allowPrivate: false,
      })
      expect(result.ok, host).toBe(false)
      expect(result.permanent, host).toBe(true)
    }
    expect(receiver.received.length).toBe(before)
  })

  describe('end to end: registered while public, rebound to loopback before delivery', () => {
    let h: Harness
    const NAME = 'rebind.courtbell.example.test'
    let answer = PUBLIC_V4
    beforeAll(async () => {
      const realPromisesLookup = dns.promises.lookup
      const realLookup = dns.lookup
      vi.spyOn(dns.promises, 'lookup').mockImplementation(((host: string, options: unknown) =>
        host === NAME
          ? Promise.resolve([{ address: answer, family: 4 }])
          : (realPromisesLookup as (h: string, o: unknown) => Promise<unknown>)(
              host,
              options,
            )) as typeof dns.promises.lookup)
      vi.spyOn(dns, 'lookup').mockImplementation(((
        host: string,
        options: unknown,
        cb: (...a: unknown[]) => void,
      ) =>
        host === NAME
          ? process.nextTick(() => cb(null, [{ address: answer, family: 4 }]))
          : (realLookup as (h: string, o: unknown, c: unknown) => void)(
              host,
              options,
              cb,
            )) as typeof dns.lookup)
      h = await startHarness({
        name: 'sec-ssrf-rebind',
        workers: true,
        env: { WEBHOOK_ALLOW_PRIVATE: 'false', RETRY_SCHEDULE: '100ms,100ms' },
      })
    })
    afterAll(async () => {
      vi.restoreAllMocks()
      await h?.close()
    })
    afterEach(() => {
      answer = PUBLIC_V4
    })

    it('the delivery fails as forbidden and nothing reaches the receiver', { timeout: 20_000 }, async () => {
      const headers = await h.auth('partner')
      const created = await h.app.inject({
        method: 'POST',
        url: '/v1/webhook-endpoints',
        headers,
        payload: { url: `http://${NAME}:${port}/hooks` },
      })
      expect(created.statusCode, created.body).toBe(201)
      answer = '127.0.0.1'
      const before = receiver.received.length
      const test = await h.app.inject({
        method: 'POST',
        url: `/v1/webhook-endpoints/${created.json().id}/test`,
        headers,
      })
      expect(test.statusCode).toBe(202)
      const delivery = await eventually(
        async () => {
          const d = (
            await h.app.inject({ method: 'GET', url: `/v1/deliveries/${test.json().deliveryId}`, headers })
          ).json()
          return d.status === 'failed' || d.status === 'succeeded' ? d : undefined
        },
        10_000,
        'the delivery to settle',
      )
      expect(delivery.status).toBe('failed')
      expect(delivery.attempts[0].error).toMatch(/forbidden/i)
      expect(receiver.received.length).toBe(before)
    })
  })
})

describe('responses: redirects and bodies', () => {
  let target: Receiver
  let server: http.Server
  let base: string
  let closedBodies = 0
  let bytesSent = 0

  beforeAll(async () => {
    target = await startReceiver()
    server = http.createServer((req, res) => {
      req.resume()
      const redirect = /\/redirect\/(\d+)/.exec(req.url ?? '')
      if (redirect) {
        res.writeHead(Number(redirect[1]), { location: `${target.url}?from=${redirect[1]}` }).end()
        return
      }
      // An endless 200 body: the sender must stop reading, not wait for the end or the timeout.
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      const chunk = Buffer.alloc(16 * 1024, 'x')
      let open = true
      res.on('close', () => {
        open = false
        closedBodies++
      })
      const pump = () => {
        while (open) {
          bytesSent += chunk.length
          if (!res.write(chunk)) {
            res.once('drain', pump)
            return
          }
        }
      }
      pump()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server?.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await target?.close()
  })

  it.each([301, 302, 303, 307, 308])('never follows a %i redirect', async (status) => {
    const result = await postWebhook({
      url: `${base}/redirect/${status}`,
      headers: { 'content-type': 'application/json' },
      body: '{}',
      timeoutMs: 3000,
      allowPrivate: true,
    })
    expect(result.ok).toBe(false)
    expect(result.statusCode).toBe(status)
    expect(target.received).toHaveLength(0)
  })

  it('stops reading a response body at the cap instead of waiting for its end', {
    timeout: 15_000,
  }, async () => {
    const started = Date.now()
    const result = await postWebhook({
      url: `${base}/endless`,
      headers: { 'content-type': 'application/json' },
      body: '{}',
      timeoutMs: 8000,
      allowPrivate: true,
    })
    expect(result).toMatchObject({ ok: true, statusCode: 200 })
    expect(result.error).toBeUndefined()
    expect(Date.now() - started).toBeLessThan(3000)
    await eventually(
      () => (closedBodies >= 1 ? true : undefined),
      3000,
      'the server to see the connection closed',
    )
    // What the server could push before the cut is bounded by socket buffers, not by the body (endless).
    expect(bytesSent).toBeLessThan(64 * 1024 * 1024)

    const small = await postWebhook({
      url: `${base}/endless`,
      headers: {},
      body: '{}',
      timeoutMs: 8000,
      allowPrivate: true,
      maxResponseBytes: 1024,
    })
    expect(small).toMatchObject({ ok: true, statusCode: 200 })
    expect(small.durationMs).toBeLessThan(3000)
  })
})

describe('production mode (NODE_ENV=production)', () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness({
      name: 'sec-ssrf-prod',
      env: { NODE_ENV: 'production', SMTP_URL: 'outbox:', WEBHOOK_ALLOW_PRIVATE: 'true' },
    })
  })
  afterAll(async () => h?.close())

  it('refuses http:// webhook URLs at registration and on PATCH, even with private targets allowed', async () => {
    expect(h.config.webhooks.requireHttps).toBe(true)
    const headers = await h.auth('staff')
    for (const url of [`http://${PUBLIC_V4}/hooks`, 'http://127.0.0.1:9/hooks', 'HTTP://127.0.0.1:9/hooks'])
      expectProblem(
        await h.app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers, payload: { url } }),
        400,
      )
    const ok = await h.app.inject({
      method: 'POST',
      url: '/v1/webhook-endpoints',
      headers,
      payload: { url: `https://${PUBLIC_V4}/hooks` },
    })
    expect(ok.statusCode).toBe(201)
    expectProblem(
      await h.app.inject({
        method: 'PATCH',
        url: `/v1/webhook-endpoints/${ok.json().id}`,
        headers,
        payload: { url: `http://${PUBLIC_V4}/hooks` },
      }),
      400,
    )
  })
})
