// String patterns the schema enforces, with the wording validate.ts uses when
// one fails. Kept apart from schema.ts so the run-time error formatter can
// describe a pattern without loading TypeBox.

export const ABSOLUTE_PATH = '^/';
export const SEMVER = '^\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$';
export const RLIMIT_NAME = '^RLIMIT_[A-Z]+$';
export const CPU_LIST = '^[0-9, -]*$';
export const MEM_BW_SCHEMA = '^MB:[^\\n]*$';

export const PATTERN_DESCRIPTIONS: Readonly<Record<string, string>> = {
  [ABSOLUTE_PATH]: 'must be an absolute path',
  [SEMVER]: 'must be a SemVer 2.0.0 version',
  [RLIMIT_NAME]: 'must be an RLIMIT_* name',
  [CPU_LIST]: 'must be a list of CPUs such as "0-3,7"',
  [MEM_BW_SCHEMA]: 'must start with "MB:" and be a single line',
};
