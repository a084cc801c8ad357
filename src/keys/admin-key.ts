import type { Logger } from 'pino'
import { type AdminKeyOutcome, hashApiKey } from './key.store.js'

/** Admin keys printed in the README's walkthrough: anyone who read it knows them. */
export const EXAMPLE_ADMIN_KEYS = ['change-me-admin-key-0001'] as const

const exampleHashes = new Set(EXAMPLE_ADMIN_KEYS.map(hashApiKey))

/**
 * Tells the operator what start-up did to the admin key: a generated key is printed once (to stdout, not
 * the log, so log shippers do not keep it); a configured key that replaces another is logged, since the
 * other one stops working; in production an admin key copied from the README is a warning at every start.
 */
export function reportAdminKey(
  outcome: AdminKeyOutcome,
  opts: { production: boolean; log: Logger; print: (text: string) => void },
) {
  const { log } = opts
  if (outcome.kind === 'generated')
    opts.print(
      `\n  courtbell generated an admin API key (shown once, stored hashed):\n\n    ${outcome.key}\n\n`,
    )
  if (outcome.kind === 'replaced')
    log.warn(
      { previousKey: outcome.previous.name, previousKeySince: outcome.previous.createdAt },
      'ADMIN_API_KEY replaces the earlier admin key: the earlier one no longer works',
    )
  if (outcome.kind === 'configured') log.info('admin key set from ADMIN_API_KEY')
  if (opts.production && exampleHashes.has(outcome.keyHash))
    log.warn(
      'the admin key is an example key from the README: anyone can use it; set ADMIN_API_KEY to a secret of your own and restart',
    )
}
