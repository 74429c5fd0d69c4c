// config.json: types, validation and the default spec. Nothing here loads
// TypeBox or ajv; schema.ts is a build-time input, not part of this API.

export { defaultSpec, formatSpec, type DefaultSpecOptions } from './default.js';
export { SpecError } from './errors.js';
export type * from './types.js';
export { checkLinuxSpec, checkWindowsSpec, parseSpec, validateSpec, type PlatformRules } from './validate.js';
export { OCI_VERSION, SPEC_VERSION } from './version.js';
