import type dns from 'node:dns'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type EventRecord, webhookBody } from '../src/events/event.js'
import { createEventCache } from '../src/events/event-cache.js'
import type { Store } from '../src/platform/store.js'
import { checkWebhookUrl, guardedLookup, isForbiddenAddress } from '../src/webhooks/address-guard.js'
import { postWebhook } from '../src/webhooks/sender.js'
import { generateSecret, signWebhook, webhookHeaders } from '../src/webhooks/signature.js'

type Received = { path: string; headers: http.IncomingHttpHeaders; body: string }

const HUGE_BYTES = 64 * 1024 * 1024

// One loopback receiver; each path is a behaviour.
const received: Received[] = []
const hits = new Map<string, number>()
const huge = { written: 0, closedEarly: false }
let server: http.Server
let base: string
let port: number

function hitsOn(path: string): number {
  return hits.get(path) ?? 0
}

function writeHuge(res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream' })
  const chunk = Buffer.alloc(64 * 1024, 'x')
  res.on('close', () => {
    if (huge.written < HUGE_BYTES) huge.closedEarly = true
  })
  const pump = (): void => {
    while (huge.written < HUGE_BYTES && !res.destroyed) {
      huge.written += chunk.length
      if (!res.write(chunk)) {
        res.once('drain', pump)
        return
      }
    }
    if (!res.destroyed) res.end()
  }
  pump()
}

function handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
  const path = req.url ?? '/'
  hits.set(path, hitsOn(path) + 1)
  received.push({ path, headers: req.headers, body })
  switch (path) {
    case '/ok':
    case '/target':
      res.writeHead(200).end('thanks')
      return
    case '/fail':
      res.writeHead(500).end('boom')
      return
    case '/redirect':
      res.writeHead(302, { location: `${base}/target` }).end()
      return
    case '/slow':
      setTimeout(() => res.writeHead(200).end(), 2000).unref()
      return
    case '/gone':
      res.writeHead(410).end()
      return
    case '/busy':
      res.writeHead(429, { 'retry-after': '7' }).end()
      return
    case '/huge':
      writeHuge(res)
      return
    default:
      res.writeHead(404).end()
  }
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
  base = `http://127.0.0.1:${port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

function post(
  path: string,
  extra: { timeoutMs?: number; maxResponseBytes?: number; allowPrivate?: boolean } = {},
) {
  const body = JSON.stringify({ type: 'webhook.test', timestamp: new Date().toISOString(), data: {} })
  return postWebhook({
    url: path.startsWith('http') ? path : `${base}${path}`,
    headers: webhookHeaders([generateSecret()], `msg_${path.replace(/\W/g, '')}`, body),
    body,
    timeoutMs: extra.timeoutMs ?? 5000,
    allowPrivate: extra.allowPrivate ?? true,
    ...(extra.maxResponseBytes === undefined ? {} : { maxResponseBytes: extra.maxResponseBytes }),
  })
}

/** A fake dns.lookup answering `address` in whichever shape was asked for. */
function fakeResolver(...addresses: string[]): typeof dns.lookup {
  const fake = (
    _host: string,
    options: dns.LookupOptions,
    cb: (err: NodeJS.ErrnoException | null, a: string | dns.LookupAddress[], f?: number) => void,
  ) => {
    const all = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))
    const first = all[0] ?? { address: '', family: 4 }
    process.nextTick(() => (options.all ? cb(null, all) : cb(null, first.address, first.family)))
  }
  return fake as typeof dns.lookup
}

function runLookup(lookup: ReturnType<typeof guardedLookup>, options: dns.LookupOptions) {
  return new Promise<{ err: NodeJS.ErrnoException | null; address: string | dns.LookupAddress[] }>(
    (resolve) => lookup('hooks.example.org', options, (err, address) => resolve({ err, address })),
  )
}

describe('signature', () => {
  it('generates whsec_ secrets of 24 random bytes', () => {
    const secret = generateSecret()
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/)
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(24)
    expect(generateSecret()).not.toBe(secret)
  })

  it('matches the Standard Webhooks reference vector', () => {
    const sig = signWebhook(
      ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
    )
    expect(sig).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=')
  })

  it('joins one signature per secret with a single space', () => {
    const sig = signWebhook([generateSecret(), generateSecret()], 'msg_1', 1700000000, '{}')
    expect(sig.split(' ')).toHaveLength(2)
    for (const part of sig.split(' ')) expect(part).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/)
  })

  it('refuses to sign without a secret', () => {
    expect(() => signWebhook([], 'msg_1', 1700000000, '{}')).toThrow()
  })

  it('builds the headers with unix-seconds timestamp', () => {
    const headers = webhookHeaders([generateSecret()], 'msg_h', '{}', new Date('2024-03-01T00:00:00.900Z'))
    expect(headers['webhook-id']).toBe('msg_h')
    expect(headers['webhook-timestamp']).toBe('1709251200')
    expect(headers['content-type']).toBe('application/json')
    expect(headers['user-agent']).toBe('courtbell-webhooks/1')
  })
})

describe('postWebhook against a loopback receiver', () => {
  it('delivers a POST that standardwebhooks verifies, with either of two secrets', async () => {
    const [oldSecret, newSecret] = [generateSecret(), generateSecret()]
    const body = JSON.stringify({ type: 'hearing.reminder', data: { hearing: { id: 'h1' }, note: 'é ✓' } })
    const result = await postWebhook({
      url: `${base}/ok`,
      headers: webhookHeaders([oldSecret, newSecret], 'msg_signed', body),
      body,
      timeoutMs: 5000,
      allowPrivate: true,
    })
    expect(result).toMatchObject({ ok: true, statusCode: 200 })

    const got = received.find((r) => r.headers['webhook-id'] === 'msg_signed')
    expect(got?.body).toBe(body)
    const headers = Object.fromEntries(
      Object.entries(got?.headers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
    )
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2)
    // The library accepts the secret with or without the whsec_ prefix.
    for (const secret of [oldSecret, newSecret]) {
      expect(new Webhook(secret).verify(got?.body ?? '', headers)).toEqual(JSON.parse(body))
      expect(() => new Webhook(secret.slice('whsec_'.length)).verify(got?.body ?? '', headers)).not.toThrow()
    }
    expect(() => new Webhook(generateSecret()).verify(got?.body ?? '', headers)).toThrow()
  })

  it('treats 500 as a failure with its status code', async () => {
    const result = await post('/fail')
    expect(result.ok).toBe(false)
    expect(result.statusCode).toBe(500)
    expect(result.permanent).toBeUndefined()
  })

  it('does not follow redirects', async () => {
    const result = await post('/redirect')
    expect(result).toMatchObject({ ok: false, statusCode: 302, error: 'redirect not followed (302)' })
    expect(hitsOn('/redirect')).toBe(1)
    expect(hitsOn('/target')).toBe(0)
  })

  it('gives up on a slow receiver at the timeout', async () => {
    const result = await post('/slow', { timeoutMs: 300 })
    expect(result.ok).toBe(false)
    expect(result.error).toBe('timeout after 300 ms')
    expect(result.durationMs).toBeGreaterThanOrEqual(290)
    expect(result.durationMs).toBeLessThan(1000)
  })

  it('reports a refused connection', async () => {
    const closed = http.createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const closedPort = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))

    const result = await post(`http://127.0.0.1:${closedPort}/ok`)
    expect(result).toMatchObject({ ok: false, error: 'connection refused' })
    expect(result.statusCode).toBeUndefined()
  })

  it('marks 410 Gone as permanent', async () => {
    expect(await post('/gone')).toMatchObject({ ok: false, statusCode: 410, permanent: true })
  })

  it('reads Retry-After on 429', async () => {
    expect(await post('/busy')).toMatchObject({ ok: false, statusCode: 429, retryAfterMs: 7000 })
  })

  it('caps a huge response body instead of buffering it', async () => {
    const result = await post('/huge', { maxResponseBytes: 16 * 1024 })
    expect(result).toMatchObject({ ok: true, statusCode: 200 })
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(huge.closedEarly).toBe(true)
    expect(huge.written).toBeLessThan(HUGE_BYTES)
  })

  it('refuses a loopback IP literal before connecting when private targets are not allowed', async () => {
    const before = hitsOn('/ok')
    for (const host of ['127.0.0.1', '[::1]']) {
      const result = await post(`http://${host}:${port}/ok`, { allowPrivate: false })
      expect(result).toMatchObject({ ok: false, permanent: true })
      expect(result.error).toMatch(/^forbidden address (127\.0\.0\.1|::1)$/)
    }
    expect(hitsOn('/ok')).toBe(before)
  })

  it('refuses localhost at connection time when private targets are not allowed', async () => {
    const before = hitsOn('/ok')
    const result = await post(`http://localhost:${port}/ok`, { allowPrivate: false })
    expect(result).toMatchObject({ ok: false, permanent: true })
    expect(result.error).toMatch(/^forbidden address (127\.0\.0\.1|::1)$/)
    expect(hitsOn('/ok')).toBe(before)
  })
})

