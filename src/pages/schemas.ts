import { Type } from '@sinclair/typebox'

/** OpenAPI responses of a page: each code an HTML document (304 has no body). */
export function htmlResponses(codes: Record<number, string>) {
  return Object.fromEntries(
    Object.entries(codes).map(([code, description]) => [
      code,
      code === '304'
        ? { description, type: 'null' }
        : {
            description,
            content: { 'text/html': { schema: { type: 'string', description: 'An HTML page' } } },
          },
    ]),
  )
}

/** A token from an email's link; anything else (missing, too short, too long) gets the invalid-link page. */
export const TokenLangQuery = Type.Object({
  token: Type.String({ minLength: 10, maxLength: 1000, description: 'The signed token from the email' }),
  lang: Type.Optional(Type.String({ maxLength: 10, description: 'en, ru or kk' })),
})
