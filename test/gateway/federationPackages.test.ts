/**
 * The federation packages must come as one set: two copies of `@apollo/federation-internals` (or
 * mismatched versions of the packages built on it) make `instanceof` checks fail across them and
 * the gateway fails at runtime with confusing errors. This walks node_modules, nested ones included.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const FEDERATION = ['gateway', 'composition', 'query-planner', 'subgraph', 'federation-internals', 'query-graphs'];

interface Found {
  name: string;
  version: string;
  where: string;
}

/** Every `@apollo/<FEDERATION>` package under `nodeModules`, following nested node_modules folders. */
function findFederationPackages(nodeModules: string, found: Found[] = []): Found[] {
  for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const dir = path.join(nodeModules, entry.name);
    const packages = entry.name.startsWith('@') ? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name)) : [dir];
    for (const pkg of packages) {
      const name = path.relative(nodeModules, pkg).split(path.sep).join('/');
      const manifest = path.join(pkg, 'package.json');
      if (name.startsWith('@apollo/') && FEDERATION.includes(name.slice('@apollo/'.length)) && existsSync(manifest)) {
        found.push({ name, version: (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version, where: path.relative(ROOT, pkg) });
      }
      const nested = path.join(pkg, 'node_modules');
      if (existsSync(nested)) findFederationPackages(nested, found);
    }
  }
  return found;
}

describe('federation packages', () => {
  const found = findFederationPackages(path.join(ROOT, 'node_modules'));

  it('installs exactly one copy of @apollo/federation-internals', () => {
    expect(found.filter((f) => f.name === '@apollo/federation-internals').map((f) => f.where)).toEqual(['node_modules/@apollo/federation-internals']);
  });

  it('installs every federation package, all at the same version', () => {
    expect([...new Set(found.map((f) => f.name))].sort()).toEqual(FEDERATION.map((n) => `@apollo/${n}`).sort());
    const versions = new Set(found.map((f) => f.version));
    expect({ versions: [...versions], found }).toEqual({ versions: [found[0]?.version], found });
  });
});
