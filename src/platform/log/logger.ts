import { pino, type Logger, type LoggerOptions } from 'pino';
import { createLokiShipper, type LokiSettings } from './loki.js';

export type { Logger };

/** Paths that must never reach a log line (see the redaction test). */
export const REDACTED_PATHS = [
  // Headers, wherever a request or response object is logged.
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-user-sig"]',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  'headers["x-user-sig"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["set-cookie"]',
  'res.headers["set-cookie"]',
  'authorization',
  'cookie',
  // Secrets by name, at the top level and one or two levels down ({ user: { password } }, { body: { user: { password } } }).
  'password',
  'token',
  '*.password',
  '*.token',
  '*.*.password',
  '*.*.token',
  'user.password',
  'user.token',
  // Refresh tokens ({ refreshToken } bodies and { user: { refreshToken } } answers).
  'refreshToken',
  '*.refreshToken',
  '*.*.refreshToken',
];

export interface LoggerSettings {
  level: string;
  /** Human-readable output; defaults to on when stdout is a terminal. */
  pretty?: boolean | undefined;
  /** Where JSON lines go (tests pass a stream to read them back). */
  destination?: NodeJS.WritableStream;
  /** LOKI_URL: every line is also pushed to Loki, in batches (see loki.ts). */
  loki?: LokiSettings | undefined;
}

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (settings.loki) {
    // Both: the usual output (JSON to stdout, or the test's stream) and Loki; redaction applies before either sees a line.
    const local = (settings.destination ?? process.stdout) as pino.DestinationStream;
    return pino(options, pino.multistream([{ stream: local, level: 'trace' }, { stream: createLokiShipper(settings.loki), level: 'trace' }]));
  }
  if (settings.destination) return pino(options, settings.destination as pino.DestinationStream);
  const pretty = settings.pretty ?? process.stdout.isTTY === true;
  if (pretty) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  return pino(options);
}
