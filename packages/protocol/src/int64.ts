/** number -> int64 wire value (integers; fractions are rounded, as documented in the proto). */
export const toInt64 = (n: number): bigint => BigInt(Math.round(n));
export const optInt64 = (n: number | undefined): bigint | undefined => (n === undefined ? undefined : toInt64(n));
/** int64 wire value -> number (exact up to 2^53, far beyond microsecond timestamps and counters). */
export const optNumber = (n: bigint | undefined): number | undefined => (n === undefined ? undefined : Number(n));
