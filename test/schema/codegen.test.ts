import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs GraphQL Code Generator in a child process (it is ESM-only inside jest) without writing files. */
function generatedOutputs(): { filename: string; content: string }[] {
  const script = `
    const { generate } = require('@graphql-codegen/cli');
    const config = require('./codegen.ts').default;
    generate({ ...config, silent: true }, false).then((out) => process.stdout.write(JSON.stringify(out)));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(out) as { filename: string; content: string }[];
}

describe('generated resolver types', () => {
  it('match what `npm run codegen` produces from the current SDL (run it and commit the output when this fails)', () => {
    const outputs = generatedOutputs();
    expect(outputs.map((o) => path.relative(ROOT, path.resolve(ROOT, o.filename))).sort())
      .toEqual(['schema/generated/salesforce.ts', 'schema/generated/sap.ts', 'schema/generated/teams.ts']);
    for (const o of outputs) {
      const committed = readFileSync(path.resolve(ROOT, o.filename), 'utf8');
      expect({ file: o.filename, content: committed }).toEqual({ file: o.filename, content: o.content });
    }
  }, 60_000);
});
