import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, killAll, processEnv } from '../faults/support.js'
import { eventually, type Harness, startHarness } from '../helpers/harness.js'
import { type CourtbellProcess, startCourtbell } from '../helpers/process.js'

/** A worker process (ROLE=worker) with METRICS_PORT serves its own liveness, readiness and metrics. */
const METRICS_TOKEN = 'worker-scrape-token-0123456789'
let h: Harness
let worker: CourtbellProcess
let base: string

beforeAll(async () => {
  h = await startHarness({ name: 'worker-http' })
  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  worker = await startCourtbell(
    processEnv(h.config.redis.prefix, { ROLE: 'worker', METRICS_PORT: String(port), METRICS_TOKEN }),
  )
}, 30_000)
afterAll(async () => {
  await killAll([worker])
  await h?.close()
})

describe('a worker’s HTTP', () => {
  it('answers /healthz and /readyz', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200)
    expect((await fetch(`${base}/readyz`)).status).toBe(200)
  })

  it('serves its metrics to the METRICS_TOKEN only, with the reconciler pass it ran at start', async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(401)
    const staff = await h.auth('staff')
    expect((await fetch(`${base}/metrics`, { headers: staff })).status).toBe(403)
    const scrape = async () => {
      const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
      expect(res.status).toBe(200)
      return res.text()
    }
    const text = await eventually(
      async () =>
        (await scrape()).match(/^courtbell_reconciler_pass_seconds_count [1-9]/m) ? scrape() : undefined,
      10_000,
      'a timed reconciler pass',
    )
    expect(text).toMatch(/^courtbell_reconciler_pass_seconds_count [1-9]/m)
    expect(text).toMatch(/^courtbell_deliveries_total\{channel="webhook",status="succeeded"\} 0$/m)
  })

  it('serves nothing of the API', async () => {
    const res = await fetch(`${base}/v1/cases`, { headers: await h.auth('admin') })
    expect(res.status).toBe(404)
  })
})
