// Argument parsers shared by the bench and stress commands (commander option callbacks).
import { InvalidArgumentError } from 'commander';

/** "100_000" → 100000; anything but an integer ≥ 1 is refused. */
export function positiveInt(value: string): number {
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
}

/** A finite number ≥ 0. */
export function nonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('a number ≥ 0');
  return n;
}

/** "1,8,32" → [1, 8, 32]. */
export function intList(value: string): number[] {
  return value.split(',').map((v) => positiveInt(v.trim()));
}
