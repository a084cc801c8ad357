import { loadConfig } from '../../config/index.js'
import type { Hearing } from '../../src/hearings/hearing.schema.js'
import { createLogger } from '../../src/platform/logger.js'
import { closeQueues, createQueues, type ReminderJobData } from '../../src/platform/queues.js'
import { connectForApi } from '../../src/platform/redis.js'
import { createKeys } from '../../src/platform/redis-keys.js'
import { reminderDueAt } from '../../src/platform/time.js'
import { createServices, type Services } from '../../src/services.js'
import { scratchDir } from './util.js'

export const ADMIN_KEY = 'bench-admin-key-0123456789'
/** The owner recorded on endpoints the bench writes directly (the configured admin key's record id). */
export const ADMIN_OWNER = { id: 'key_admin', scope: 'admin' }

export type BenchServices = Services & { close(): Promise<void> }

/**
 * courtbell's own composition (src/services.ts) inside the bench process, on the deployment's prefix: the
 * bench writes fixtures through the service's store and scheduler functions when a measurement is not
 * about HTTP, which is much faster than a request per record and writes exactly the same keys.
 */
export async function benchServices(redisUrl: string, prefix: string): Promise<BenchServices> {
  const config = loadConfig({
    NODE_ENV: 'development',
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    ADMIN_API_KEY: ADMIN_KEY,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    LOG_LEVEL: 'silent',
    DATA_DIR: scratchDir('svc'),
    EMBEDDED_REDIS: 'off',
  })
  const log = createLogger('silent')
  const redis = connectForApi(config.redis)
  redis.on('error', () => undefined)
  await redis.connect()
  const queues = createQueues(redis, {
    prefix: createKeys(prefix).queuePrefix,
    retryScheduleMs: config.retryScheduleMs,
    log,
  })
  const services = await createServices({ redis, config, log, queues })
  await services.keys.ensureAdminKey(ADMIN_KEY)
  return {
    ...services,
    async close() {
      await closeQueues(queues)
      await redis.quit().catch(() => undefined)
    },
  }
}

/**
 * How much later than its due moment each reminder job is set to fire: BullMQ fires a delayed job at
 * timestamp + delay; the due moment is derived from its hearing as stored (jobs carry no instant).
 */
export async function reminderLateness(
  svc: Services,
  jobs: readonly { data: ReminderJobData; timestamp: number; delay: number }[],
): Promise<number[]> {
  const ids = [...new Set(jobs.map((j) => j.data.h))]
  const hearings = new Map((await svc.store.getMany<Hearing>(ids)).map((h, i) => [ids[i], h]))
  return jobs.flatMap((j) => {
    const h = hearings.get(j.data.h)
    return h ? [j.timestamp + j.delay - Date.parse(reminderDueAt(h.startsAtUtc, h.timeZone, j.data.o))] : []
  })
}
