import type { RenderedEmail } from '../email/render.js'
import type { EndpointRecord } from './endpoint.schema.js'

/** The two emails an endpoint's contact may get: failures have lasted a while; the endpoint is now disabled. */

type Facts = Pick<EndpointRecord, 'id' | 'url' | 'description'> & {
  failingSince: string
  /** When it will be (warning) or was (notice) disabled. */
  disabledAt: string
  reason?: string | undefined
}

export function renderFailureWarning(f: Facts): RenderedEmail {
  return render(`courtbell webhook endpoint failing: ${oneLine(f.url)}`, [
    `Every delivery to your courtbell webhook endpoint has failed since ${f.failingSince}.`,
    `Endpoint: ${f.url} (${f.id})${f.description ? ` — ${f.description}` : ''}`,
    `Unless a delivery succeeds, the endpoint will be disabled at ${f.disabledAt}; after that courtbell sends it nothing.`,
    'Check that the receiver is up and answers 2xx; the delivery log (GET /v1/deliveries?endpointId=…) shows each attempt and its error.',
  ])
}

export function renderDisabledNotice(f: Facts): RenderedEmail {
  return render(`courtbell webhook endpoint disabled: ${oneLine(f.url)}`, [
    `Your courtbell webhook endpoint ${f.url} (${f.id}) was disabled at ${f.disabledAt}: ${f.reason ?? 'deliveries kept failing'}.`,
    'Events it would have received are recorded as failed deliveries with the error "endpoint disabled".',
    `To resume: PATCH /v1/webhook-endpoints/${f.id} with {"enabled": true}, then POST /v1/webhook-endpoints/${f.id}/replay with {"since": "<instant>"} to have the failed deliveries of up to 7 days sent again, with their original webhook-id.`,
  ])
}

function render(subject: string, paragraphs: string[]): RenderedEmail {
  return {
    subject,
    text: `Hello,\n\n${paragraphs.join('\n\n')}\n\n— courtbell\n`,
    html: `<!doctype html><html><body>${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('')}<p>— courtbell</p></body></html>`,
  }
}

/** A URL goes into a mail header: no control characters. */
const oneLine = (s: string) => s.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').slice(0, 200)

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  )
