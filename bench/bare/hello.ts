/**
 * The ceiling for section 1: a bare Fastify hello-world, started the same way as courtbell (its own
 * process, node --import tsx). With REDIS_URL and HELLO_KEY it also serves GET /redis: one Redis GET of
 * a stored hearing, JSON.parse, and the object back — what a route costs once one round trip is in it.
 */
import Fastify from 'fastify'
import { Redis } from 'ioredis'

const app = Fastify({ logger: false })
app.get('/hello', async () => ({ hello: 'world' }))
const { REDIS_URL, HELLO_KEY } = process.env
const redis = REDIS_URL ? new Redis(REDIS_URL) : undefined
if (redis && HELLO_KEY)
  app.get('/redis', async (_req, reply) => {
    const raw = await redis.get(HELLO_KEY)
    if (raw === null) return reply.code(404).send({})
    return JSON.parse(raw) as unknown
  })
await app.listen({ port: Number(process.env.PORT ?? 3999), host: '127.0.0.1' })
console.log('bare fastify started')
process.once('SIGTERM', () => {
  app.close().then(
    () => {
      redis?.disconnect()
      process.exit(0)
    },
    () => process.exit(1),
  )
})
