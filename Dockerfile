# sluice: one image, two roles (`api` and `worker`), chosen by the command.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
# better-sqlite3 and zstd-napi fall back to compiling when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY auth ./auth
COPY cli ./cli
COPY core ./core
COPY jobs ./jobs
COPY schemas ./schemas
COPY producers ./producers
COPY consumers ./consumers
COPY dialects ./dialects
COPY encoders ./encoders
COPY sinks ./sinks
COPY pipeline ./pipeline
COPY observability ./observability
COPY demo ./demo
USER node
ENTRYPOINT ["node", "bin/sluice.mjs"]
CMD ["--help"]
