/**
 * Dependencies point one way (issues 10 and 30): each folder of src/ is a
 * layer, and a file imports only from its own layer and the layers below it;
 * no file is in an import circle. `npm run deps` checks it, and CI runs it.
 * docs/architecture.md says what each layer holds.
 */

/** From the top (what composes the rest) to the bottom (what every layer uses). */
const LAYERS = [
  ['server', '^src/(server|cli)/', 'HTTP, routes, CORS, compression, downloads, metrics, tracing, GraphiQL, the per-request context, the command lines'],
  ['graphql', '^src/graphql/', 'the schema, its documentation, the shield and the executor'],
  ['startup', '^src/startup/', 'the database opened with the domain: the ORM configuration, its entities and subscribers, migrations'],
  ['seed', '^src/seed/', 'the demo and bench data'],
  ['modules', '^src/modules/', 'the domain: one folder per resource or feature'],
  ['resource', '^src/resource/', 'the declarations\' machinery: fields, naming, generated inputs, CRUD, lists, CSV, guards'],
  ['context', '^src/context\\.ts$', 'the per-request context, a contract only'],
  ['data', '^src/data/', 'reading and writing rows: loaders, plain rows, SQL builders, the compiled registry, entity bases'],
  ['db', '^src/db/', 'the database as infrastructure: connections, transactions, the driver, replicas, the embedded server'],
  ['access', '^src/access/', 'who may see what: roles, scopes, policies, masking, tokens, the read log\'s contract'],
  ['shared', '^src/(shared/|config\\.ts$|logger\\.ts$)', 'helpers every layer uses, the configuration and the logger'],
];

/** One rule per layer: nothing it holds imports a layer above it. */
function layerRules() {
  return LAYERS.slice(1).map(([name, path, holds], i) => ({
    name: `${name}-imports-only-below`,
    severity: 'error',
    comment: `src/${name} (${holds}) imports nothing from the layers above it: ${LAYERS.slice(0, i + 1).map(([n]) => n).join(', ')}.`,
    from: { path },
    to: { path: LAYERS.slice(0, i + 1).map(([, p]) => `(${p})`).join('|') },
  }));
}

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import circles, type-only imports included: each file reads as built from those below it (issue 30).',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...layerRules(),
    {
      name: 'no-resolver-imports',
      severity: 'error',
      comment: "A module uses another module's entity, rules or service, never its resolver.",
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/([^/]+)/.+\\.resolver\\.ts$', pathNot: '^src/modules/$1/' },
    },
    {
      name: 'migrations-are-frozen',
      severity: 'error',
      comment: 'An applied migration must not change when src/ does, nor src/ when a migration is edited.',
      from: { path: '^src/' },
      to: { path: '^migrations/' },
    },
  ],
  options: { doNotFollow: { path: 'node_modules' }, tsConfig: { fileName: 'tsconfig.json' }, tsPreCompilationDeps: true },
};
