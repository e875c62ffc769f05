import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Kind, parse, validate, type DocumentNode } from 'graphql';
import { parseManifest, sha256Hex } from '../../gateway/persistedDocumentManifests';
import { DEFAULT_MANIFEST_PATH } from '../../gateway/persistedDocuments';
import { apiSchema } from '../../schema/apiSchema';

const ROOT = path.resolve(__dirname, '..', '..');
const OPERATIONS_DIR = path.join(ROOT, 'schema', 'operations');

/** Runs GraphQL Code Generator in a child process (it is ESM-only inside jest) without writing files. */
function generatedOutputs(): { filename: string; content: string }[] {
  const script = `
    const { generate } = require('@graphql-codegen/cli');
    const config = require('./codegen.ts').default;
    generate({ ...config, silent: true }, false).then((out) => process.stdout.write(JSON.stringify(out)));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(out) as { filename: string; content: string }[];
}

const operationNames = (doc: DocumentNode): string[] =>
  doc.definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION && d.name ? [d.name.value] : []));

describe('generated code', () => {
  it('matches what `npm run codegen` produces from the current SDL and operations (run it and commit the output when this fails)', () => {
    const outputs = generatedOutputs();
    expect(outputs.map((o) => path.relative(ROOT, path.resolve(ROOT, o.filename))).sort()).toEqual([
      'schema/generated/operations/gql.ts',
      'schema/generated/operations/graphql.ts',
      'schema/generated/operations/index.ts',
      'schema/generated/operations/persisted-documents.json',
      'schema/generated/salesforce.ts',
      'schema/generated/sap.ts',
      'schema/generated/teams.ts',
    ]);
    for (const o of outputs) {
      const committed = readFileSync(path.resolve(ROOT, o.filename), 'utf8');
      expect({ file: o.filename, content: committed }).toEqual({ file: o.filename, content: o.content });
    }
  }, 60_000);
});

describe('the persisted documents manifest', () => {
  const manifestText = readFileSync(path.join(ROOT, DEFAULT_MANIFEST_PATH), 'utf8');

  it('keys every document by sha256:<sha256 of its text as stored>', () => {
    const raw = JSON.parse(manifestText) as Record<string, string>;
    for (const [key, text] of Object.entries(raw)) expect(key).toBe(`sha256:${sha256Hex(text)}`);
    expect(() => parseManifest(manifestText)).not.toThrow();
  });

  it('holds exactly one document per operation in schema/operations, each valid against the federated API schema', () => {
    const files = readdirSync(OPERATIONS_DIR).filter((f) => f.endsWith('.graphql'));
    const declared = files.flatMap((f) => operationNames(parse(readFileSync(path.join(OPERATIONS_DIR, f), 'utf8')))).sort();
    const docs = [...parseManifest(manifestText).values()].map((text) => parse(text));
    expect(docs.map((d) => operationNames(d)).flat().sort()).toEqual(declared);
    expect(declared.length).toBeGreaterThanOrEqual(6);
    const schema = apiSchema();
    for (const doc of docs) expect({ operation: operationNames(doc), errors: validate(schema, doc).map((e) => e.message) }).toEqual({ operation: operationNames(doc), errors: [] });
  });
});