describe('guardedLookup', () => {
  it('refuses the cloud metadata address in both callback shapes', async () => {
    const lookup = guardedLookup({ allowPrivate: false, resolve: fakeResolver('169.254.169.254') })
    for (const options of [{ all: true }, {}]) {
      const { err } = await runLookup(lookup, options)
      expect(err?.code).toBe('EFORBIDDENADDRESS')
      expect(err?.message).toBe('forbidden address 169.254.169.254')
    }
  })

  it('refuses when any of several addresses is forbidden', async () => {
    const lookup = guardedLookup({ allowPrivate: false, resolve: fakeResolver('93.184.216.34', '10.0.0.5') })
    const { err } = await runLookup(lookup, { all: true })
    expect(err?.code).toBe('EFORBIDDENADDRESS')
  })

  it('answers in the shape asked for when the addresses are allowed', async () => {
    const lookup = guardedLookup({
      allowPrivate: false,
      resolve: fakeResolver('93.184.216.34', '2606:4700::1'),
    })
    expect(await runLookup(lookup, { all: true })).toEqual({
      err: null,
      address: [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:4700::1', family: 6 },
      ],
    })
    expect(await runLookup(lookup, {})).toEqual({ err: null, address: '93.184.216.34' })
  })

  it('stops DNS rebinding: passes registration, refused at connection time', async () => {
    const url = `http://hooks.example.org:${port}/ok`
    const check = await checkWebhookUrl(url, {
      allowPrivate: false,
      requireHttps: false,
      lookup: async () => [{ address: '93.184.216.34', family: 4 }],
    })
    expect(check.ok).toBe(true)

    // Now the name rebinds to loopback. The fake resolver means no real DNS and no non-loopback traffic.
    const request = (allowPrivate: boolean) =>
      new Promise<{ status?: number; code?: string }>((resolve) => {
        const req = http.request(url, {
          method: 'POST',
          agent: false,
          lookup: guardedLookup({ allowPrivate, resolve: fakeResolver('127.0.0.1') }),
        })
        req.on('response', (res) => {
          res.resume()
          resolve({ status: res.statusCode ?? 0 })
        })
        req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ? { code: err.code } : {}))
        req.end('{}')
      })
    const before = hitsOn('/ok')
    expect(await request(false)).toEqual({ code: 'EFORBIDDENADDRESS' })
    expect(hitsOn('/ok')).toBe(before)
    // Control: the same request with private targets allowed does go through the injected lookup.
    expect(await request(true)).toEqual({ status: 200 })
    expect(hitsOn('/ok')).toBe(before + 1)
  })
})

describe('checkWebhookUrl', () => {
  const publicLookup = async () => [{ address: '93.184.216.34', family: 4 }]
  const strict = { allowPrivate: false, requireHttps: false, lookup: publicLookup }

  it('accepts a public https URL', async () => {
    const check = await checkWebhookUrl('https://hooks.example.org/courtbell', {
      ...strict,
      requireHttps: true,
    })
    expect(check.ok && check.url.href).toBe('https://hooks.example.org/courtbell')
  })

  it.each([
    ['not a url', 'not a valid URL'],
    ['ftp://hooks.example.org/x', 'scheme'],
    ['https://user:pw@hooks.example.org/x', 'credentials'],
    ['http://127.0.0.1/x', 'forbidden address 127.0.0.1'],
    ['http://2130706433/x', 'forbidden address 127.0.0.1'],
    ['http://[::1]:8080/x', 'forbidden address ::1'],
    ['http://[::ffff:169.254.169.254]/x', 'forbidden address ::ffff:a9fe:a9fe'],
  ])('refuses %s', async (raw, reason) => {
    const check = await checkWebhookUrl(raw, strict)
    expect(check.ok).toBe(false)
    expect(!check.ok && check.reason).toContain(reason)
  })

  it('refuses http when https is required', async () => {
    const check = await checkWebhookUrl('http://hooks.example.org/x', { ...strict, requireHttps: true })
    expect(!check.ok && check.reason).toContain('https')
  })

  it('refuses a name with any forbidden address, or none', async () => {
    const mixed = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '::1', family: 6 },
    ]
    const check = await checkWebhookUrl('http://localhost/x', { ...strict, lookup: mixed })
    expect(!check.ok && check.reason).toBe('host localhost resolves to forbidden address ::1')
    const failing = async () => Promise.reject(new Error('ENOTFOUND'))
    expect((await checkWebhookUrl('http://nowhere.invalid/x', { ...strict, lookup: failing })).ok).toBe(false)
    expect((await checkWebhookUrl('http://empty.invalid/x', { ...strict, lookup: async () => [] })).ok).toBe(
      false,
    )
  })

  it('allows private targets when told to', async () => {
    const check = await checkWebhookUrl('http://127.0.0.1:3000/hook', {
      allowPrivate: true,
      requireHttps: false,
    })
    expect(check.ok).toBe(true)
  })
})

