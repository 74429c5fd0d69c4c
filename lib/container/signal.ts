import { constants } from 'node:os';
import { InvalidArgumentError } from '../errors.js';

const signals = constants.signals as Record<string, number>;

/** Parses a signal as runc does: a number, or a name with or without "SIG". */
export function parseSignal(value: string | number): number {
  if (typeof value === 'number' || /^\d+$/.test(value)) {
    const n = Number(value);
    // 0 is allowed: it checks that the container runs without signalling it.
    if (Number.isInteger(n) && n >= 0 && n <= 64) return n;
    throw new InvalidArgumentError(`invalid signal: ${value}`);
  }
  const name = value.toUpperCase();
  const n = signals[name.startsWith('SIG') ? name : `SIG${name}`];
  if (n === undefined) throw new InvalidArgumentError(`unknown signal "${value}"`);
  return n;
}
