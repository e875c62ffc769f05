/**
 * The AI core's typed client against a real stack whose gateway runs persisted documents only
 * (`safelist`): queries go out as `documentId` alone, subscriptions over graphql-ws, and the
 * `npm run example:ai-core` flow (two persisted queries, a persisted mutation, an order event) works
 * end to end.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import pino from 'pino';
import { AiCoreClientError, createAiCoreClient, documentIdOf } from '../../schema/aiCoreClient';
import { runAiCoreExample } from '../../schema/aiCoreExample';
import { ListTeamsDocument, SalesOrderByIdDocument } from '../../schema/generated/operations/graphql';
import { startStack, testToken, type Stack } from '../e2e/federatedGraph/startStack';

describe('the AI-core typed client', () => {
  let stack: Stack;
  let token: string;
  const sent: Record<string, unknown>[] = [];
  const recordingFetch: typeof fetch = (input, init) => {
    sent.push(JSON.parse(String(init?.body)) as Record<string, unknown>);
    return fetch(input, init);
  };

  beforeAll(async () => {
    stack = await startStack({ events: true, gateway: { persistedMode: 'safelist' } });
    token = await testToken();
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(() => { sent.length = 0; });

  it('sends only the documentId of a generated document and returns typed data', async () => {
    const client = createAiCoreClient({ url: stack.gatewayUrl, token, fetch: recordingFetch });
    const result = await client.query(SalesOrderByIdDocument, { id: '42' });
    expect(result.errors).toEqual([]);
    expect(result.data.salesOrder?.id).toBe('42');
    expect(result.data.salesOrder?.soldTo?.email).toContain('@');
    expect(sent).toEqual([{ documentId: documentIdOf(SalesOrderByIdDocument as TypedDocumentNode<unknown, never>), variables: { id: '42' } }]);
    expect(String(sent[0]?.documentId)).toMatch(/^sha256:[0-9a-f]{64}$/);
    await client.close();
  });

  it('refuses a document without a persisted id before sending anything', async () => {
    const client = createAiCoreClient({ url: stack.gatewayUrl, token, fetch: recordingFetch });
    const adHoc = parse('{ teams { id } }') as TypedDocumentNode<{ teams: { id: string }[] }, Record<string, never>>;
    await expect(client.query(adHoc)).rejects.toMatchObject({ name: 'AiCoreClientError', code: 'NOT_PERSISTED' });
    expect(sent).toEqual([]);
  });

  it('reports the gateway refusing an id its manifest does not hold with the gateway code', async () => {
    const client = createAiCoreClient({ url: stack.gatewayUrl, token });
    const unknown = { ...ListTeamsDocument, __meta__: { hash: `sha256:${'0'.repeat(64)}` } } as unknown as typeof ListTeamsDocument;
    const err = await client.query(unknown).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(AiCoreClientError);
    expect(err).toMatchObject({ code: 'PERSISTED_DOCUMENT_NOT_FOUND', status: 404 });
  });

  it('reports a missing or wrong token as UNAUTHENTICATED', async () => {
    const client = createAiCoreClient({ url: stack.gatewayUrl, token: 'not-a-jwt' });
    await expect(client.query(ListTeamsDocument)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('runs the example: two persisted queries, a persisted mutation, and the order event over graphql-ws', async () => {
    const result = await runAiCoreExample({ url: stack.gatewayUrl, token, orderId: '42', events: 1, timeoutMs: 20_000, logger: pino({ level: 'silent' }) });
    expect(result.buyer).toEqual(expect.any(String));
    expect(result.events).toHaveLength(1);
    const event = result.events[0]!;
    expect(event).toMatchObject({ changeType: 'UPDATED', orderId: '42' });
    expect(event.order?.status).toBe(result.orderStatus === 'COMPLETED' ? 'IN_PROCESS' : 'COMPLETED');
  }, 30_000);
});
