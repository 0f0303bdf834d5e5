# sluice: one image, two roles (`api` and `worker`), chosen by the command.
# What ships is listed once, in package.json "files" (bin/ and the compiled dist/); `npm pack` applies that list
# below, and test/unit/image-files.test.ts assembles the same set and runs the commands in it.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
# better-sqlite3 and zstd-napi fall back to compiling when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS pack
WORKDIR /src
COPY . .
# The image runs the TypeScript compiled to dist/ (npm run build; "files" ships bin/ and dist/ only), so it
# starts without transpiling. Compiling needs typescript and the type packages, not the native modules.
RUN npm ci --ignore-scripts --no-audit --no-fund && npm run build \
  && npm pack --ignore-scripts --silent --pack-destination /tmp \
  && mkdir /app && tar -xzf /tmp/sluice-*.tgz -C /app --strip-components=1

FROM node:20-bookworm-slim
ENV NODE_ENV=production
# Chinese and Japanese text in PDF/PNG reports (renderers/fonts.ts); without it those characters print as U+FFFD.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-droid-fallback && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=pack /app ./
USER node
ENTRYPOINT ["node", "bin/sluice.mjs"]
CMD ["--help"]
