/**
 * The runtime-spec version tsrun writes into config.json and reports. runc
 * 1.1.5 says "1.0.2-dev"; using the same string keeps `tsrun spec` output
 * byte-identical to `runc spec`.
 */
export const SPEC_VERSION = '1.0.2-dev';

/** Alias of SPEC_VERSION, named after the config.json field it fills. */
export const OCI_VERSION = SPEC_VERSION;
