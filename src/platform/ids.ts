import { createHash, randomBytes } from 'node:crypto'

export type IdKind = 'case' | 'hrg' | 'sub' | 'whe' | 'dlv' | 'evt' | 'key' | 'rul' | 'dln'

/** Opaque ids that sort by creation time: 9 base-36 chars of milliseconds, then 80 random bits. */
export function newId(kind: IdKind, now = Date.now()): string {
  return `${kind}_${now.toString(36).padStart(9, '0')}${randomBytes(10).toString('hex')}`
}

/** Deterministic id from its parts: the same parts always give the same id (used for de-duplication). */
export function derivedId(kind: IdKind, ...parts: string[]): string {
  return `${kind}_${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 28)}`
}

export function idKind(id: string): string {
  return id.slice(0, id.indexOf('_'))
}
