import autocannon from 'autocannon'

export type LoadResult = {
  rps: number
  p50: number
  p99: number
  mean: number
  total: number
  non2xx: number
  errors: number
  durationS: number
}

export type LoadOptions = {
  url: string
  durationS: number
  connections: number
  method?: 'GET' | 'POST' | 'PATCH'
  headers?: Record<string, string>
  body?: string
  /** Varies each request's path (e.g. a random hearing id). */
  path?: () => string
}

/** One autocannon run (in this process, against a server in another). Latencies in ms. */
export async function load(opts: LoadOptions): Promise<LoadResult> {
  const pathFn = opts.path
  const result = await autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.durationS,
    method: opts.method ?? 'GET',
    ...(opts.headers ? { headers: opts.headers } : {}),
    ...(opts.body !== undefined ? { body: opts.body } : {}),
    ...(pathFn ? { requests: [{ setupRequest: (req) => ({ ...req, path: pathFn() }) }] } : {}),
  })
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    mean: result.latency.average,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    durationS: result.duration,
  }
}

/** A short run whose result is thrown away: JIT, connection pools and caches warm up first. */
export async function warm(opts: LoadOptions, seconds: number) {
  if (seconds > 0) await load({ ...opts, durationS: seconds })
}
