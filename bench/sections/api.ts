import { timeKey } from '../../src/platform/store.js'
import type { Ctx } from '../lib/context.js'
import { createCase, wallTime } from '../lib/fixtures.js'
import { type LoadOptions, type LoadResult, load, warm } from '../lib/load.js'
import { benchServices } from '../lib/services.js'
import { deletePrefix, freePort, mapConcurrent, mark, waitFor } from '../lib/util.js'

const SECTION = '1 API'
const DAY = 86_400_000

/**
 * Section 1: requests/s and p50/p99 of three routes under autocannon, each right after a run of the
 * ceiling (a bare Fastify hello-world in its own process) so that both see the same machine load.
 * courtbell runs as ROLE=api and ROLE=worker processes; the worker fans out each created hearing's event.
 */
export async function apiSection(ctx: Ctx) {
  const S = ctx.sizes.api
  const prefix = ctx.newPrefix('api')
  const svc = await benchServices(ctx.redis.url, prefix)
  const started: { stop(): Promise<void> }[] = []
  try {
    // Fixtures through the service's own functions (not measured): a staff key, a case with one
    // subscriber wanting 3 reminders (so each new hearing gets 3 delayed jobs), seeded hearings.
    const staff = await svc.keys.create('bench staff', 'staff')
    const kase = await createCase(svc, 1)
    await svc.subscriptions.upsert(
      { kind: 'case', caseId: kase.id },
      { email: 'lawyer@example.org', name: 'Lawyer', timeZone: null, remindBefore: ['P7D', 'P1D', 'PT2H'] },
      'active',
    )
    const base = Date.now() + 30 * DAY
    const perDay = 10
    const seeded = await mapConcurrent(
      Array.from({ length: S.seedHearings }, (_, i) => i),
      20,
      (i) =>
        svc.hearingService.create(kase, {
          title: `Seeded hearing ${i}`,
          startsAt: wallTime(base + Math.floor(i / perDay) * DAY + (i % perDay) * 1800_000),
          location: 'Courtroom 4',
        }),
    )
    const ids = seeded.map((h) => h.id)
    // The public page of a case as people share it: a handful of hearings, one of them without a time yet.
    const shared = await createCase(svc, 2)
    for (let i = 0; i < 5; i++)
      await svc.hearingService.create(shared, {
        title: `Hearing ${i + 1} on the petition`,
        startsAt:
          i === 4 ? wallTime(base + 60 * DAY).slice(0, 10) : wallTime(base + i * 7 * DAY).slice(0, 16),
        location: 'Courtroom 4',
      })
    mark('api: seeded')

    const helloPort = await freePort()
    const hello = await ctx.startBare({
      name: 'api-bare-fastify',
      script: 'bench/bare/hello.ts',
      env: {
        PORT: String(helloPort),
        REDIS_URL: ctx.redis.url,
        REDIS_PREFIX: prefix,
      },
      readyLine: 'bare fastify started',
    })
    started.push(hello)
    const api = await ctx.startCourtbell({ section: 'api', name: 'api', role: 'api', prefix })
    started.push(api)
    const worker = await ctx.startCourtbell({ section: 'api', name: 'worker', role: 'worker', prefix })
    started.push(worker)
    await worker.waitForLine((l) => l.includes('reconciler pass'), 60_000, 'the start-up reconciler pass')
    await drained(svc, 60_000)
    mark('api: processes ready, events drained')

    const auth = { authorization: `Bearer ${staff.key}` }
    const from = new Date(base).toISOString()
    const to = new Date(base + 10 * DAY).toISOString()
    const listPath = `/v1/hearings?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`
    const check = (await (await fetch(`${api.baseUrl}${listPath}`, { headers: auth })).json()) as {
      items: unknown[]
    }
    if (check.items.length !== 50) throw new Error(`list returned ${check.items.length} items, expected 50`)

    const createBody = JSON.stringify({
      title: 'Appeal hearing',
      startsAt: wallTime(base + 200 * DAY).slice(0, 16),
      location: 'Courtroom 2',
    })
    const ceilingOpts: LoadOptions = {
      url: `http://127.0.0.1:${helloPort}/hello`,
      durationS: S.durationS,
      connections: S.connections,
    }
    const routes: { name: string; target: number; opts: LoadOptions }[] = [
      {
        name: 'GET /v1/hearings/:id',
        target: 0.5,
        opts: {
          url: api.baseUrl,
          durationS: S.durationS,
          connections: S.connections,
          headers: auth,
          path: () => `/v1/hearings/${ids[Math.floor(Math.random() * ids.length)]}`,
        },
      },
      {
        name: 'GET /v1/hearings?from=&to= (50 items)',
        target: 0.2,
        opts: {
          url: `${api.baseUrl}${listPath}`,
          durationS: S.durationS,
          connections: S.connections,
          headers: auth,
        },
      },
      {
        name: 'POST /v1/cases/:id/hearings',
        target: 0.25,
        opts: {
          url: `${api.baseUrl}/v1/cases/${kase.id}/hearings`,
          method: 'POST',
          durationS: S.durationS,
          connections: S.connections,
          headers: { ...auth, 'content-type': 'application/json' },
          body: createBody,
        },
      },
      {
        name: 'GET /c/:caseId (public case page, HTML)',
        target: 0.3,
        opts: {
          url: `${api.baseUrl}/c/${shared.id}`,
          durationS: S.durationS,
          connections: S.connections,
          headers: { accept: 'text/html', 'accept-language': 'ru-RU,ru;q=0.9,en;q=0.8' },
        },
      },
    ]
    const floorOpts: LoadOptions = {
      ...ceilingOpts,
      url: `http://127.0.0.1:${helloPort}/redis?id=${shared.id}`,
    }

    const raw: Record<string, { ceiling: LoadResult; courtbell: LoadResult }> = {}
    // --routes=get,list,post runs a subset (e.g. to profile one route alone).
    const only = ctx.argv
      .find((a) => a.startsWith('--routes='))
      ?.slice('--routes='.length)
      .split(',')
    const keys = ['get', 'list', 'post', 'page']
    for (const [i, route] of routes.entries()) {
      if (only && !only.includes(keys[i] as string)) continue
      await warm(ceilingOpts, S.warmupS)
      const ceiling = await load(ceilingOpts)
      await warm(route.opts, S.warmupS)
      const courtbell = await load(route.opts)
      raw[route.name] = { ceiling, courtbell }
      const bad = courtbell.non2xx + courtbell.errors
      ctx.row({
        section: SECTION,
        metric: `${route.name} req/s`,
        value: courtbell.rps,
        baseline: ceiling.rps,
        baselineLabel: 'bare Fastify hello-world',
        unit: 'req/s',
        target: `ratio ≥ ${route.target}`,
        met: courtbell.rps / ceiling.rps >= route.target && bad === 0,
        ...(bad > 0 ? { note: `${courtbell.non2xx} non-2xx, ${courtbell.errors} errors` } : {}),
      })
      for (const p of ['p50', 'p99'] as const)
        ctx.row({
          section: SECTION,
          metric: `${route.name} latency ${p}`,
          value: courtbell[p],
          baseline: ceiling[p],
          unit: 'ms',
          target: '—',
          met: null,
        })
      if (keys[i] === 'page') {
        // Beside the page: the least any request that reads the case must cost (one Redis GET, no page).
        await warm(floorOpts, S.warmupS)
        const floor = await load(floorOpts)
        ctx.row({
          section: SECTION,
          metric: 'context: bare Fastify + one Redis GET of the case req/s',
          value: floor.rps,
          baseline: ceiling.rps,
          unit: 'req/s',
          target: '—',
          met: null,
          note: 'the floor for /c/:caseId without its in-process page cache: one round trip, no rendering',
        })
      }
      // The POST route ran on while the worker fanned its events out; let it finish before the next run.
      await drained(svc, 120_000)
      mark(`api: ${route.name} done`)
    }
    // Context: the same bare Fastify doing the least each route must do with Redis (no auth, no hooks).
    const bare = `http://127.0.0.1:${helloPort}`
    const contexts: { name: string; opts: LoadOptions; note: string }[] = [
      {
        name: 'one Redis GET of a hearing',
        opts: { ...ceilingOpts, url: `${bare}/redis?id=${ids[0]}` },
        note: 'what one Redis round trip and a JSON parse cost on this machine, beside the hello-world ceiling',
      },
      {
        name: 'one ZRANGE + one MGET of 50 hearings',
        opts: {
          ...ceilingOpts,
          url: `${bare}/list?min=${encodeURIComponent(`[${timeKey(from)}`)}&max=${encodeURIComponent(`(${timeKey(to)}`)}`,
        },
        note: 'the same 50 hearings read and sent back with no auth, no validation, no schema',
      },
      {
        name: 'one MULTI write + addBulk of 4 jobs',
        opts: {
          ...ceilingOpts,
          url: `${bare}/create`,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: createBody,
        },
        note: "a create's least persistent work: record + index entry, 3 delayed reminder jobs and an event job",
      },
    ]
    const context: Record<string, { ceiling: LoadResult; bare: LoadResult }> = {}
    for (const c of contexts) {
      await warm(ceilingOpts, S.warmupS)
      const ceiling = await load(ceilingOpts)
      await warm(c.opts, S.warmupS)
      const result = await load(c.opts)
      context[c.name] = { ceiling, bare: result }
      ctx.row({
        section: SECTION,
        metric: `context: bare Fastify + ${c.name} req/s`,
        value: result.rps,
        baseline: ceiling.rps,
        unit: 'req/s',
        target: '—',
        met: null,
        note: c.note,
      })
    }
    ctx.details.api = { sizes: S, seededHearings: ids.length, raw, context }
  } finally {
    mark('api: stopping')
    for (const p of started.reverse()) await p.stop()
    mark('api: stopped')
    await deletePrefix(ctx.redis.client, prefix)
    await svc.close()
  }
}

/** Until the events queue has nothing waiting or running (bounded). */
async function drained(svc: Awaited<ReturnType<typeof benchServices>>, timeoutMs: number) {
  await waitFor(
    'the events queue to drain',
    timeoutMs,
    async () => {
      const counts = await svc.queues.events.getJobCounts('waiting', 'active', 'paused', 'prioritized')
      return Object.values(counts).every((n) => n === 0) ? true : undefined
    },
    100,
  )
}
