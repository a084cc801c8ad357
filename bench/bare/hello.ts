/**
 * The ceiling for section 1: a bare Fastify hello-world, started the same way as courtbell (its own
 * process, node --import tsx). With REDIS_URL and REDIS_PREFIX (a courtbell store's prefix) it also
 * serves what the least a route can do costs once Redis is in it — context rows, not targets:
 *   GET /redis?id=      one Redis GET of a stored record, JSON.parse, the object back;
 *   GET /list?min=&max= one ZRANGE of the hearings index and one MGET of 50 records, parsed and sent back;
 *   POST /create        one MULTI (record + index entry) and one addBulk of 3 delayed jobs and an event job.
 */
import { Queue } from 'bullmq'
import Fastify from 'fastify'
import { Redis } from 'ioredis'
import { createKeys } from '../../src/platform/redis-keys.js'

const app = Fastify({ logger: false })
app.get('/hello', async () => ({ hello: 'world' }))
const { REDIS_URL, REDIS_PREFIX } = process.env
const redis = REDIS_URL ? new Redis(REDIS_URL) : undefined
const queue = redis
  ? new Queue('bare-create', { connection: redis, prefix: `${REDIS_PREFIX}:bare` })
  : undefined

if (redis && queue && REDIS_PREFIX) {
  const keys = createKeys(REDIS_PREFIX)
  app.get<{ Querystring: { id: string } }>('/redis', async (req, reply) => {
    const raw = await redis.get(keys.record(req.query.id))
    if (raw === null) return reply.code(404).send({})
    return JSON.parse(raw) as unknown
  })
  app.get<{ Querystring: { min: string; max: string } }>('/list', async (req) => {
    const members = await redis.zrange(
      keys.index('hearings'),
      req.query.min,
      req.query.max,
      'BYLEX',
      'LIMIT',
      0,
      51,
    )
    const page = members.slice(0, 50)
    const raws =
      page.length > 0 ? await redis.mget(page.map((m) => keys.record(m.slice(m.lastIndexOf('|') + 1)))) : []
    return {
      items: raws.map((raw) => (raw === null ? null : (JSON.parse(raw) as unknown))),
      nextCursor: members.length > 50 ? Buffer.from(page.at(-1) as string).toString('base64url') : null,
    }
  })
  let n = 0
  app.post<{ Body: Record<string, unknown> }>('/create', async (req, reply) => {
    const id = `bare_${process.pid}_${n++}`
    const now = Date.now()
    const record = { ...req.body, id, createdAt: new Date(now).toISOString() }
    await redis
      .multi()
      .set(keys.record(id), JSON.stringify(record))
      .zadd(keys.index('bare-hearings'), 0, `${now}|${id}`)
      .exec()
    await queue.addBulk([
      ...[7, 1, 0.1].map((days) => ({
        name: 'reminder',
        data: { hearingId: id, version: 1 },
        opts: { jobId: `${id}_${days}`, delay: days * 86_400_000 },
      })),
      { name: 'event', data: { hearingId: id }, opts: { jobId: `${id}_evt` } },
    ])
    return reply.code(201).send(record)
  })
}
await app.listen({ port: Number(process.env.PORT ?? 3999), host: '127.0.0.1' })
console.log('bare fastify started')
process.once('SIGTERM', () => {
  app.close().then(
    async () => {
      await queue?.close()
      redis?.disconnect()
      process.exit(0)
    },
    () => process.exit(1),
  )
})
