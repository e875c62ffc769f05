/**
 * GraphQL Code Generator configuration.
 *
 * Status: the canonical schema (`schema/*.graphql`) arrives with the federated-graph work; until
 * then there is nothing to generate. That issue adds `@graphql-codegen/cli`, the resolver-type
 * outputs under `schema/generated/`, `npm run codegen` and a staleness test. The AI core's trusted
 * documents (`schema/operations/*.graphql`) and their manifest follow with persisted queries.
 */
interface CodegenOutput {
  plugins: string[];
  config?: Record<string, unknown>;
}

export interface CodegenConfig {
  schema: string | string[];
  documents?: string | string[];
  generates: Record<string, CodegenOutput>;
}

const config: CodegenConfig = {
  schema: ['schema/*.graphql'],
  documents: ['schema/operations/*.graphql'],
  generates: {},
};

export default config;
