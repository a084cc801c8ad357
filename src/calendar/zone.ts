import { IANAZone, Zone, type ZoneOffsetFormat, type ZoneOffsetOptions } from 'luxon'
import { zoneOffset } from '../platform/time.js'

/**
 * An IANA zone for luxon whose offsets are remembered per hour (platform/time.ts). luxon asks Intl for the
 * offset of every DateTime it builds or moves; a feed of 1,000 hearings spent most of its time there. It
 * says it is the IANA zone of the same name, so `setZone(name)` (ical-generator's) keeps the DateTime as is.
 */
export class RememberedZone extends Zone {
  readonly #iana: IANAZone

  private constructor(name: string) {
    super()
    this.#iana = IANAZone.create(name)
  }

  static readonly #made = new Map<string, RememberedZone>()

  static of(name: string): RememberedZone {
    let zone = RememberedZone.#made.get(name)
    if (!zone) {
      zone = new RememberedZone(name)
      if (RememberedZone.#made.size < 1000) RememberedZone.#made.set(name, zone)
    }
    return zone
  }

  override get type() {
    return 'iana'
  }
  override get name() {
    return this.#iana.name
  }
  override get isUniversal() {
    return false
  }
  override get isValid() {
    return this.#iana.isValid
  }
  override offset(ts: number) {
    return zoneOffset(this.#iana.name, ts)
  }
  override offsetName(ts: number, options: ZoneOffsetOptions) {
    return this.#iana.offsetName(ts, options)
  }
  override formatOffset(ts: number, format: ZoneOffsetFormat) {
    return this.#iana.formatOffset(ts, format)
  }
  override equals(other: Zone) {
    return other.type === 'iana' && other.name === this.name
  }
}
