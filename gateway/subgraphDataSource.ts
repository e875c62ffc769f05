/**
 * How the gateway calls one subgraph: `RemoteGraphQLDataSource` with the undici keep-alive fetcher,
 * the request id forwarded as `x-request-id` on every fetch, and transport failures turned into
 * client-safe errors:
 * - no answer in time -> SUBGRAPH_TIMEOUT (retryable);
 * - connection refused/reset, 5xx, unreadable body -> SUBGRAPH_UNAVAILABLE (retryable);
 * - other HTTP statuses (the subgraph refused the gateway's own query: a deployment mismatch) are
 *   left to the error mask, which logs them and answers "Unexpected error".
 * The subgraph's URL, status text and body never reach the client; they are logged as the cause.
 */
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { gatewayError } from './gatewayErrors';
import { INTERNAL_CONTEXT_HEADER, signInternalContext } from '../subgraphs/kit/internalContext';
import { REQUEST_ID_HEADER } from '../subgraphs/kit/requestId';
import { DEFAULT_TENANT } from '../subgraphs/kit/tenant';
import type { GatewayContext } from './requestContext';
import { SubgraphTimeoutError, type GatewayFetcher } from './undiciFetcher';

export interface SubgraphDataSourceOptions {
  /** The subgraph's name in the supergraph (`salesforce`, `sap`, `teams`). */
  name: string;
  url: string;
  fetcher: GatewayFetcher;
  /**
   * Secrets signing the internal context. The stock path has no authentication: every request is
   * the anonymous caller of the default tenant (it is kept for comparison, not for production).
   */
  contextSecrets: readonly string[];
}

export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly subgraphName: string;
  private readonly contextSecrets: readonly string[];

  constructor(opts: SubgraphDataSourceOptions) {
    super({ url: opts.url, fetcher: opts.fetcher });
    this.subgraphName = opts.name;
    this.contextSecrets = opts.contextSecrets;
  }

  override willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const { requestId } = options.context as Partial<GatewayContext>;
    const id = typeof requestId === 'string' ? requestId : 'stock';
    if (typeof requestId === 'string') options.request.http?.headers.set(REQUEST_ID_HEADER, requestId);
    options.request.http?.headers.set(INTERNAL_CONTEXT_HEADER, signInternalContext({ tenant: DEFAULT_TENANT, scopes: [], subject: null, requestId: id }, this.contextSecrets));
  }

  override didEncounterError(error: Error, _req: unknown, response?: { status: number }): void {
    const system = this.subgraphName;
    const logFields = { subgraphUrl: this.url, status: response?.status };
    if (error instanceof SubgraphTimeoutError) {
      throw gatewayError({ code: 'SUBGRAPH_TIMEOUT', system, retryable: true, message: `The ${system} subgraph did not answer in time`, cause: error, logFields });
    }
    if (response && response.status < 500) throw error;
    throw gatewayError({ code: 'SUBGRAPH_UNAVAILABLE', system, retryable: true, message: `The ${system} subgraph is unavailable`, cause: error, logFields });
  }
}
