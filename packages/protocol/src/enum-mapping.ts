import { CONTROL_TYPES, Code, IMAGE_FORMATS, PIXEL_FORMATS, RemoteMediaError, TENSOR_DTYPES, VIDEO_CODECS } from '@remotemedia/runtime-core';

type EnumTable = Readonly<Record<string, number>>;

/**
 * Wire number -> runtime-core name. The proto enums are numbered like runtime-core's canonical
 * tables (asserted by a test), so mapping is a table look-up, never a second numbering.
 */
export function enumFromWire<T extends EnumTable>(table: T, value: number, what: string, path: string): keyof T & string {
  for (const key in table) if (table[key] === value) return key;
  throw new RemoteMediaError(Code.InvalidArgument, `${path}: unknown ${what} ${value}; expected one of ${Object.values(table).join(', ')}`, {
    details: [{ path, message: `unknown ${what} ${value}` }],
    reason: 'MalformedData',
  });
}

export function enumToWire<T extends EnumTable>(table: T, name: keyof T, what: string): number {
  const value = table[name as string];
  if (value === undefined) throw new RemoteMediaError(Code.InvalidArgument, `unknown ${what} "${String(name)}"`, { reason: 'MalformedData' });
  return value;
}

export const wireTables = { PIXEL_FORMATS, VIDEO_CODECS, IMAGE_FORMATS, TENSOR_DTYPES, CONTROL_TYPES } as const;
