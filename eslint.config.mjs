// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Domain folders stay free of `vscode` so plain mocha can test them (DESIGN.md). */
const domainFolders = ['src/cluster/**/*.ts', 'src/acp/**/*.ts', 'src/install/**/*.ts', 'src/grafana/**/*.ts'];

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', '.tools/**', 'node_modules/**', 'test-results/**', 'test/sim/data/**', 'media/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: domainFolders,
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'Domain code (src/cluster, src/acp, src/install, src/grafana) must not import vscode; pass what it needs in.' }],
      }],
    },
  },
  {
    // Arrows run one way: the composition root and the VS Code-backed stores never reach up into the glue.
    files: ['src/services.ts', 'src/state/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/commands/**', '**/views/**', './commands/*', './views/*'], message: 'services.ts and src/state sit below commands and views; pass an event or callback instead.' }],
      }],
    },
  },
  {
    // Tests, the simulator and scripts are command-line programs: printing is their output.
    files: ['test/**/*.ts', 'scripts/**/*.{ts,mjs}', '*.mjs'],
    rules: { 'no-console': 'off' },
  },
  {
    // Build and setup scripts are plain Node programs.
    files: ['**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', URLSearchParams: 'readonly' } },
  },
  {
    // Fixture extensions the benchmarks install beside ours: plain CommonJS, as VS Code loads them.
    files: ['test/fixtures/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', performance: 'readonly' } },
  },
);
