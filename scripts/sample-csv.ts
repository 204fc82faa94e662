/**
 * `npm run sample-csv -- --rows 20000 --out institutions.csv`: a valid
 * institutions CSV in the import layout (a template, and the import
 * benchmark's input). `--out` writes the file itself: through `npm run`,
 * standard output also carries npm's banner, which would become the CSV's
 * first lines (run with `npm run --silent` to use standard output).
 */
import { writeFileSync } from 'node:fs';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const rows = Number(arg('rows') ?? 100);
if (!Number.isInteger(rows) || rows < 0) {
  process.stderr.write('usage: npm run sample-csv -- [--rows N] [--out FILE]\n');
  process.exit(2);
}
const lines = ['externalId,name,type,provinceCode,regency,annualCapacity,sectors,linkAndMatch,pmiPreparation,accreditation'];
const provinces = ['32', '33', '35', '36', '52', '18'];
for (let n = 1; n <= rows; n++) {
  lines.push(
    `LPK-${String(n).padStart(6, '0')},LPK Contoh ${n},PRIVATE_COURSE,${provinces[n % provinces.length]},Kabupaten ${n % 40},${40 + (n % 400)},HEALTH;TOURISM,${n % 3 === 0},${n % 50 === 0},${['A', 'B', 'C'][n % 3]}`,
  );
}
const out = arg('out');
if (out) {
  writeFileSync(out, lines.join('\n') + '\n');
  process.stderr.write(`${rows} rows written to ${out}\n`);
} else process.stdout.write(lines.join('\n') + '\n');
