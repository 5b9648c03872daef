import { randomUUID } from 'node:crypto';
import type { Envelope } from './port.js';

/** Set by decode() when the bytes on the wire were not an envelope; the bus dead-letters such messages. */
export const DECODE_ERROR_HEADER = 'scalestack-decode-error';

export function newId(): string {
  return randomUUID();
}

export function encode(envelope: Envelope): Buffer {
  return Buffer.from(JSON.stringify(envelope));
}

/**
 * Never throws: a malformed message must reach the DLQ with a reason rather
 * than crash the consumer or block the queue behind it.
 */
export function decode(raw: Buffer | string, topic: string): Envelope {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  try {
    const value = JSON.parse(text) as Partial<Envelope> | null;
    if (value && typeof value === 'object' && typeof value.id === 'string' && typeof value.topic === 'string') {
      return {
        id: value.id,
        topic: value.topic,
        key: typeof value.key === 'string' ? value.key : '',
        payload: value.payload,
        headers: value.headers && typeof value.headers === 'object' ? value.headers : {},
        attempt: typeof value.attempt === 'number' ? value.attempt : 1,
        ...(typeof value.notBefore === 'number' ? { notBefore: value.notBefore } : {}),
        ...(typeof value.maxAttempts === 'number' ? { maxAttempts: value.maxAttempts } : {}),
      };
    }
    return malformed(text, topic, 'not an envelope (missing id/topic)');
  } catch (err) {
    return malformed(text, topic, `not JSON: ${(err as Error).message}`);
  }
}

function malformed(text: string, topic: string, reason: string): Envelope {
  return { id: `malformed-${newId()}`, topic, key: '', payload: text.slice(0, 10_000), headers: { [DECODE_ERROR_HEADER]: reason }, attempt: 1 };
}
