import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // One copy of graphql: libraries load the CommonJS build, so must we (stack.md trap 1).
    alias: [
      { find: /^graphql$/, replacement: require.resolve('graphql') },
      // graphql-shield's ESM build imports `isUndefined` from 'util', which Node 24 no longer has; its CommonJS build works everywhere.
      { find: /^graphql-shield$/, replacement: require.resolve('graphql-shield') },
      // ...and then graphql-middleware must be the CommonJS build too: shield's generators are checked with instanceof.
      { find: /^graphql-middleware$/, replacement: require.resolve('graphql-middleware') },
      // Apollo as the server runs it: src/graphql/gateway-request-context.ts replaces a function of its CommonJS build.
      { find: /^@apollo\/server$/, replacement: require.resolve('@apollo/server') },
      { find: /^@apollo\/server\/plugin\/disabled$/, replacement: require.resolve('@apollo/server/plugin/disabled') },
    ],
  },
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { NODE_ENV: 'test' },
  },
});
