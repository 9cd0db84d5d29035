# The llmbench image the Kubernetes Job of `llmbench k8s job` runs (docs/scale.md). Not built in CI: there is no
# Docker daemon where the tests run. Build it where you have one:
#   docker build -t REGISTRY/llmbench:VERSION . && docker push REGISTRY/llmbench:VERSION
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY . .
# `npm ci` runs the prepare script (tsc → dist/); then the dev dependencies are dropped.
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/docs ./docs
# History database and caches inside the pod; results go to the mounted volume (--out, set by the Job).
ENV LLMBENCH_DATA_DIR=/tmp/llmbench-data LLMBENCH_CACHE_DIR=/tmp/llmbench-cache
USER node
ENTRYPOINT ["node", "/app/bin/llmbench.js"]
CMD ["--help"]
