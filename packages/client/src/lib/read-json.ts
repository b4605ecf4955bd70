import { UnexpectedResponseError } from '../unexpected-response-error.js';

/** Metadata and token responses are small; anything bigger is not a well-behaved server. */
export const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * Reads a response body of at most `MAX_RESPONSE_BYTES` and parses it as a JSON object.
 * Stops reading as soon as the limit is passed, so a hostile server cannot make us buffer
 * without bound.
 */
export async function readJsonObject(response: Response): Promise<Record<string, unknown>> {
  const text = await readBoundedText(response, MAX_RESPONSE_BYTES);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UnexpectedResponseError('ERR_RESPONSE_NOT_JSON', 'the response body is not JSON', response.status);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UnexpectedResponseError('ERR_RESPONSE_NOT_JSON', 'the response body is not a JSON object', response.status);
  }
  return parsed as Record<string, unknown>;
}

async function readBoundedText(response: Response, maxBytes: number): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new UnexpectedResponseError('ERR_RESPONSE_TOO_LARGE', `the response body exceeds ${maxBytes} bytes`, response.status);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}
