import { loadConfig } from '../../config/index.js'
import { createLogger } from '../../src/logger.js'
import { closeQueues, createQueues } from '../../src/queues.js'
import { connectForApi } from '../../src/redis.js'
import { createKeys } from '../../src/redis-keys.js'
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
  const redis = connectForApi(config.redis.url)
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
