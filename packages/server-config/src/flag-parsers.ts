// Parsers of the apps' flag and env values, shared so every app reads `--max-sessions 0` or
// `--metrics-public maybe` the same way and says so in the same words. They throw commander's
// InvalidArgumentError, which commander prints as "error: option '...' argument '...' is invalid."
import { InvalidArgumentError } from 'commander';

/** A whole number of at least `min`, e.g. `int('--max-sessions', 1)`. */
export const intFlag =
  (name: string, min: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got "${value}"`);
    return n;
  };

/** true/false, also 1/0, yes/no, on/off. */
export const boolFlag =
  (name: string) =>
  (value: string): boolean => {
    const v = value.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    throw new InvalidArgumentError(`${name} must be true or false, got "${value}"`);
  };

/** A comma-separated list, blanks dropped. */
export const listFlag = (value: string): string[] =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
