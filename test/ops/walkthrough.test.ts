import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { freePort, sleep } from '../helpers/async.js'
import { deleteKeys, REDIS_URL } from '../helpers/harness.js'

/**
 * The README's walkthrough, pasted as a whole (issue 14, point 10): its blocks run as written in bash, in a
 * directory of their own (so var/ is theirs), with only the ports and the Redis prefix changed.
 */
const root = fileURLToPath(new URL('../..', import.meta.url))
const prefix = `cbtest-walkthrough-${process.pid}`
const dir = mkdtempSync(join(tmpdir(), `${prefix}-`))
for (const entry of ['package.json', 'node_modules', 'src', 'config', 'workers', 'test', 'tsconfig.json'])
  symlinkSync(join(root, entry), join(dir, entry))

const running: ChildProcess[] = []
afterAll(async () => {
  for (const child of running) child.kill('SIGTERM')
  await Promise.all(running.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)))
  const redis = new Redis(REDIS_URL)
  await deleteKeys(redis, prefix)
  await redis.quit()
  rmSync(dir, { recursive: true, force: true })
}, 30_000)

function walkthroughBlocks(): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const section = readme.split('## Five minutes with curl')[1]?.split(/^## /m)[0] ?? ''
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] as string)
}

function run(command: string, env: Record<string, string>) {
  const child = spawn('bash', ['-c', command], {
    cwd: dir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const out = { stdout: '', stderr: '' }
  child.stdout?.on('data', (d) => {
    out.stdout += d
  })
  child.stderr?.on('data', (d) => {
    out.stderr += d
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, out, exited }
}

async function until(what: string, done: () => boolean, ms: number) {
  const deadline = Date.now() + ms
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

describe('the README walkthrough', () => {
  it('runs pasted as a whole, without an error', async () => {
    const [start, ...steps] = walkthroughBlocks()
    expect(steps.length).toBeGreaterThanOrEqual(4)
    const api = String(await freePort())
    const hooks = String(await freePort())
    const ports = (text: string) =>
      text.replaceAll('127.0.0.1:3000', `127.0.0.1:${api}`).replaceAll('127.0.0.1:4000', `127.0.0.1:${hooks}`)
    const [service, receiver] = (start ?? '')
      .split('\n')
      .map((line) => line.replace(/#.*$/, '').trim())
      .filter(Boolean)
    const base = { REDIS_URL, REDIS_PREFIX: prefix, EMBEDDED_REDIS: 'off', NODE_ENV: 'development' }

    const courtbell = run(service as string, { ...base, PORT: api })
    const hooksProcess = run(receiver as string, { PORT: hooks })
    running.push(courtbell.child, hooksProcess.child)
    await until('courtbell', () => courtbell.out.stdout.includes('courtbell started'), 60_000)
    await until('the receiver', () => hooksProcess.out.stdout.includes('listening'), 60_000)

    const pasted = run(`set -e\n${steps.map(ports).join('\n')}`, {})
    running.push(pasted.child)
    const timer = setTimeout(() => pasted.child.kill('SIGKILL'), 60_000)
    const code = await pasted.exited
    clearTimeout(timer)
    const transcript = `stdout:\n${pasted.out.stdout}\nstderr:\n${pasted.out.stderr}`
    expect(code, transcript).toBe(0)
    expect(pasted.out.stderr, transcript).toBe('')
    // Step 4 shows the lawyer's email about the ruling, then every delivery.
    expect(pasted.out.stdout).toMatch(/^Subject: .*/m)
    expect(pasted.out.stdout).toContain('The court refused the petition.')
    expect(pasted.out.stdout).toContain('"remindBefore":["PT2M"]')
    await until(
      'hearing.decided at the receiver',
      () => hooksProcess.out.stdout.includes('hearing.decided'),
      20_000,
    )
    expect(hooksProcess.out.stdout).toContain('signature valid')
    expect(hooksProcess.out.stdout).not.toMatch(/SIGNATURE INVALID|signature not checked/)
  }, 180_000)
})
