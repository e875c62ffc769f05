// Lint for architecture (STYLE.md 12): no import cycles, no floating promises, no console,
// subgraphs never import each other or the gateway, the gateway never imports a subgraph.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';

const subgraphs = ['salesforce', 'sap', 'teams'];
const zones = [
  ...subgraphs.map((s) => ({
    target: `./subgraphs/${s}`,
    from: [...subgraphs.filter((o) => o !== s).map((o) => `./subgraphs/${o}`), './gateway'],
    message: 'A subgraph never imports another subgraph or the gateway.',
  })),
  { target: './subgraphs/kit', from: ['./subgraphs/salesforce', './subgraphs/sap', './subgraphs/teams', './gateway'], message: 'The kit is shared; it imports no subgraph.' },
  { target: './gateway', from: './subgraphs', except: ['./kit'], message: 'The gateway talks to subgraphs over HTTP/WS only (it may use the shared kit: logger, config helpers).' },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'var/**', 'coverage/**', 'schema/generated/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })] },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', { zones }],
    },
  },
);
