import { it } from 'vitest'
import { startHarness } from '../helpers/harness.js'
it('probe', async () => {
  const h = await startHarness({ name: 'probe' })
  const r = await h.app.inject({ method: 'GET', url: '/openapi.json' })
  const doc = r.json()
  console.log(r.statusCode, doc.openapi, Object.entries(doc.paths).map(([p, v]) => `${Object.keys(v as object).join(',')} ${p}`).join('\n'))
  const d = await h.app.inject({ method: 'GET', url: '/docs' })
  console.log(d.statusCode, d.headers, d.body.slice(0, 300))
  const t = await h.app.inject({ method: 'POST', url: '/v1/cases', headers: { ...(await h.auth()), 'content-type': 'text/plain' }, payload: 'hello' })
  console.log(t.statusCode, t.body)
  const j = await h.app.inject({ method: 'POST', url: '/v1/cases', headers: { ...(await h.auth()), 'content-type': 'application/json' }, payload: '{"title": ' })
  console.log(j.statusCode, j.body)
  const b = await h.app.inject({ method: 'POST', url: '/v1/cases', headers: { ...(await h.auth()), 'content-type': 'application/json' }, payload: JSON.stringify({ title: 'x'.repeat(70000) }) })
  console.log(b.statusCode, b.body)
  await h.close()
})
