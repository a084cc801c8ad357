import closeWithGrace from 'close-with-grace'
import { ConfigError, loadConfig } from '../config/index.js'
import { startWorkers, type Workers } from '../workers/index.js'
import { buildApp } from './app.js'
import { createMailer } from './email/mailer.js'
import { reportAdminKey } from './keys/admin-key.js'
import { buildWorkerHttp } from './metrics/worker-http.js'
import { ensureRedis } from './platform/embedded-redis.js'
import { createLogger } from './platform/logger.js'
import { closeQueues, createQueues } from './platform/queues.js'
import { closeWorkerConnection, connectForApi, workerConnectionOptions } from './platform/redis.js'
import { checkRedisSettings } from './platform/redis-checks.js'
import { createKeys } from './platform/redis-keys.js'
import { createServices } from './services.js'

/**
 * The composition root: one process runs the API, the workers, or both (ROLE). It is the only module that
 * knows both src/ and workers/.
 */
async function main() {
  let config: ReturnType<typeof loadConfig>
  try {
    config = loadConfig()
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    console.error(`courtbell: ${err.message}`)
    process.exit(1)
  }
  const log = createLogger(config.logLevel)
  const stopEmbeddedRedis =
    config.redis.embedded === 'auto' && config.redis.topology.kind === 'single'
      ? await ensureRedis(config.redis.url, config.dataDir, log)
      : undefined

  const redis = connectForApi(config.redis)
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'))
  await redis.connect()
  await checkRedisSettings(redis, config, log)

  const queues = createQueues(redis, {
    prefix: createKeys(config.redis.prefix).queuePrefix,
    retryScheduleMs: config.retryScheduleMs,
    log,
  })
  const services = await createServices({ redis, config, log, queues })
  reportAdminKey(await services.keys.ensureAdminKey(config.adminApiKey), {
    production: config.env === 'production',
    log,
    print: (text) => process.stdout.write(text),
  })

  const app =
    config.role !== 'worker'
      ? await buildApp(services)
      : config.metricsPort !== undefined
        ? await buildWorkerHttp(services)
        : undefined
  const mailer =
    config.role === 'api'
      ? undefined
      : createMailer({
          smtpUrl: config.mail.smtpUrl,
          outboxDir: config.mail.outboxDir,
          from: config.mail.from,
          log,
        })
  const workerConnection = mailer && workerConnectionOptions(config.redis)
  const workers: Workers | undefined =
    mailer && workerConnection && startWorkers(services, { connection: workerConnection, mailer })
  if (app)
    await app.listen({
      port: config.role === 'worker' ? (config.metricsPort as number) : config.http.port,
      host: config.http.host,
    })
  log.info(
    {
      role: config.role,
      env: config.env,
      redis: config.redis.topology.kind,
      smtp: config.mail.smtpUrl ? 'smtp' : `outbox ${config.mail.outboxDir}`,
    },
    'courtbell started',
  )

  closeWithGrace({ delay: config.shutdownGraceMs + 2000 }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'shutting down after an error')
    else log.info({ signal }, 'shutting down: finishing work in flight')
    await app?.close()
    const finished = (await workers?.close(config.shutdownGraceMs)) ?? true
    if (!finished)
      log.warn(
        { graceMs: config.shutdownGraceMs },
        'grace period over: unfinished jobs will be picked up by another worker',
      )
    await mailer?.close()
    if (workerConnection) await closeWorkerConnection(workerConnection)
    await closeQueues(queues)
    await redis.quit().catch(() => undefined)
    stopEmbeddedRedis?.()
  })
}

main().catch((err) => {
  console.error('courtbell failed to start:', err instanceof Error ? err.message : err)
  process.exit(1)
})
