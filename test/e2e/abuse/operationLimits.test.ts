/**
 * Hostile GraphQL documents end to end: token floods, deep nesting, alias bombs, directive floods,
 * too many root fields and expensive nested connections are refused by the gateway's operation
 * limits (defaults of `gateway/operationLimits.ts`) with 400 and a stable code, before any system
 * is asked; the AI core's trusted operations stay within those limits.
 */
import { readFileSync } from 'node:fs';
import { OPERATION_LIMIT_CODES } from '../../../gateway/operationLimits';
import { DEFAULT_MANIFEST_PATH } from '../../../gateway/persistedDocuments';
import { startStack, testToken, type Stack } from '../federatedGraph/startStack';
import { expectRefusal, withoutUpstream, type Reply } from './abuseChecks';

const repeat = (n: number, f: (i: number) => string): string => Array.from({ length: n }, (_, i) => f(i)).join(' ');

/** `contacts -> nodes -> account` nested `levels` times: depth 3 per level, each list of size 1. */
function nested(levels: number): string {
  let inner = 'id';
  for (let i = 0; i < levels; i++) inner = `contacts(first: 1) { nodes { id account { ${inner} } } }`;
  return `{ ${inner} }`;
}

describe('operation limits against hostile documents', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  }, 120_000);
  afterAll(() => stack?.close());

  /** Sends the operation (counters reset, no upstream request allowed, still serving afterwards). */
  const refusedBefore = async (query: string, variables?: Record<string, unknown>): Promise<Pick<Reply, 'status' | 'body'>> => {
    const res = await withoutUpstream(stack, () => stack.query(query, variables));
    return { status: res.status, body: { errors: res.errors, data: res.data } };
  };

  it('refuses a token flood with 400 TOO_MANY_TOKENS', async () => {
    const reply = await refusedBefore(`{ contacts(first: 1) { nodes { ${'id '.repeat(6_000)} } } }`);
    expectRefusal(reply, { status: 400, code: 'TOO_MANY_TOKENS' });
  });

  it('refuses a document of 200,000 tokens (within the body limit) with TOO_MANY_TOKENS', async () => {
    const reply = await refusedBefore(`{ ${'a '.repeat(200_000)} }`);
    expectRefusal(reply, { status: 400, code: 'TOO_MANY_TOKENS' });
  });

  it('refuses a deep query with 400 QUERY_TOO_DEEP', async () => {
    const reply = await refusedBefore(nested(5));
    expectRefusal(reply, { status: 400, code: 'QUERY_TOO_DEEP' });
  });

  it('refuses a deep query written with fragments with QUERY_TOO_DEEP', async () => {
    const fragments = repeat(14, (i) => `fragment F${i} on Account { contacts(first: 1) { nodes { account { ...F${i + 1} } } } }`);
    const reply = await refusedBefore(`{ contact(id: "003000000000001AAA") { account { ...F0 } } } ${fragments} fragment F14 on Account { id }`);
    expectRefusal(reply, { status: 400, code: 'QUERY_TOO_DEEP' });
  });

  it('refuses an alias bomb with 400 TOO_MANY_ALIASES', async () => {
    const reply = await refusedBefore(`{ contacts(first: 1) { nodes { ${repeat(40, (i) => `a${i}: id`)} } } }`);
    expectRefusal(reply, { status: 400, code: 'TOO_MANY_ALIASES' });
  });

  it('counts aliases inside a fragment once per spread', async () => {
    const reply = await refusedBefore(`{ contacts(first: 1) { nodes { ${repeat(10, () => '...A')} } } } fragment A on Contact { ${repeat(5, (i) => `x${i}: id`)} }`);
    expectRefusal(reply, { status: 400, code: 'TOO_MANY_ALIASES' });
  });

  it('refuses a directive flood with 400 TOO_MANY_DIRECTIVES', async () => {
    const reply = await refusedBefore(`{ contacts(first: 1) { nodes { id ${'@include(if: true) '.repeat(60)} } } }`);
    expectRefusal(reply, { status: 400, code: 'TOO_MANY_DIRECTIVES' });
  });

  it('refuses too many root fields with 400 TOO_MANY_ROOT_FIELDS', async () => {
    const reply = await refusedBefore(`{ ${repeat(25, (i) => `r${i}: contact(id: "003000000000001AAA") { id }`)} }`);
    expectRefusal(reply, { status: 400, code: 'TOO_MANY_ROOT_FIELDS' });
  });

  it('refuses nested connections of 100 each with 400 QUERY_TOO_COMPLEX', async () => {
    const reply = await refusedBefore('{ contacts(first: 100) { nodes { account { contacts(first: 100) { nodes { id account { name } } } } } } }');
    expectRefusal(reply, { status: 400, code: 'QUERY_TOO_COMPLEX' });
  });

  it('counts a page size given by a variable as the largest list', async () => {
    const reply = await refusedBefore('query($n: Int) { contacts(first: $n) { nodes { account { contacts(first: $n) { nodes { id } } } } } }', { n: 1 });
    expectRefusal(reply, { status: 400, code: 'QUERY_TOO_COMPLEX' });
  });

  it("lets every operation of the AI core's trusted-document manifest through the limits", async () => {
    const manifest = JSON.parse(readFileSync(DEFAULT_MANIFEST_PATH, 'utf8')) as Record<string, string>;
    const limitCodes: readonly string[] = OPERATION_LIMIT_CODES;
    expect(Object.keys(manifest).length).toBeGreaterThan(0);
    for (const id of Object.keys(manifest)) {
      // No variables: the reads run, the mutations stop at their missing required variables.
      const res = await fetch(stack.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await testToken()}` },
        body: JSON.stringify({ documentId: id }),
      });
      const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
      const codes = (body.errors ?? []).map((e) => e.extensions?.code).filter((c) => c !== undefined && limitCodes.includes(c));
      expect({ id, codes }).toEqual({ id, codes: [] });
    }
  });
});
