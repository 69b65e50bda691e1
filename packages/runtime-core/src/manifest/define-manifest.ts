import { Code, RemoteMediaError } from '../errors.js';
import type { DeepReadonly, ManifestSource } from '../transport/pipeline-transport.js';
import type { ManifestInput } from './manifest-schema.js';

declare const DEFINED: unique symbol;
/** A manifest made by `defineManifest`: deep-frozen, with its JSON text computed once. */
export type DefinedManifest = DeepReadonly<ManifestInput> & { readonly [DEFINED]: true };

interface StoredText {
  text: string;
  /** The text as a JSON string literal, for bodies that carry the manifest as a string; made on first use. */
  literal?: string;
}
/** Frozen manifests -> their JSON text. Only frozen values are keys, so a key's text never goes stale. */
const texts = new WeakMap<object, StoredText>();

const MAX_DEPTH = 32;

/**
 * Where the first value JSON cannot carry as it is sits (a function, Map, class instance, NaN,
 * undefined in an array...), as path segments; undefined when everything is plain JSON data.
 * Segments are only collected on the way back from a failure: the runner walks every plain-object
 * manifest on every call with this.
 */
export function nonJsonPath(value: unknown, depth = 0): Array<string | number> | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : [];
    case 'object': {
      if (value === null) return undefined;
      if (depth > MAX_DEPTH) return []; // also ends cycles
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const bad = nonJsonPath(value[i], depth + 1);
          if (bad !== undefined) return (bad.push(i), bad);
        }
        return undefined;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return [];
      for (const key in value) {
        const item = (value as Record<string, unknown>)[key];
        if (item === undefined) continue; // JSON drops it, as an absent key
        const bad = nonJsonPath(item, depth + 1);
        if (bad !== undefined) return (bad.push(key), bad);
      }
      return undefined;
    }
    default:
      return []; // function, symbol, bigint, undefined in an array
  }
}

const formatSegments = (reversed: Array<string | number>): string =>
  reversed.reduceRight<string>((path, seg) => (typeof seg === 'number' ? `${path}[${seg}]` : path ? `${path}.${seg}` : seg), '') || '(root)';

/** Freezes every object and array inside `value` (typed arrays cannot be frozen and are left as they are). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value) && !ArrayBuffer.isView(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/**
 * A manifest as an immutable value: a deep-frozen copy of `manifest` whose JSON text is computed
 * here, once. Clients send that text and the runner keys its validation cache by it, so calls
 * with a defined manifest skip serializing it (~1.3 us per HTTP call in `pnpm bench http`), where
 * a plain object is serialized on every call, since it may have changed since the last one.
 * Throws InvalidArgument, naming the path, when a value cannot travel as JSON.
 */
export function defineManifest(manifest: ManifestInput | DeepReadonly<ManifestInput>): DefinedManifest {
  const segments = nonJsonPath(manifest);
  if (segments !== undefined) {
    const bad = formatSegments(segments);
    throw new RemoteMediaError(
      Code.InvalidArgument,
      `manifest value at ${bad} cannot be sent as JSON (functions, class instances, Maps, NaN and Infinity cannot)`,
      { details: [{ path: bad, message: 'not JSON data' }] },
    );
  }
  const text = JSON.stringify(manifest);
  const copy = deepFreeze(JSON.parse(text) as object);
  texts.set(copy, { text });
  return copy as DefinedManifest;
}

/** The JSON text of a manifest made by `defineManifest`, else undefined. */
export function definedManifestText(manifest: unknown): string | undefined {
  return typeof manifest === 'object' && manifest !== null ? texts.get(manifest)?.text : undefined;
}

/** The text a client sends for a manifest: text as written, a defined manifest's stored JSON, else fresh JSON. */
export function manifestText(manifest: ManifestSource): string {
  return typeof manifest === 'string' ? manifest : (texts.get(manifest)?.text ?? JSON.stringify(manifest));
}

/**
 * `JSON.stringify(manifestText(manifest))`, kept with a defined manifest: escaping the quotes of
 * its text is the slow path of JSON.stringify, and HTTP bodies carry the manifest as a string.
 */
export function manifestTextLiteral(manifest: ManifestSource): string {
  const stored = typeof manifest === 'string' ? undefined : texts.get(manifest);
  if (!stored) return JSON.stringify(manifestText(manifest));
  return (stored.literal ??= JSON.stringify(stored.text));
}
