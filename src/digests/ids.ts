import { derivedId } from '../platform/ids.js'
import type { DigestFrequency } from './period.js'

/**
 * Everything one digest makes is named by (address, frequency, period): its job, its event and its delivery.
 * Two workers or two passes planning the same digest therefore make one of each.
 */
export function digestIds(address: string, frequency: DigestFrequency, period: string) {
  const deliveryId = derivedId('dlv', 'digest', address.toLowerCase(), frequency, period)
  const hash = deliveryId.slice('dlv_'.length)
  return { periodId: hash, jobId: `dgst_${hash}`, eventId: `evt_${hash}`, deliveryId }
}

/** The field of the plans hash naming an address's digest of one frequency. */
export const planField = (frequency: DigestFrequency, address: string) => `${frequency}|${address}`

/** Who a digest covers, as the last pass found: rebuilt every pass from the subscriptions. */
export type DigestPlan = {
  address: string
  frequency: DigestFrequency
  zone: string
  subscriptionIds: string[]
}
