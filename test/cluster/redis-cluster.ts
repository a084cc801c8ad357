import { spawn } from 'node:child_process'
import { Redis } from 'ioredis'
import { type PrivateRedis, startPrivateRedis } from '../faults/private-redis.js'
import { sleep } from '../helpers/async.js'

/**
 * A Redis Cluster of the test run's own: three primaries (no replicas) on free loopback ports, each a
 * private redis-server (AOF, fsync always), joined with `redis-cli --cluster create`.
 */
export type PrivateCluster = {
  nodes: readonly PrivateRedis[]
  /** REDIS_CLUSTER_NODES for courtbell. */
  nodesSetting: string
  destroy(): Promise<void>
}

export async function startPrivateCluster(primaries = 3): Promise<PrivateCluster> {
  const nodes: PrivateRedis[] = []
  const destroy = async () => {
    await Promise.all(nodes.map((n) => n.destroy()))
  }
  try {
    for (let i = 0; i < primaries; i++)
      nodes.push(
        await startPrivateRedis([
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-node-timeout',
          '2000',
          '--hz',
          '100',
        ]),
      )
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`)
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-yes'])
    const deadline = Date.now() + 30_000
    for (const node of nodes) {
      const client = new Redis({ port: node.port, lazyConnect: true })
      await client.connect()
      try {
        while (!/cluster_state:ok/.test((await client.call('CLUSTER', 'INFO')) as string)) {
          if (Date.now() > deadline) throw new Error(`cluster node ${node.port} not ok in 30 s`)
          await sleep(100)
        }
      } finally {
        client.disconnect()
      }
    }
    return { nodes, nodesSetting: addresses.join(','), destroy }
  } catch (err) {
    await destroy()
    throw err
  }
}

function run(command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = ''
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString()
    })
    child.once('error', reject)
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} failed:\n${output}`)),
    )
  })
}
