import { field } from '../../resource/fields';
import { ownedEntity } from '../../resource/owned-entity';
import { Accreditation, InstitutionType, Sector } from '../../shared/enums';
import { IsProvinceCode } from '../../shared/validators';

export const Institution = ownedEntity('Institution', {
  description: 'A vocational training institution run by a ministry: a BLK, polytechnic, vocational school, academy or course.',
  fields: {
    externalId: field.externalId(),
    name: field.text({ description: 'Official name, e.g. BBPVP Bekasi.', length: [3, 200], filter: { search: 'search' }, sort: 'NAME' }),
    type: field.enum(InstitutionType, 'institution_type', { description: 'What kind of institution it is.', filter: 'eq' }),
    provinceCode: field.text({
      description: 'Kemendagri province code, e.g. 35 for Jawa Timur.',
      columnLength: 2,
      rules: [IsProvinceCode()],
      index: true,
      filter: 'eq',
      sort: 'PROVINCE_CODE',
    }),
    regency: field.text({ description: 'Regency or city (kabupaten/kota).', nullable: true, length: [1, 120] }),
    address: field.text({ notPersonal: "an institution's address", description: 'Street address.', nullable: true, columnType: 'text', length: [1, 500] }),
    annualCapacity: field.int({
      description: 'Annual training capacity (daya latih), participants per year.',
      min: 0,
      max: 10_000_000,
      sort: 'ANNUAL_CAPACITY',
    }),
    sectors: field.enumList(Sector, 'sector', {
      description: 'The programme sectors it trains for.',
      default: [],
      max: 13,
      filter: { contains: 'sector', description: 'Institutions offering this sector.' },
    }),
    linkAndMatch: field.bool({ description: 'Data marked link-and-match with overseas labour demand.', default: false, filter: 'eq' }),
    pmiPreparation: field.bool({ description: 'Directly engaged in preparing calon PMI.', default: false, filter: 'eq' }),
    accreditation: field.enum(Accreditation, 'accreditation', { description: 'Accreditation grade; null when not recorded.', nullable: true }),
  },
});
export type Institution = InstanceType<typeof Institution>;
