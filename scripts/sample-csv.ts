/** `npm run sample-csv -- --rows 20000 > institutions.csv`: a valid institutions CSV in the import layout (a template, and the import benchmark's input). */
const i = process.argv.indexOf('--rows');
const rows = i > 0 ? Number(process.argv[i + 1]) : 100;
const lines = ['externalId,name,type,provinceCode,regency,annualCapacity,sectors,linkAndMatch,pmiPreparation,accreditation'];
const provinces = ['32', '33', '35', '36', '52', '18'];
for (let n = 1; n <= rows; n++) {
  lines.push(
    `LPK-${String(n).padStart(6, '0')},LPK Contoh ${n},PRIVATE_COURSE,${provinces[n % provinces.length]},Kabupaten ${n % 40},${40 + (n % 400)},HEALTH;TOURISM,${n % 3 === 0},${n % 50 === 0},${['A', 'B', 'C'][n % 3]}`,
  );
}
process.stdout.write(lines.join('\n') + '\n');
