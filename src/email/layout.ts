/** An email's body before it becomes text or HTML: user text stays raw here and is escaped on output. */
export type RenderedEmail = { subject: string; text: string; html: string }

export type Row = { label: string; value: string }
export type Footer = { note: string; links: { label: string; url: string }[] }
export type Body = {
  lang: string
  subject: string
  greeting: string
  lead: string
  rows: Row[]
  closing?: string[]
  action?: { label: string; url: string; openLink: string }
  footer?: Footer
}

export function build(body: Body): RenderedEmail {
  return { subject: headerSafe(body.subject), text: toText(body), html: toHtml(body) }
}

/** A subject becomes a mail header: CR/LF (or any control character) in a title must not start a new header. */
function headerSafe(value: string): string {
  return value
    .replace(/[\p{Cc}\u2028\u2029]+/gu, ' ')
    .replace(/ {2,}/g, ' ')
    .trim()
}

function toText(body: Body): string {
  const width = Math.max(0, ...body.rows.map((r) => r.label.length)) + 2
  const rows = body.rows.map((r) => `${`${r.label}:`.padEnd(width)}${indentFollowing(r.value, width)}`)
  const parts = [body.greeting, body.lead, rows.join('\n')]
  if (body.action) parts.push(`${body.action.label}:\n${body.action.url}`)
  for (const line of body.closing ?? []) parts.push(line)
  if (body.footer)
    parts.push([`-- `, body.footer.note, ...body.footer.links.map((l) => `${l.label}: ${l.url}`)].join('\n'))
  return `${parts.filter((p) => p !== '').join('\n\n')}\n`
}

function indentFollowing(value: string, width: number): string {
  return value.replace(/\r\n?/g, '\n').replace(/\n/g, `\n${' '.repeat(width)}`)
}

// Inline styles and a plain layout: many mail clients drop <style> blocks and ignore modern CSS.
const font = 'font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#1f2328'
const muted = '#59636e'

function toHtml(body: Body): string {
  const parts = [paragraph(body.greeting), paragraph(body.lead)]
  if (body.rows.length > 0) parts.push(htmlTable(body.rows))
  if (body.action) parts.push(htmlAction(body.action))
  for (const line of body.closing ?? []) parts.push(paragraph(line))
  if (body.footer) parts.push(htmlFooter(body.footer))
  return [
    '<!doctype html>',
    `<html lang="${escapeHtml(body.lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">`,
    `<title>${escapeHtml(headerSafe(body.subject))}</title></head>`,
    `<body style="margin:0;padding:16px;background:#f6f8fa;${font}">`,
    '<div style="max-width:600px;margin:0 auto;padding:24px;background:#ffffff;border:1px solid #d1d9e0">',
    ...parts,
    '</div>',
    '</body></html>',
    '',
  ].join('\n')
}

function paragraph(text: string): string {
  return `<p style="margin:0 0 16px">${escapeHtml(text)}</p>`
}

function htmlTable(rows: Row[]): string {
  const cell = 'padding:4px 0;vertical-align:top'
  const trs = rows.map(
    (r) =>
      `<tr><td style="${cell};padding-right:16px;color:${muted};white-space:nowrap">${escapeHtml(r.label)}</td>` +
      `<td style="${cell}">${multiline(r.value)}</td></tr>`,
  )
  return [
    `<table role="presentation" cellpadding="0" cellspacing="0" style="border-collapse:collapse;${font}">`,
    ...trs,
    '</table>',
  ].join('\n')
}

function htmlAction({ label, url, openLink }: { label: string; url: string; openLink: string }): string {
  const href = escapeHtml(url)
  const button =
    'display:inline-block;padding:10px 18px;background:#0b5cad;color:#ffffff;text-decoration:none'
  return [
    `<p style="margin:24px 0"><a href="${href}" style="${button}">${escapeHtml(label)}</a></p>`,
    `<p style="margin:0 0 16px;font-size:13px;color:${muted}">${escapeHtml(openLink)} <a href="${href}">${href}</a></p>`,
  ].join('\n')
}

function htmlFooter({ note, links }: Footer): string {
  const anchors = links.map(
    (l) => `<a href="${escapeHtml(l.url)}" style="color:${muted}">${escapeHtml(l.label)}</a>`,
  )
  return (
    `<p style="margin:24px 0 0;padding-top:12px;border-top:1px solid #d1d9e0;font-size:12px;color:${muted}">` +
    `${escapeHtml(note)} ${anchors.join(' · ')}</p>`
  )
}

function multiline(value: string): string {
  return escapeHtml(value).replace(/\r\n?|\n/g, '<br>')
}

const htmlEntities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => htmlEntities[ch] ?? ch)
}
