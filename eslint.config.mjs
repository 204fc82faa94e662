// Lint rules that the type checker does not give: no `any` and no non-null assertion in
// src/ (issue 10) — a `!` is a promise the code cannot check, and guards in
// src/resource/guards.ts state the same facts in the type system instead. And no getter or
// setter in an object literal: V8 puts such accessors in the old generation, where they keep
// what they reach (a whole request) alive through every scavenge until a full collection
// (src/graphql/gateway-request-context.ts); a class's accessors live on its prototype, made once.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/generated/**', '.ci-results/**'] },
  {
    files: ['src/**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "ObjectExpression > Property[kind='get'], ObjectExpression > Property[kind='set']",
          message: 'No accessors in object literals: put them on a class (see src/graphql/gateway-request-context.ts).',
        },
      ],
    },
  },
);
