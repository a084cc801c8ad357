/** The small HTML pages behind the links in emails. User text is always escaped. */
export const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  )

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} — courtbell</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}
button{font:inherit;padding:.5rem 1.2rem;border:1px solid #333;border-radius:4px;background:#fff;cursor:pointer}</style>
</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`
}

export const confirmedPage = (email: string) =>
  page(
    'Subscription confirmed',
    `<p>${escapeHtml(email)} will now receive reminders and notices for this hearing.</p>`,
  )

export const unsubscribeFormPage = (email: string, action: string) =>
  page(
    'Unsubscribe',
    `<p>Stop all reminders and notices of this subscription to ${escapeHtml(email)}?</p>
<form method="post" action="${escapeHtml(action)}"><button type="submit">Unsubscribe</button></form>`,
  )

export const unsubscribedPage = (email: string) =>
  page('Unsubscribed', `<p>${escapeHtml(email)} will receive nothing more from this subscription.</p>`)

export const invalidLinkPage = () =>
  page(
    'This link is not valid',
    '<p>It may have expired or been changed. Ask for a new confirmation email.</p>',
  )
