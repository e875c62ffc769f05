# One image for every component of Lumina Enterprise Graph: the command picks the component
# (`npm run start:gateway`, `start:subgraph:<system>`, `start:sandbox:<system>`, `compose`; see
# package.json). TypeScript runs through `tsx`, a runtime dependency, so dev dependencies are left out.
# Health checks are per service in docker-compose.yml, not here.
FROM node:20-bookworm-slim

ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false

WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY --chown=node:node . .

# Writable state (supergraph, sandbox TLS certificate, replay positions, audit log) lives under var/,
# owned by the unprivileged user so named volumes mounted there inherit that ownership.
RUN mkdir -p var/supergraph var/sandbox/teams-tls var/salesforce && chown -R node:node var

USER node

CMD ["npm", "run", "start:gateway"]
