// Runs one of the repository's commands (src/cli/<name>.ts) from a checkout, after `npm install` at its
// root: with the checkout's tsx, or from its build (`npm run build`) when tsx is not installed.
const path = require('node:path');

module.exports = function runCli(name) {
  const root = path.resolve(__dirname, '..');
  let tsx;
  try {
    tsx = require.resolve('tsx/cjs', { paths: [root] });
  } catch {
    return require(path.join(root, 'dist', 'src', 'cli', `${name}.js`));
  }
  require(tsx);
  require(path.join(root, 'src', 'cli', `${name}.ts`));
};
