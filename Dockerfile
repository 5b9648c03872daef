# syntax=docker/dockerfile:1
# One image for every service and command of scalestack (docs/deploy.md, ADR 0031):
#   docker run IMAGE                                  the embedded system (every service, one process)
#   docker run -e SERVICES=social ... IMAGE           one service of a multi-process deployment
#   docker run IMAGE gateway | migrate | load | seed  any other command of the CLI
# The deps stage installs the production packages (native addons built with the toolchain) and bundles
# the server (tools/build-server.mjs, ADR 0040) and the web client (tools/build-web.mjs); the runtime stage
# holds only what runs: Node, tini, node_modules, build/, web/dist/ and the embedded database's base, as
# `npm start` runs it (no TypeScript loader at run time).

ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# --- deps: production node_modules, native addons (argon2, msgpackr-extract) built here with the toolchain
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force
COPY tools/build-server.mjs tools/build-web.mjs tools/dependency-patches.mjs ./tools/
COPY src ./src
RUN node tools/build-server.mjs --force
# The Conduit client and the console served at / and /console (vite is a production dependency for this).
COPY web ./web
RUN node tools/build-web.mjs --force

# --- runtime: Node, tini and the bundle; no compiler, no npm cache, no sources, not root
FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: forwards SIGTERM to node (which drains: close-with-grace, SHUTDOWN_TIMEOUT_MS) and reaps
# the replicas that `start --topology services` forks.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data \
 && chown node:node /data
WORKDIR /app
ENV NODE_ENV=production \
    DATA_DIR=/data \
    PORT=8080 \
    HOST=0.0.0.0 \
    LOG_PRETTY=false
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=deps --chown=root:root /app/build ./build
COPY --from=deps --chown=root:root /app/web/dist ./web/dist
COPY --chown=root:root package.json ./
# The embedded database's migrated base (src/platform/db/pglite-base.ts), made once here: initdb and every
# migration in WebAssembly took a new container's first start from ~2 s to ~9 s. Only the default services'
# base is kept (the plain initdb one, for SERVICES subsets, would add 40 MB); the folder is node's, so a
# container with a writable root filesystem keeps the others it makes. With a read-only one, a subset's
# start runs initdb itself and says so.
ENV PGLITE_BASE_DIR=/app/pglite-base
RUN node build/cli/main.js migrate --embedded-base \
 && find /app/pglite-base -name 'base-*.tar' ! -name '*-schema-*' -delete \
 && chown -R node:node /app/pglite-base
# The code is owned by root and read-only to the process; only /data (embedded state) and /tmp are written
# (and /app/pglite-base, best effort), so the root filesystem can be mounted read-only with those two as volumes.
USER node:node
VOLUME ["/data", "/tmp"]
EXPOSE 8080
STOPSIGNAL SIGTERM
# /healthz answers while the process runs; readiness (/readyz) is the orchestrator's job (compose, Kubernetes).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "build/cli/main.js"]
CMD ["start"]
