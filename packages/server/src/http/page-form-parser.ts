import type { FastifyInstance } from 'fastify';
import { FormParameters } from '../oauth/form-parameters.js';

/**
 * The only body a page plugin reads: an `application/x-www-form-urlencoded` form of at most
 * `bodyLimit` bytes, parsed strictly (a repeated or malformed field is a 400 before any route
 * runs); every other content type is refused by fastify (415).
 */
export function acceptPageForms(app: FastifyInstance, bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    const parsed = FormParameters.parse(typeof body === 'string' ? body : body.toString('utf8'));
    if (parsed instanceof FormParameters) done(null, parsed);
    else done(Object.assign(new Error('malformed form'), { statusCode: 400 }), undefined);
  });
}
