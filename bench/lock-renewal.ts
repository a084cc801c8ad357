/**
 * npx tsx bench/lock-renewal.ts [--seconds=20]
 *
 * What the short job lock costs Redis: one BullMQ worker (concurrency 50, as courtbell's webhook worker) holds
 * 50 jobs that take longer than the window, with lockDuration L and the stalled check every L/2 (as
 * workers/index.ts sets them), on a private redis-server. Counted over the window from INFO commandstats:
 * the commands Redis ran (those inside scripts included) and the CPU time it spent on them. A worker renews all
 * its locks in one script call (one round trip), which does a few commands per job held: the cost grows with
 * the jobs held × 1/L.
 */
import { Queue, Worker } from 'bullmq'
import { startPrivateRedis } from './lib/redis-server.js'
import { sleep } from './lib/util.js'

const seconds = Number(process.argv.find((a) => a.startsWith('--seconds='))?.slice('--seconds='.length) ?? 20)
const HELD = 50
const LOCKS_MS = [30_000, 5000, 2000]

type Stats = Map<string, { calls: number; usec: number }>
function commandStats(info: string): Stats {
  const stats: Stats = new Map()
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm))
    stats.set(m[1] as string, { calls: Number(m[2]), usec: Number(m[3]) })
  return stats
}

const redis = await startPrivateRedis({ hz: 100 })
const connection = { url: redis.url, maxRetriesPerRequest: null }
const rows: string[] = []
try {
  for (const lockMs of LOCKS_MS) {
    const prefix = `lk${lockMs}`
    const queue = new Queue('held', { connection, prefix })
    await queue.addBulk(Array.from({ length: HELD }, (_, i) => ({ name: 'held', data: { i } })))
    const worker = new Worker('held', () => sleep((seconds + 10) * 1000), {
      connection,
      prefix,
      concurrency: HELD,
      lockDuration: lockMs,
      stalledInterval: Math.ceil(lockMs / 2),
    })
    worker.on('error', () => undefined)
    while ((await queue.getActiveCount()) < HELD) await sleep(50)
    await redis.client.config('RESETSTAT')
    const started = Date.now()
    await sleep(seconds * 1000)
    const stats = commandStats(await redis.client.info('commandstats'))
    const elapsed = (Date.now() - started) / 1000
    // The reading itself (CONFIG, INFO) is not the worker's.
    const worker_ = [...stats].filter(([name]) => !['config|resetstat', 'info'].includes(name))
    const calls = worker_.reduce((n, [, s]) => n + s.calls, 0)
    const usec = worker_.reduce((n, [, s]) => n + s.usec, 0)
    const scripts = worker_.filter(([name]) => name.startsWith('eval')).reduce((n, [, s]) => n + s.calls, 0)
    const top = worker_
      .sort(([, a], [, b]) => b.calls - a.calls)
      .slice(0, 3)
      .map(([name, s]) => `${name} ${(s.calls / elapsed).toFixed(1)}`)
      .join(', ')
    rows.push(
      `| ${lockMs / 1000} s | ${lockMs / 2000} s | ${(calls / elapsed).toFixed(2)} | ${(scripts / elapsed).toFixed(2)} | ${(usec / elapsed).toFixed(0)} µs | ${((usec / elapsed / 1e6) * 100).toFixed(3)} % | ${top} |`,
    )
    await worker.close(true)
    await queue.obliterate({ force: true })
    await queue.close()
  }
} finally {
  await redis.destroy()
}
console.log(`Redis ${redis.version}; one worker holding ${HELD} jobs for ${seconds} s per setting\n`)
console.log(
  '| lockDuration | stalled check | commands/s | of which scripts/s | Redis CPU per s | of one core | most called (per s) |',
)
console.log('| --- | --- | --- | --- | --- | --- | --- |')
for (const row of rows) console.log(row)
