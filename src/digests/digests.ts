import type { Config } from '../../config/index.js'
import type { DeliveryStore } from '../deliveries/delivery.store.js'
import type { HearingStore } from '../hearings/hearing.store.js'
import type { Logger } from '../platform/logger.js'
import type { Queues } from '../platform/queues.js'
import type { Store } from '../platform/store.js'
import type { SubscriptionStore } from '../subscriptions/subscription.store.js'
import type { Tokens } from '../subscriptions/tokens.js'
import type { DeadlineSource } from './digest.schema.js'
import { createDigestPlanner } from './planner.js'
import { createDigestSender } from './sender.js'
import { createDigestStop } from './stop.js'

/** The digest room: the pass that plans digests, the job that sends one, the link that stops them. */
export function createDigests(deps: {
  store: Store
  subscriptions: SubscriptionStore
  hearings: HearingStore
  deliveries: DeliveryStore
  queues: Pick<Queues, 'digests' | 'email'>
  tokens: Tokens
  config: Pick<Config, 'digests'>
  log: Logger
  /** Where open deadlines come from (noDeadlines until the deadlines feature is wired in). */
  deadlines: DeadlineSource
}) {
  return {
    planner: createDigestPlanner(deps),
    sender: createDigestSender(deps),
    stop: createDigestStop(deps),
  }
}
export type Digests = ReturnType<typeof createDigests>
