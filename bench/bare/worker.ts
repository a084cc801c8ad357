/**
 * A bare BullMQ worker in its own process, the baseline of sections 2 and 3: no store, no records, just
 * the job. BARE_MODE:
 *   noop    — does nothing; notes (start time, the job's dueAt) for the lag of a delayed job
 *   webhook — one HTTP POST of the same body, with Standard Webhooks headers, per job (default agent)
 *   email   — one nodemailer send of the same message through a pooled SMTP transport (same options as courtbell)
 * It says 'ready' over IPC, and answers a 'report' message with what it noted.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import { type Job, Worker } from 'bullmq'
import nodemailer from 'nodemailer'

const env = (name: string) => {
  const value = process.env[name]
  if (value === undefined) throw new Error(`${name} is required`)
  return value
}
const redisUrl = new URL(env('REDIS_URL'))
const mode = env('BARE_MODE')
const payload = process.env.BARE_PAYLOAD
  ? (JSON.parse(readFileSync(process.env.BARE_PAYLOAD, 'utf8')) as Record<string, string>)
  : {}
let starts: number[] = []
let dues: number[] = []

let process_: (job: Job) => Promise<unknown>
if (mode === 'noop') {
  process_ = async (job) => {
    starts.push(Date.now())
    dues.push(Number(job.data.dueAt ?? 0))
  }
} else if (mode === 'webhook') {
  const target = new URL(env('BARE_TARGET'))
  const body = payload.body ?? '{}'
  const key = randomBytes(24)
  process_ = (job) =>
    new Promise<void>((resolve, reject) => {
      const id = String(job.data.deliveryId)
      const ts = Math.floor(Date.now() / 1000)
      const sig = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64')
      const req = http.request(target, {
        method: 'POST',
        headers: {
          'webhook-id': id,
          'webhook-timestamp': String(ts),
          'webhook-signature': `v1,${sig}`,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
        },
        timeout: 10_000,
      })
      req.on('response', (res) => {
        res.resume()
        res.on('end', () =>
          res.statusCode && res.statusCode < 300 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
        )
      })
      req.on('timeout', () => req.destroy(new Error('timeout')))
      req.on('error', reject)
      req.end(body)
    })
} else if (mode === 'email') {
  const transport = nodemailer.createTransport({
    url: env('BARE_TARGET'),
    pool: true,
    maxConnections: 5,
    disableFileAccess: true,
    disableUrlAccess: true,
    tls: { rejectUnauthorized: false },
  })
  process_ = async (job) => {
    await transport.sendMail({
      from: 'bare <no-reply@bench.local>',
      to: String(job.data.to ?? 'someone@example.org'),
      subject: payload.subject ?? 'reminder',
      text: payload.text ?? '',
      html: payload.html ?? '',
      messageId: `<${job.data.deliveryId}@bench.local>`,
      headers: payload.headers ? (JSON.parse(payload.headers) as Record<string, string>) : {},
    })
  }
} else throw new Error(`unknown BARE_MODE ${mode}`)

const worker = new Worker(env('BARE_QUEUE'), process_, {
  connection: {
    host: redisUrl.hostname,
    port: Number(redisUrl.port || 6379),
    maxRetriesPerRequest: null,
  },
  prefix: env('BARE_PREFIX'),
  concurrency: Number(env('BARE_CONCURRENCY')),
})
worker.on('error', (err) => console.error('worker error', err.message))
worker.on('failed', (job, err) => console.error('job failed', job?.id, err.message))
await worker.waitUntilReady()
process.send?.('ready')
console.log(`bare worker ready: ${mode}`)

process.on('message', (m) => {
  if (m !== 'report') return
  process.send?.({ starts, dues })
  starts = []
  dues = []
})
process.once('SIGTERM', () => {
  worker.close().then(
    () => process.exit(0),
    () => process.exit(1),
  )
})
