import type { Config } from '../config/index.js'
import { createCaseStore } from './cases/case.store.js'
import { createDeliveryStore } from './deliveries/delivery.store.js'
import { createFanOut } from './deliveries/fanout.js'
import { noDeadlines } from './digests/digest.schema.js'
import { createDigests } from './digests/digests.js'
import { createEndpointStore } from './endpoints/endpoint.store.js'
import { hearingKind } from './hearings/hearing.dated.js'
import { createHearingService } from './hearings/hearing.service.js'
import { createHearingStore } from './hearings/hearing.store.js'
import { createRateLimiter } from './http/rate-limit.js'
import { createKeyStore } from './keys/key.store.js'
import { createCrashPoint } from './platform/crash-point.js'
import type { Logger } from './platform/logger.js'
import type { Queues } from './platform/queues.js'
import type { Redis } from './platform/redis.js'
import { createKeys } from './platform/redis-keys.js'
import { createStore } from './platform/store.js'
import { createDatedKinds } from './reminders/dated-item.js'
import { createReminderFiring } from './reminders/fire.js'
import { createFollowers } from './reminders/followers.js'
import { createScheduler } from './reminders/scheduler.js'
import { createSubscriptionService } from './subscriptions/subscription.service.js'
import { createSubscriptionStore } from './subscriptions/subscription.store.js'
import { createTokens, loadTokenSecret } from './subscriptions/tokens.js'

/** The composition of the domain: every store and service, wired once, shared by the API and the workers. */
export async function createServices({
  redis,
  config,
  log,
  queues,
}: {
  redis: Redis
  config: Config
  log: Logger
  queues: Queues
}) {
  const store = createStore({ redis, keys: createKeys(config.redis.prefix) })
  const cases = createCaseStore({ store })
  const hearings = createHearingStore({ store })
  const subscriptions = createSubscriptionStore({ store })
  const endpoints = createEndpointStore({ store })
  const deliveries = createDeliveryStore({ store })
  const keys = createKeyStore({ store })
  // The kinds of dated item that have reminders; each brings its store, its schema and its followers rule.
  const kinds = createDatedKinds(store, [hearingKind({ hearings, config, log })])
  const followers = createFollowers({ subscriptions, endpoints, emailed: kinds.emailed })
  const scheduler = createScheduler({ store, kinds, endpoints, followers, queues, log })
  const fanOut = createFanOut({ deliveries, followers, queues })
  const tokens = createTokens(await loadTokenSecret(store))
  const rateLimit = createRateLimiter(store)
  const crashPoint = createCrashPoint(config.crashAt)
  return {
    config,
    log,
    queues,
    store,
    cases,
    hearings,
    subscriptions,
    endpoints,
    deliveries,
    keys,
    followers,
    kinds,
    scheduler,
    fanOut,
    tokens,
    rateLimit,
    digests: createDigests({
      store,
      subscriptions,
      hearings,
      deliveries,
      queues,
      tokens,
      config,
      log,
      deadlines: noDeadlines,
    }),
    fireReminder: createReminderFiring({ store, kinds, followers, fanOut, log }),
    crashPoint,
    hearingService: createHearingService({ hearings, cases, scheduler, queues, config, log, crashPoint }),
    subscriptionService: createSubscriptionService({
      store,
      subscriptions,
      hearings,
      scheduler,
      fanOut,
      tokens,
      rateLimit,
      config,
      log,
    }),
  }
}
export type Services = Awaited<ReturnType<typeof createServices>>
