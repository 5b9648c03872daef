import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config/load-config.js';
import { MIN_SECRET_BYTES } from './tokens.js';

/**
 * JWT_SECRET when set (required wherever several processes share tokens);
 * otherwise a random secret kept in DATA_DIR, so embedded tokens survive a restart.
 * A kept secret shorter than MIN_SECRET_BYTES (an empty or truncated file) is a
 * configuration error naming the file: tokens signed with it would be forgeable.
 */
export function resolveJwtSecret(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  if (dataDir === 'memory://') return randomBytes(32).toString('base64url');
  const file = join(dataDir, 'jwt-secret');
  let kept: string;
  try {
    kept = readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(dataDir, { recursive: true });
    const secret = randomBytes(32).toString('base64url');
    writeFileSync(file, secret, { mode: 0o600 });
    return secret;
  }
  const bytes = Buffer.byteLength(kept);
  if (bytes < MIN_SECRET_BYTES) {
    throw new ConfigError(
      `${file}: the JWT secret is ${bytes} byte(s); it must be at least ${MIN_SECRET_BYTES} ` +
        `(delete the file to have a new one generated, which ends existing tokens, or set JWT_SECRET)`,
    );
  }
  return kept;
}
