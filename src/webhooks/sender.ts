import http from 'node:http'
import https from 'node:https'
import { isIP } from 'node:net'
import { performance } from 'node:perf_hooks'
import { guardedLookup, isForbiddenAddress, urlHost } from './address-guard.js'
import { webhookAgent } from './agents.js'

export type WebhookResult = {
  ok: boolean // 2xx
  statusCode?: number
  error?: string // short human text, e.g. 'timeout after 10000 ms', 'connection refused'
  durationMs: number
  retryAfterMs?: number // from a Retry-After header (seconds or HTTP date) on 429/503
  permanent?: boolean // 410 Gone and forbidden addresses: no retry
}

export type WebhookRequest = {
  url: string
  headers: Record<string, string>
  body: string
  timeoutMs: number
  allowPrivate: boolean
  maxResponseBytes?: number
}

type Outcome = Omit<WebhookResult, 'durationMs'>

const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024

/** Milliseconds to wait from a Retry-After value: delay-seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

function outcomeOfResponse(res: http.IncomingMessage): Outcome {
  const statusCode = res.statusCode ?? 0
  if (statusCode >= 200 && statusCode < 300) return { ok: true, statusCode }
  const outcome: Outcome = { ok: false, statusCode }
  if (statusCode >= 300 && statusCode < 400) outcome.error = `redirect not followed (${statusCode})`
  else outcome.error = `HTTP ${statusCode}`
  if (statusCode === 410) outcome.permanent = true
  if (statusCode === 429 || statusCode === 503) {
    const header = res.headers['retry-after']
    const retryAfterMs = parseRetryAfter(Array.isArray(header) ? header[0] : header)
    if (retryAfterMs !== undefined) outcome.retryAfterMs = retryAfterMs
  }
  return outcome
}

function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; errors?: { code?: unknown }[] }
  if (typeof e.code === 'string') return e.code
  // With autoSelectFamily, net reports an AggregateError holding one error per address tried.
  const inner = e.errors?.[0]?.code
  return typeof inner === 'string' ? inner : undefined
}

/** What a reused keep-alive connection that the receiver had already closed fails with. */
const isStaleSocket = (err: unknown) => ['ECONNRESET', 'EPIPE'].includes(errorCode(err) ?? '')

function outcomeOfError(err: unknown, host: string): Outcome {
  const code = errorCode(err)
  const message = err instanceof Error && err.message !== '' ? err.message : String(err)
  switch (code) {
    case 'EFORBIDDENADDRESS':
      return { ok: false, error: message, permanent: true }
    case 'ECONNREFUSED':
      return { ok: false, error: 'connection refused' }
    case 'ECONNRESET':
      return { ok: false, error: 'connection reset' }
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { ok: false, error: `cannot resolve ${host}` }
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { ok: false, error: 'host unreachable' }
    default:
      return { ok: false, error: code ? `${code}: ${message}` : message }
  }
}

/** One HTTP POST attempt. Never throws, never follows redirects, never waits longer than timeoutMs. */
export async function postWebhook(req: WebhookRequest): Promise<WebhookResult> {
  const started = performance.now()
  const done = (outcome: Outcome): WebhookResult => ({
    ...outcome,
    durationMs: Math.round(performance.now() - started),
  })

  let url: URL
  try {
    url = new URL(req.url)
  } catch {
    return done({ ok: false, error: 'invalid URL', permanent: true })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return done({ ok: false, error: `unsupported scheme ${url.protocol}`, permanent: true })
  }
  const host = urlHost(url)
  // Node skips `lookup` for IP literals, so the guard has to judge them here.
  if (!req.allowPrivate && isIP(host) && isForbiddenAddress(host)) {
    return done({ ok: false, error: `forbidden address ${host}`, permanent: true })
  }

  const headers = { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) }
  const protocol = url.protocol
  return new Promise<WebhookResult>((resolve) => {
    let settled = false
    let responded: Outcome | undefined
    let current: http.ClientRequest | undefined
    const finish = (outcome: Outcome) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(done(outcome))
    }
    const timer = setTimeout(() => {
      // Once the status line is in, the receiver has answered: a stalled body does not turn it into a failure.
      finish(responded ?? { ok: false, error: `timeout after ${req.timeoutMs} ms` })
      current?.destroy()
    }, req.timeoutMs)

    /** A pooled connection, or (fresh) a new one of its own, checked by the same guard at connect time. */
    const send = (fresh: boolean) => {
      let request: http.ClientRequest
      try {
        request = (protocol === 'https:' ? https.request : http.request)(url, {
          method: 'POST',
          headers,
          ...(fresh
            ? { agent: false, lookup: guardedLookup({ allowPrivate: req.allowPrivate }) }
            : { agent: webhookAgent(protocol, req.allowPrivate) }),
        })
      } catch (err) {
        finish(outcomeOfError(err, host))
        return
      }
      current = request
      request.on('error', (err) => {
        // A receiver may close an idle keep-alive connection just as we reuse it; nothing was answered on it,
        // so try once more on a new connection rather than count a failed attempt.
        if (!fresh && !settled && responded === undefined && request.reusedSocket && isStaleSocket(err))
          send(true)
        else finish(responded ?? outcomeOfError(err, host))
      })
      request.on('response', (res) => {
        const outcome = outcomeOfResponse(res)
        responded = outcome
        const limit = req.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES
        let received = 0
        res.on('data', (chunk: Buffer) => {
          received += chunk.length
          if (received > limit) {
            finish(outcome)
            request.destroy()
          }
        })
        res.on('end', () => finish(outcome))
        res.on('error', () => finish(outcome))
        res.on('close', () => finish(outcome))
      })
      request.end(req.body)
    }
    send(false)
  })
}
