/**
 * The "stock" peer of the gateway benchmark: `@apollo/gateway` inside `@apollo/server` with
 * `startStandaloneServer`, from the product's own node_modules (the versions our gateway builds
 * on), given the supergraph as a string. Defaults everywhere, no extras: this is what a team gets
 * out of the box.
 *
 *   SUPERGRAPH_PATH=var/bench/supergraph.graphql GATEWAY_PORT=4100 node --import tsx test/bench/stockGateway.ts
 *
 * Prints `stock gateway ready at <url>` when it serves.
 */
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

async function main(): Promise<void> {
  const path = process.env.SUPERGRAPH_PATH;
  if (!path) throw new Error('SUPERGRAPH_PATH must name the composed supergraph file');
  const port = Number(process.env.GATEWAY_PORT ?? 4000);
  const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: readFileSync(path, 'utf8') }) });
  const { url } = await startStandaloneServer(server, { listen: { port, host: '127.0.0.1' } });
  const stop = (): void => {
    server.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write(`stock gateway ready at ${url}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`stock gateway failed to start: ${String(err)}\n`);
  process.exit(1);
});
