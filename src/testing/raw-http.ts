import { connect } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * One request written byte for byte on a fresh socket, for what HTTP
 * clients will not send: absolute-form targets, percent-encoded or
 * dot-segment paths as typed, odd headers. `target` goes on the request
 * line unchanged.
 */
export function rawHttp(baseUrl: string, method: string, target: string, options: { body?: string; headers?: Record<string, string> } = {}): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  const body = options.body ?? '';
  const headers: Record<string, string> = {
    host: `${hostname}:${port}`,
    ...(body ? { 'content-type': 'application/json' } : {}),
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
    ...options.headers,
  };
  const head = `${method} ${target} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  return new Promise((resolve, reject) => {
    // write, not end: a half-closed socket may be dropped by a server still working on the answer; connection: close ends it.
    const socket = connect(Number(port), hostname, () => socket.write(head + body));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.setTimeout(15_000, () => socket.destroy(new Error(`no answer to ${method} ${target}`)));
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString();
      const split = text.indexOf('\r\n\r\n');
      const lines = text.slice(0, split).split('\r\n');
      const status = Number(lines[0]?.split(' ')[1]);
      const answerHeaders = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status, headers: answerHeaders, body: text.slice(split + 4) });
    });
  });
}
