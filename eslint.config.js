import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.infra/', 'out/', 'coverage/', 'dist/', 'dist.next/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Only cli/main.ts and infra/ read the environment; everything else takes config as arguments.
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration in cli/ and pass it in.' },
      ],
    },
  },
  {
    files: ['cli/**', 'infra/**', 'test/**', 'bench/**', 'bin/**', 'vitest.config.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