describe('isForbiddenAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.255.254',
    '0.0.0.0',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.255',
    '224.0.0.1',
    '239.255.255.250',
    '240.0.0.1',
    '255.255.255.255',
    '192.0.0.8',
    '192.0.2.1',
    '198.18.0.1',
    '198.19.255.255',
    '198.51.100.7',
    '203.0.113.9',
    '::',
    '::1',
    '0:0:0:0:0:0:0:1',
    '[::1]',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'fe80::1%eth0',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '::ffff:10.0.0.1',
    '::ffff:0:127.0.0.1',
    '::127.0.0.1',
    '64:ff9b::7f00:1',
    '64:ff9b::169.254.169.254',
    '2002:7f00:1::1',
    '2001:db8::1',
    '2001:db8:ffff::1',
    'localhost',
    '',
    '1.2.3',
  ])('forbids %s', (ip) => {
    expect(isForbiddenAddress(ip)).toBe(true)
  })

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '1.1.1.1',
    '11.0.0.1',
    '172.15.255.255',
    '172.32.0.1',
    '100.63.255.255',
    '100.128.0.1',
    '192.169.0.1',
    '198.20.0.1',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
    '2a00:1450:4001:80b::200e',
    '::ffff:93.184.216.34',
    '::ffff:5db8:d822',
    '64:ff9b::93.184.216.34',
    '2002:5db8:d822::1',
  ])('allows %s', (ip) => {
    expect(isForbiddenAddress(ip)).toBe(false)
  })
})

describe('event cache of the webhook worker', () => {
  const eventRecord = (id: string): EventRecord => ({
    id,
    type: 'webhook.test',
    timestamp: '2026-12-14T04:00:00.000Z',
    hearingId: null,
    caseId: null,
    data: { hearing: null, case: null, endpointId: 'whe_1' },
  })
  /** A store holding `ids`, counting the reads that reach it. */
  function countingStore(ids: string[]) {
    const reads: string[] = []
    const store = {
      async get(id: string) {
        reads.push(id)
        await new Promise((resolve) => setTimeout(resolve, 5))
        return ids.includes(id) ? eventRecord(id) : undefined
      },
    } as unknown as Store
    return { store, reads }
  }

  it('reads an event once for all its deliveries, and hands out the body a receiver gets', async () => {
    const { store, reads } = countingStore(['evt_a'])
    const cache = createEventCache({ store })
    const first = await Promise.all(Array.from({ length: 50 }, () => cache.get('evt_a')))
    const later = await cache.get('evt_a')
    expect(reads).toEqual(['evt_a'])
    expect(later?.event).toEqual(eventRecord('evt_a'))
    expect(later?.webhookBody).toBe(webhookBody(eventRecord('evt_a')))
    expect(JSON.parse(later?.webhookBody ?? '')).not.toHaveProperty('data.endpointId')
    expect(first.every((x) => x === first[0])).toBe(true)
  })

  it('does not remember an event that is not there', async () => {
    const { store, reads } = countingStore([])
    const cache = createEventCache({ store })
    expect(await cache.get('evt_gone')).toBeUndefined()
    expect(await cache.get('evt_gone')).toBeUndefined()
    expect(reads).toEqual(['evt_gone', 'evt_gone'])
  })

  it('keeps only the most recently used events', async () => {
    const { store, reads } = countingStore(['evt_1', 'evt_2', 'evt_3'])
    const cache = createEventCache({ store, size: 2 })
    for (const id of ['evt_1', 'evt_2', 'evt_1', 'evt_3']) await cache.get(id)
    // evt_2 was the least recently used when evt_3 came in; evt_1 stayed.
    await cache.get('evt_1')
    await cache.get('evt_2')
    expect(reads).toEqual(['evt_1', 'evt_2', 'evt_3', 'evt_2'])
  })
})
