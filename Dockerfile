# syntax=docker/dockerfile:1
#
# One image for every service: a container runs the services named in SERVICES (e.g. SERVICES=booking) in
# cluster mode; docker-compose.yml and k8s/ set the environment (docs/deployment.md). The processes run the
# JavaScript that tsc compiles from the sources here (tsconfig.build.json): Node 24 could run the .ts files
# (type stripping), but each process would load the stripper, about 18 MiB resident, and the compile cache that
# spares it in development cannot be written in this read-only image (docs/benchmarks.md).
#
#   docker build -t cleaning-platform:local .

ARG NODE_IMAGE=node:24-bookworm-slim

# ---------------------------------------------------------------------------------------- dependencies
FROM ${NODE_IMAGE} AS deps
# No native modules: embedded mode's SQLite is Node's own (node:sqlite), so no toolchain is needed here.
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev: the runtime needs nothing from devDependencies (typescript, biome, @types, ajv, yaml, and the
# `node` package, which only fetches a Node 24 binary for machines without one: this image has Node 24).
# Install scripts run as package.json's allowScripts says (es5-ext's postinstall no).
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ------------------------------------------------------------------------------------------------- build
# The web app (the gateway serves web/dist at `/`) and the services' JavaScript (build/). Vite, React and
# TypeScript are devDependencies: they build here and stay out of the runtime image. No install scripts are
# needed for a build (this image has Node 24).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY web ./web
COPY clients ./clients
RUN node_modules/.bin/vite build web --logLevel warn
COPY tsconfig.json tsconfig.build.json moleculer.config.ts ./
COPY config ./config
COPY demo ./demo
COPY lib ./lib
COPY mixins ./mixins
COPY ops ./ops
COPY services ./services
RUN node_modules/.bin/tsc -p tsconfig.build.json

# --------------------------------------------------------------------------------------------- runtime
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
	SERVICEDIR=services
WORKDIR /app
# Root-owned and read-only for the app user: the process cannot change its own code. Cluster mode writes
# nothing to disk (databases are MySQL, logs go to stdout), so the root filesystem can be mounted read-only.
COPY --from=deps /app/node_modules ./node_modules
COPY . .
COPY --from=build /app/web/dist ./web/dist
# Each compiled module beside its source, so that paths relative to a module (assets, JSON) stay the same.
COPY --from=build /app/build ./
# The `node` user of the official image, by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
# 3000: the gateway's HTTP API (PORT). 3001: every process's /health/live, /health/ready and
# /actuator/prometheus (OPS_PORT).
EXPOSE 3000 3001
# What `npm start` runs (moleculer-runner-esm is this file), without npm and a shell in between, so that
# SIGTERM reaches node itself (PID 1 in Kubernetes; behind tini with compose's `init: true`): the broker
# finishes in-flight requests and stops its services before exiting. No HEALTHCHECK here: compose and
# Kubernetes declare their own probes on OPS_PORT. A 2 MB young generation instead of V8's 16 MB: about 60 MB
# less resident memory per process, at no throughput measured (docs/benchmarks.md). The old generation may grow
# by 30 % of what survived the last full collection before the next one (V8 lets it grow up to 4 times under
# load): about 100 MB less after a load, at no CPU measured. V8's memory saver mode: 17 to 40 MiB less after
# a load, at no CPU measured (no limit: a heap that needs more still grows). lib/compile-cache.mjs turns
# on Node's compile cache where the app can write node_modules/.cache (not in this image: /app is root-owned).
# The compiled modules: moleculer.config.js and the *.service.js files.
CMD ["node", "--max-semi-space-size=2", "--heap-growing-percent=30", "--memory-saver-mode", "--import", "./lib/compile-cache.mjs", "node_modules/moleculer/bin/moleculer-runner.mjs", "--config", "moleculer.config.js", "--mask", "**/*.service.js"]
