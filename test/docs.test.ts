import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

/** The README and docs/ stand on their own (issue 14, point 9): every relative link leads to a file in the repository. */
const root = fileURLToPath(new URL('..', import.meta.url))
const documents = [
  'README.md',
  'SECURITY.md',
  ...readdirSync(join(root, 'docs')).map((f) => join('docs', f)),
].filter((f) => f.endsWith('.md'))

describe('the documentation', () => {
  it.each(documents)('%s links only to files inside the repository', (doc) => {
    const text = readFileSync(join(root, doc), 'utf8')
    const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] as string)
    for (const target of targets.filter((t) => !/^(https?:|mailto:|#)/.test(t))) {
      const path = resolve(root, dirname(doc), target.split('#')[0] as string)
      expect(relative(root, path).startsWith('..'), `${doc} → ${target}`).toBe(false)
      expect(existsSync(path), `${doc} → ${target}`).toBe(true)
    }
  })
})
