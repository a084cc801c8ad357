import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Redis } from 'ioredis'

import { sleep } from '../../test/helpers/async.js'

export { freePort, mapConcurrent, sleep } from '../../test/helpers/async.js'

/** A sleep that does not keep the process alive: for the losing side of a Promise.race. */
export const idleSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref())

/** Polls `check` until it returns a value, or throws after timeoutMs (every wait in the bench is bounded). */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => T | undefined | Promise<T | undefined>,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(everyMs)
  }
}

/** Nearest-rank percentile of an unsorted list (p in 0..100); NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank] as number
}

export function summary(values: readonly number[]) {
  return {
    n: values.length,
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    // reduce, not Math.max(...values): large samples would overflow the stack.
    max: values.length === 0 ? Number.NaN : values.reduce((a, b) => Math.max(a, b)),
    min: values.length === 0 ? Number.NaN : values.reduce((a, b) => Math.min(a, b)),
  }
}

export const median = (values: readonly number[]) => percentile(values, 50)

/** Deletes every key under `prefix:` (SCAN + UNLINK): only keys this bench created. */
export async function deletePrefix(redis: Redis, prefix: string) {
  let cursor = '0'
  let deleted = 0
  let rounds = 0
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5000)
    cursor = next
    if (keys.length > 0) deleted += await redis.unlink(...keys)
    if (++rounds > 10_000_000) throw new Error('deletePrefix: too many rounds')
  } while (cursor !== '0')
  return deleted
}

const t0 = Date.now()
/** With BENCH_DEBUG=1, prints how far into the run a phase begins (to find where the time goes). */
export function mark(label: string) {
  if (process.env.BENCH_DEBUG)
    process.stderr.write(`  [${((Date.now() - t0) / 1000).toFixed(1)} s] ${label}\n`)
}

let scratchRoot: string | undefined
/** A fresh directory under this run's scratch root in the system temp dir (removed by removeScratch()). */
export function scratchDir(name: string): string {
  scratchRoot ??= mkdtempSync(join(tmpdir(), 'courtbell-bench-'))
  const dir = mkdtempSync(join(scratchRoot, `${name}-`))
  mkdirSync(dir, { recursive: true })
  return dir
}
export function removeScratch() {
  if (scratchRoot) rmSync(scratchRoot, { recursive: true, force: true })
  scratchRoot = undefined
}
