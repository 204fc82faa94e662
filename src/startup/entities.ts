/** The entities the ORM maps: those the resource declarations list (src/modules/index.ts). */
export { ENTITIES as entities } from '../modules';
