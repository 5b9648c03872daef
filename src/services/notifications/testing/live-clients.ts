import { request } from 'undici';
import WebSocket from 'ws';

export interface Received {
  id: number;
  notification: { type: string; [k: string]: unknown };
}

/** An SSE client reading `id:`/`data:` frames as they come; `close()` ends it. */
export async function openSse(baseUrl: string, token: string, lastEventId?: number): Promise<{ received: Received[]; events: string[]; status: number; closed: Promise<void>; close(): void }> {
  const controller = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (lastEventId !== undefined) headers['last-event-id'] = String(lastEventId);
  const res = await request(new URL(`/api/notifications/stream?token=${encodeURIComponent(token)}`, baseUrl), { headers, signal: controller.signal, bodyTimeout: 0 });
  const received: Received[] = [];
  const events: string[] = [];
  let buffer = '';
  const closed = (async () => {
    try {
      for await (const chunk of res.body) {
        buffer += (chunk as Buffer).toString('utf8');
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = Object.fromEntries(frame.split('\n').filter((l) => !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
          if (fields['event']) events.push(fields['event']);
          if (fields['event'] === 'notification') received.push({ id: Number(fields['id']), notification: JSON.parse(fields['data']!) as Received['notification'] });
        }
      }
    } catch {
      // aborted
    }
  })();
  return { received, events, status: res.statusCode, closed, close: () => controller.abort() };
}

/** A WebSocket client collecting notifications; resolves once open, rejects on a refused upgrade. */
export async function openWs(baseUrl: string, token: string, lastEventId?: number): Promise<{ received: Received[]; socket: WebSocket; closeReason: Promise<{ code: number; reason: string }> }> {
  const url = new URL(`/api/notifications/ws?token=${encodeURIComponent(token)}${lastEventId !== undefined ? `&lastEventId=${lastEventId}` : ''}`, baseUrl);
  url.protocol = url.protocol.replace('http', 'ws');
  const socket = new WebSocket(url);
  const received: Received[] = [];
  socket.on('message', (data) => received.push(JSON.parse(String(data)) as Received));
  const closeReason = new Promise<{ code: number; reason: string }>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (req, res) => {
      // With this listener, closing the refused request is ours to do (ws leaves it open).
      req.destroy();
      res.destroy();
      reject(new Error(`upgrade refused: ${res.statusCode}`));
    });
    socket.once('error', reject);
  });
  return { received, socket, closeReason };
}
