import { execFileSync, spawn } from 'node:child_process'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { processEnv } from '../faults/support.js'
import { freePort, sleep } from '../helpers/async.js'
import { deleteKeys } from '../helpers/harness.js'

/**
 * What a process manager, a container runtime or Ctrl-C through npm does: SIGTERM to the process that
 * `npm start` started. Everything it started must go, and the port must be free again (issue 14, point 4).
 */
const root = fileURLToPath(new URL('../..', import.meta.url))
const prefix = `cbtest-npm-start-${process.pid}`
/** Whatever npm start started, so that a failing run leaves nothing behind. */
const spawned = new Set<number>()

afterAll(async () => {
  for (const pid of spawned)
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  const redis = new Redis(processEnv(prefix).REDIS_URL as string)
  await deleteKeys(redis, prefix)
  await redis.quit()
})

/** The pids of every process below `pid`. */
function descendants(pid: number): number[] {
  let out = ''
  try {
    out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
  } catch {
    return [] // ps exits 1 when there are none
  }
  const children = out.split('\n').map(Number).filter(Boolean)
  return children.flatMap((child) => [child, ...descendants(child)])
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const portAnswers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })

describe('npm start', () => {
  it('runs one service that a SIGTERM stops entirely, freeing its port', async () => {
    const port = await freePort()
    const npm = spawn('npm', ['start'], {
      cwd: root,
      env: { ...process.env, ...processEnv(prefix, { PORT: String(port), EMBEDDED_REDIS: 'off' }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const lines: string[] = []
    const collect = (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n'))
    npm.stdout.on('data', collect)
    npm.stderr.on('data', collect)
    const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)))
    spawned.add(npm.pid as number)

    const deadline = Date.now() + 60_000
    while (!lines.some((l) => l.includes('courtbell started'))) {
      if (npm.exitCode !== null) throw new Error(`npm start exited early:\n${lines.join('\n')}`)
      if (Date.now() > deadline) throw new Error(`npm start did not start:\n${lines.join('\n')}`)
      await sleep(100)
    }
    expect(await portAnswers(port)).toBe(true)
    const started = descendants(npm.pid as number)
    for (const pid of started) spawned.add(pid)
    // npm, the shell it may use, and one node process: no wrapper process with a child of its own.
    const nodes = started.filter(
      (pid) => execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' }).trim() === 'node',
    )
    expect(nodes).toHaveLength(1)

    npm.kill('SIGTERM')
    await exited
    const stopBy = Date.now() + 15_000
    while (started.some(alive) && Date.now() < stopBy) await sleep(100)
    expect(started.filter(alive), `still running after SIGTERM:\n${lines.join('\n')}`).toEqual([])
    expect(await portAnswers(port)).toBe(false)
    expect(lines.join('\n')).toContain('shutting down')
  }, 120_000)
})
