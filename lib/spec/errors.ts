import { TsrunError } from '../errors.js';

/**
 * config.json is unusable. The message is one line, `config.json: <field>: <problem>`;
 * `field` is the dotted path of the offending value (`linux.namespaces[2].type`),
 * or '' when the document as a whole is at fault.
 */
export class SpecError extends TsrunError {
  override name = 'SpecError';
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`config.json: ${field ? `${field}: ` : ''}${problem}`);
  }
}
