import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Store } from '../platform/store.js'

export type TokenPurpose = 'confirm' | 'unsubscribe' | 'preferences' | 'feed' | 'digest'
export const CONFIRM_TTL_MS = 7 * 24 * 3600 * 1000

/**
 * Signed tokens for the links in emails: bound to one subscription and one purpose. Confirmation links
 * expire; unsubscribe links keep working for as long as the subscription exists. A preferences link names
 * an email address (every subscription of it), not one subscription.
 */
export function createTokens(secret: Buffer) {
  const mac = (payload: string) => createHmac('sha256', secret).update(payload).digest('base64url')
  const addressOf = (email: string) => Buffer.from(email.toLowerCase()).toString('base64url')

  return {
    issuePreferences(email: string): string {
      return this.issue(addressOf(email), 'preferences')
    },

    /** The (lower-case) email address a preferences token names, or undefined. */
    verifyPreferences(token: string): string | undefined {
      const subject = this.verify(token, 'preferences')
      return subject === undefined ? undefined : Buffer.from(subject, 'base64url').toString('utf8')
    },

    issue(subscriptionId: string, purpose: TokenPurpose, now = Date.now()): string {
      const expires = purpose === 'confirm' ? String(now + CONFIRM_TTL_MS) : '0'
      const payload = Buffer.from(`${purpose}.${subscriptionId}.${expires}`).toString('base64url')
      return `${payload}.${mac(payload)}`
    },

    /** The subscription id the token was issued for, or undefined when forged, for another purpose, or expired. */
    verify(token: string, purpose: TokenPurpose, now = Date.now()): string | undefined {
      const [payload, signature, ...rest] = token.split('.')
      if (!payload || !signature || rest.length > 0) return undefined
      const expected = Buffer.from(mac(payload))
      const given = Buffer.from(signature)
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined
      const [kind, id, expires] = Buffer.from(payload, 'base64url').toString('utf8').split('.')
      if (kind !== purpose || !id || expires === undefined) return undefined
      if (expires !== '0' && Number(expires) < now) return undefined
      return id
    },
  }
}
export type Tokens = ReturnType<typeof createTokens>

/** The signing secret is shared by every replica through the store, created by whichever starts first. */
export async function loadTokenSecret(store: Store): Promise<Buffer> {
  await store.redis.set(store.keys.tokenSecret, randomBytes(32).toString('base64'), 'NX')
  return Buffer.from((await store.redis.get(store.keys.tokenSecret)) as string, 'base64')
}
