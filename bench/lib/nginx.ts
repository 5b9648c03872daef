import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const NGINX = '/usr/sbin/nginx';

/** nginx's version, or null when it is not installed (apt-get install -y nginx). */
export function nginxVersion(): string | null {
  const out = spawnSync(NGINX, ['-v'], { encoding: 'utf8' });
  if (out.error || out.status !== 0) return null;
  return (out.stderr || out.stdout).trim().replace(/^nginx version: /, '');
}

export interface RunningNginx {
  url: string;
  /** nginx's master process and its workers (their RSS together is what nginx holds). */
  pids(): number[];
  stop(): Promise<void>;
}

/**
 * nginx as our gateway is set up: one worker process, keep-alive pool to
 * the upstream (HTTP/1.1, Connection cleared, 64 idle connections), request
 * id and X-Forwarded-For added, no access log. Runs in the foreground from
 * its own config in `dir`, on loopback; never as the system service.
 */
export function startNginx(dir: string, port: number, upstream: string): Promise<RunningNginx> {
  const host = new URL(upstream).host;
  return runNginx(
    dir,
    port,
    `upstream scalestack { server ${host}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location /api/ {
      proxy_pass http://scalestack;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Request-Id $request_id;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }`,
    '/api/tags',
  );
}

/**
 * nginx as a static file server (the CDN origin a blob store is compared with): one worker, sendfile,
 * `urlPrefix` mapped onto the directory `root`, nginx's own ETag and Last-Modified, and the given
 * Cache-Control on every answer.
 */
export function startStaticNginx(dir: string, port: number, urlPrefix: string, root: string, cacheControl: string): Promise<RunningNginx> {
  return runNginx(
    dir,
    port,
    `types { image/webp webp; image/jpeg jpg jpeg; image/png png; }
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  server {
    listen 127.0.0.1:${port};
    location ${urlPrefix} {
      alias ${root.endsWith('/') ? root : `${root}/`};
      etag on;
      add_header Cache-Control "${cacheControl}";
      add_header X-Content-Type-Options nosniff;
    }
  }`,
    '/',
  );
}

/** One nginx in the foreground with `http` as its http block's body; resolves once it accepts connections. */
async function runNginx(dir: string, port: number, http: string, probePath: string): Promise<RunningNginx> {
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(join(dir, d), { recursive: true });
  const conf = `
worker_processes 1;
daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  ${http}
}
`;
  const file = join(dir, 'nginx.conf');
  await writeFile(file, conf);
  const child: ChildProcess = spawn(NGINX, ['-c', file, '-p', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    try {
      await fetch(`${url}${probePath}`);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    pids: () => {
      const master = child.pid;
      if (master === undefined) return [];
      const children = spawnSync('pgrep', ['-P', String(master)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
      return [master, ...children];
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGQUIT');
      await exited;
    },
  };
}
