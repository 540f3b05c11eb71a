# syntax=docker/dockerfile:1
# Image for the port-sync worker and webhook receiver. docker-compose.yml picks the process with
# `command`; without one the container runs the worker.
#
# Debian (glibc) rather than alpine: @temporalio/core-bridge ships prebuilt native binaries for
# linux-gnu only, there is no musl build.

# Dependencies install in the full bookworm image, which has python3, make and g++ for any package that
# compiles a native addon; only the resulting node_modules reach the slim runtime (same Debian release,
# so the same glibc). `tsx` is a runtime dependency (it runs the TypeScript sources), so --omit=dev is
# enough.
FROM node:20-bookworm AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev && npm cache clean --force

FROM node:20-bookworm-slim
# The compose commands are `npx port-sync <subcommand>`:
# - OFFLINE: npx must resolve this package's own bin (bin/port-sync.js); offline it can never fall back
#   to downloading some other package called "port-sync" from the registry.
# - SCRIPT_SHELL: npx runs the bin through `<shell> -c`. dash (/bin/sh) stays in between and dies on
#   SIGTERM, orphaning node without a graceful shutdown; bash execs the command, so npx forwards
#   SIGTERM straight to node and `docker stop` lets running activities finish.
# - NODE_OPTIONS: a worker's live heap stays under ~100 MB whatever the org's size (pages are processed
#   in batches; what a run produced is a compact digest), so a 256 MB old space makes V8 collect
#   instead of growing towards its default ~4 GB limit: peak RSS ~300 MB for a 50,000-entity resync
#   (docs/benchmarks.md). Raise it for unusually large items or mappings.
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-old-space-size=256 \
    NPM_CONFIG_OFFLINE=true \
    NPM_CONFIG_SCRIPT_SHELL=/bin/bash \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# Sources stay owned by root, so the process (user node) cannot modify its own code.
COPY . .
# Fails the build early if .dockerignore ever drops the CLI that `npx port-sync` runs.
RUN node -e "require('node:fs').accessSync(require('./package.json').bin['port-sync'])"
USER node
# 8080 webhook receiver, 8081 worker health (/readyz), 9464/9465 Prometheus metrics (worker/webhooks).
EXPOSE 8080 8081 9464 9465
CMD ["npx", "port-sync", "worker"]
