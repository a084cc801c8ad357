import type { Row } from './context.js'

function fmt(n: number | null, unit = ''): string {
  if (n === null || Number.isNaN(n)) return '—'
  const abs = Math.abs(n)
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3
  const text = n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 })
  return unit ? `${text} ${unit}` : text
}

/** The results as a fixed-width table: value, baseline, ratio, target, met. */
export function renderTable(rows: readonly Row[]): string {
  const header = ['section', 'metric', 'value', 'baseline', 'ratio', 'target', 'met?']
  const body = rows.map((r) => [
    r.section,
    r.metric,
    fmt(r.value, r.unit),
    fmt(r.baseline, r.unit),
    r.ratio === null ? '—' : fmt(r.ratio),
    r.target,
    r.met === null ? '' : r.met ? 'yes' : 'NO',
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  ')]
  let last = ''
  for (const [i, cells] of body.entries()) {
    const section = rows[i]?.section ?? ''
    if (section !== last && i > 0) out.push('')
    last = section
    out.push(line(cells))
  }
  const notes = rows.filter((r) => r.note).map((r) => `  * ${r.metric}: ${r.note}`)
  return [...out, ...(notes.length > 0 ? ['', 'notes:', ...notes] : [])].join('\n')
}
