import { describe, expect, it } from 'vitest';
import { ageOn, formatNik, maskNik, nikMismatch, parseNik } from '../../src/modules/trainee/nik';
import { Sex } from '../../src/shared/enums';

describe('NIK format', () => {
  it("parses a man's NIK", () => {
    expect(parseNik('3507121204980001')).toMatchObject({
      provinceCode: '35',
      regencyCode: '07',
      districtCode: '12',
      sex: Sex.MALE,
      birthDay: 12,
      birthMonth: 4,
      birthYear2: 98,
      serial: '0001',
    });
  });

  it('reads day + 40 as a woman', () => {
    expect(parseNik('3507125204980001')).toMatchObject({ sex: Sex.FEMALE, birthDay: 12 });
  });

  it.each([
    ['350712120498000', 'exactly 16 digits'],
    ['35071212049800011', 'exactly 16 digits'],
    ['3507121204980a01', 'exactly 16 digits'],
    ['9907121204980001', 'unknown province code 99'],
    ['3500121204980001', 'regency/city code 00'],
    ['3570121204980001', 'regency/city code 70'],
    ['3507001204980001', 'district code 00'],
    ['3507123204980001', 'impossible birth date'], // day 32
    ['3507127204980001', 'impossible birth date'], // day 72 - 40 = 32
    ['3507121213980001', 'impossible birth date'], // month 13
    ['3507123002980001', 'impossible birth date'], // 30 February
    ['3507121204980000', 'serial 0000'],
  ])('rejects %s (%s)', (nik, reason) => {
    const r = parseNik(nik);
    expect(typeof r).toBe('string');
    expect(r).toContain(reason);
  });

  it('accepts 29 February only in a leap year of either century', () => {
    expect(typeof parseNik('3507122902000001')).toBe('object'); // 2000
    expect(typeof parseNik('3507122902960001')).toBe('object'); // 1996
    expect(typeof parseNik('3507122902970001')).toBe('string'); // neither 1997 nor 2097
  });

  it('accepts codes of regions that were split later (kota 71-99 too)', () => {
    expect(typeof parseNik('9171011204980001')).toBe('object');
  });

  it('checks agreement with birth date and sex', () => {
    expect(nikMismatch('3507125204980001', '1998-04-12', Sex.FEMALE)).toBeNull();
    expect(nikMismatch('3507125204980001', '1998-04-13', Sex.FEMALE)).toContain('birth date');
    expect(nikMismatch('3507125204980001', '1998-04-12', Sex.MALE)).toContain('woman');
    expect(nikMismatch('3507121204980001', '1998-04-12', Sex.FEMALE)).toContain('man');
  });

  it('formats what it parses', () => {
    const nik = formatNik({ provinceCode: '52', regencyCode: '03', districtCode: '05', birthDate: '2001-11-30', sex: Sex.FEMALE, serial: 42 });
    expect(nik).toBe('5203057011010042');
    expect(nikMismatch(nik, '2001-11-30', Sex.FEMALE)).toBeNull();
  });

  it('masks all but the region prefix and the last two digits', () => {
    expect(maskNik('3201121204980001')).toBe('3201**********01');
  });

  it('computes age in whole years', () => {
    expect(ageOn('2007-11-28', '2025-11-28')).toBe(18);
    expect(ageOn('2007-11-29', '2025-11-28')).toBe(17);
    expect(ageOn('2008-02-29', '2026-02-28')).toBe(17);
  });
});
