// `features` on Windows: what this backend supports, in the JSON form of
// `runc features` (runtime-spec's features.md). No hooks run here and there
// is no linux section; of mount options only "ro" is read (mounts become HCS
// mapped directories and pipes).
import { SPEC_VERSION } from '../spec/version.js';

export function features(): object {
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: SPEC_VERSION,
    hooks: [],
    mountOptions: ['ro'],
  };
}
