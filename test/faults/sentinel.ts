import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { freePort, sleep } from '../helpers/async.js'
import { type PrivateRedis, pingRedis, startPrivateRedis } from './private-redis.js'

/**
 * A Sentinel deployment of the test's own on loopback: a primary and a replica (private redis-servers,
 * every write fsynced) and three sentinels with quorum 2 that notice a dead primary after `downAfterMs`.
 * Sentinels are Debian's redis-sentinel (`redis-server --sentinel` where it is missing).
 */
export type SentinelSet = {
  name: string
  primary: PrivateRedis
  replica: PrivateRedis
  sentinelPorts: number[]
  /** REDIS_SENTINELS for courtbell. */
  sentinelsSetting: string
  /** The address the sentinels currently give for the primary. */
  currentPrimaryPort(): Promise<number>
  destroy(): Promise<void>
}

const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL')
})

export async function startSentinelSet(
  opts: { name?: string; downAfterMs?: number; failoverTimeoutMs?: number } = {},
): Promise<SentinelSet> {
  const name = opts.name ?? 'courtbell'
  const primary = await startPrivateRedis()
  const replica = await startPrivateRedis(['--replicaof', '127.0.0.1', String(primary.port)])
  await waitForSync(replica.port)
  const dir = mkdtempSync(join(tmpdir(), 'cb-sentinels-'))
  const sentinels: ChildProcess[] = []
  const sentinelPorts: number[] = []
  const self: SentinelSet = {
    name,
    primary,
    replica,
    sentinelPorts,
    sentinelsSetting: '',
    async currentPrimaryPort() {
      const sentinel = new Redis({ port: sentinelPorts[0] as number, lazyConnect: true })
      try {
        await sentinel.connect()
        const [, port] = (await sentinel.call('SENTINEL', 'get-master-addr-by-name', name)) as string[]
        return Number(port)
      } finally {
        sentinel.disconnect()
      }
    },
    async destroy() {
      for (const s of sentinels) s.kill('SIGKILL')
      await Promise.all([primary.destroy(), replica.destroy()])
      rmSync(dir, { recursive: true, force: true })
    },
  }
  try {
    for (let i = 0; i < 3; i++) {
      const port = await freePort()
      const conf = join(dir, `sentinel-${port}.conf`)
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${name} 127.0.0.1 ${primary.port} 2`,
          `sentinel down-after-milliseconds ${name} ${opts.downAfterMs ?? 1000}`,
          `sentinel failover-timeout ${name} ${opts.failoverTimeoutMs ?? 5000}`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'),
      )
      const child = (await hasRedisSentinel())
        ? spawn('redis-sentinel', [conf], { stdio: 'ignore' })
        : spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' })
      live.add(child)
      child.once('exit', () => live.delete(child))
      sentinels.push(child)
      sentinelPorts.push(port)
      const deadline = Date.now() + 10_000
      while (!(await pingRedis(port))) {
        if (Date.now() > deadline) throw new Error(`sentinel on ${port} did not answer in 10 s`)
        await sleep(50)
      }
    }
    self.sentinelsSetting = sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',')
    await waitForSentinelsToKnowEachOther(sentinelPorts, name)
    return self
  } catch (err) {
    await self.destroy()
    throw err
  }
}

let sentinelBinary: Promise<boolean> | undefined
function hasRedisSentinel(): Promise<boolean> {
  sentinelBinary ??= new Promise((resolve) => {
    const probe = spawn('redis-sentinel', ['--version'], { stdio: 'ignore' })
    probe.once('error', () => resolve(false))
    probe.once('exit', (code) => resolve(code === 0))
  })
  return sentinelBinary
}

async function waitForSync(replicaPort: number) {
  const replica = new Redis({ port: replicaPort, lazyConnect: true })
  await replica.connect()
  try {
    const deadline = Date.now() + 15_000
    while (!/master_link_status:up/.test(await replica.info('replication'))) {
      if (Date.now() > deadline) throw new Error('replica did not sync with its primary in 15 s')
      await sleep(50)
    }
  } finally {
    replica.disconnect()
  }
}

/** A failover needs the quorum to agree: wait until every sentinel sees the replica and the other two. */
async function waitForSentinelsToKnowEachOther(ports: readonly number[], name: string) {
  const deadline = Date.now() + 20_000
  for (const port of ports) {
    const sentinel = new Redis({ port, lazyConnect: true })
    await sentinel.connect()
    try {
      for (;;) {
        const master = (await sentinel.call('SENTINEL', 'master', name)) as string[]
        const field = (f: string) => Number(master[master.indexOf(f) + 1])
        if (field('num-other-sentinels') >= ports.length - 1 && field('num-slaves') >= 1) break
        if (Date.now() > deadline) throw new Error(`sentinel ${port} did not discover its peers in 20 s`)
        await sleep(100)
      }
    } finally {
      sentinel.disconnect()
    }
  }
}
