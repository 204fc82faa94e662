/** Reference data every installation has: the ministries and destination countries of domain.md. */
export const MINISTRIES = [
  {
    code: 'KP2MI',
    name: 'Kementerian Pelindungan Pekerja Migran Indonesia',
    nameEn: 'Ministry of Protection of Indonesian Migrant Workers',
    isCoordinator: true,
  },
  { code: 'KESDM', name: 'Kementerian Energi dan Sumber Daya Mineral', nameEn: 'Ministry of Energy and Mineral Resources' },
  { code: 'KEMENPERIN', name: 'Kementerian Perindustrian', nameEn: 'Ministry of Industry' },
  { code: 'KEMENUMKM', name: 'Kementerian Usaha Mikro, Kecil, dan Menengah', nameEn: 'Ministry of Micro, Small and Medium Enterprises' },
  { code: 'KEMNAKER', name: 'Kementerian Ketenagakerjaan', nameEn: 'Ministry of Manpower' },
  { code: 'KEMENKES', name: 'Kementerian Kesehatan', nameEn: 'Ministry of Health' },
  { code: 'KEMENPAR', name: 'Kementerian Pariwisata', nameEn: 'Ministry of Tourism' },
  { code: 'KKP', name: 'Kementerian Kelautan dan Perikanan', nameEn: 'Ministry of Marine Affairs and Fisheries' },
  { code: 'KEMENTAN', name: 'Kementerian Pertanian', nameEn: 'Ministry of Agriculture' },
  { code: 'KEMENDIKDASMEN', name: 'Kementerian Pendidikan Dasar dan Menengah', nameEn: 'Ministry of Primary and Secondary Education' },
  { code: 'KEMDIKTISAINTEK', name: 'Kementerian Pendidikan Tinggi, Sains, dan Teknologi', nameEn: 'Ministry of Higher Education, Science and Technology' },
  { code: 'KEMENHUB', name: 'Kementerian Perhubungan', nameEn: 'Ministry of Transportation' },
  { code: 'KEMENPU', name: 'Kementerian Pekerjaan Umum', nameEn: 'Ministry of Public Works' },
] as const;

const FOCUS: [string, string, string][] = [
  ['JP', 'Japan', 'Jepang'],
  ['KR', 'South Korea', 'Korea Selatan'],
  ['TW', 'Taiwan', 'Taiwan'],
  ['DE', 'Germany', 'Jerman'],
  ['NL', 'Netherlands', 'Belanda'],
  ['CO', 'Colombia', 'Kolombia'],
  ['CA', 'Canada', 'Kanada'],
  ['US', 'United States', 'Amerika Serikat'],
];
const OTHER_OPEN: [string, string, string][] = [
  ['HK', 'Hong Kong', 'Hong Kong'],
  ['MY', 'Malaysia', 'Malaysia'],
  ['SG', 'Singapore', 'Singapura'],
  ['AU', 'Australia', 'Australia'],
  ['BN', 'Brunei', 'Brunei Darussalam'],
  ['GB', 'United Kingdom', 'Britania Raya'],
];
/** Kepmenaker 260/2015: the announced list of 21 Middle East and North African countries. */
const MORATORIUM: [string, string, string][] = [
  ['DZ', 'Algeria', 'Aljazair'],
  ['SA', 'Saudi Arabia', 'Arab Saudi'],
  ['BH', 'Bahrain', 'Bahrain'],
  ['IQ', 'Iraq', 'Irak'],
  ['IR', 'Iran', 'Iran'],
  ['KW', 'Kuwait', 'Kuwait'],
  ['LB', 'Lebanon', 'Lebanon'],
  ['LY', 'Libya', 'Libya'],
  ['MA', 'Morocco', 'Maroko'],
  ['MR', 'Mauritania', 'Mauritania'],
  ['EG', 'Egypt', 'Mesir'],
  ['OM', 'Oman', 'Oman'],
  ['PK', 'Pakistan', 'Pakistan'],
  ['PS', 'Palestine', 'Palestina'],
  ['QA', 'Qatar', 'Qatar'],
  ['SS', 'South Sudan', 'Sudan Selatan'],
  ['SY', 'Syria', 'Suriah'],
  ['TN', 'Tunisia', 'Tunisia'],
  ['AE', 'United Arab Emirates', 'Uni Emirat Arab'],
  ['YE', 'Yemen', 'Yaman'],
  ['JO', 'Jordan', 'Yordania'],
];

export const COUNTRIES = [
  ...FOCUS.map(([code, nameEn, nameId]) => ({ code, nameEn, nameId, isFocus: true, moratorium: false })),
  ...OTHER_OPEN.map(([code, nameEn, nameId]) => ({ code, nameEn, nameId, isFocus: false, moratorium: false })),
  ...MORATORIUM.map(([code, nameEn, nameId]) => ({
    code,
    nameEn,
    nameId,
    isFocus: false,
    moratorium: true,
    moratoriumBasis: 'Kepmenaker 260/2015 (placement with individual employers)',
    moratoriumSince: '2015-07-01',
  })),
];
