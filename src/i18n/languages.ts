/** The languages courtbell writes in; English is the fallback and defines every message key. */
export const LANGUAGES = ['en', 'ru', 'kk'] as const
export type Language = (typeof LANGUAGES)[number]

export const isLanguage = (value: unknown): value is Language =>
  typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value)

/**
 * The best of our languages for an Accept-Language header (RFC 9110 §12.5.4): by quality, then by order;
 * a regional tag matches its language (ru-KZ → ru). Undefined when none of ours is acceptable.
 */
export function negotiateLanguage(header: string | undefined): Language | undefined {
  if (!header) return undefined
  const ranges = header
    .split(',')
    .map((part, order) => {
      const [tag = '', ...params] = part.trim().split(';')
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
      const quality = q === undefined ? 1 : Number(q.slice(2))
      return { tag: tag.trim().toLowerCase(), quality: Number.isFinite(quality) ? quality : 0, order }
    })
    .filter((r) => r.quality > 0 && r.tag !== '')
    .sort((a, b) => b.quality - a.quality || a.order - b.order)
  for (const { tag } of ranges) {
    const primary = tag.split('-')[0]
    if (isLanguage(primary)) return primary
  }
  return undefined
}
