import type * as z from 'zod/mini';
import type { ErrorDetail } from '../errors.js';

/** `['nodes', 2, 'params', 'rate']` -> `nodes[2].params.rate` */
export function formatPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else {
      const name = String(key);
      out += /^[A-Za-z_$][\w$-]*$/.test(name) ? (out ? `.${name}` : name) : `[${JSON.stringify(name)}]`;
    }
  }
  return out;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length ? `a list of ${value.length}` : 'an empty list';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key as string];
  }
  return cur;
}

/** Unknown field names listed in one message; a client may send thousands. */
const MAX_KEYS_LISTED = 10;

/** `value` is what the input holds at the issue's path: issues carry no input unless asked to. */
function plainMessage(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      return value === undefined ? 'is required' : `expected ${issue.expected}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys
        .slice(0, MAX_KEYS_LISTED)
        .map((k) => JSON.stringify(k.length > 64 ? `${k.slice(0, 61)}...` : k))
        .join(', ')}${issue.keys.length > MAX_KEYS_LISTED ? ` and ${issue.keys.length - MAX_KEYS_LISTED} more` : ''}`;
    case 'too_small':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `expected at least ${String(issue.minimum)} ${issue.origin === 'array' ? 'items' : 'characters'}`
        : `expected a number ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `expected at most ${String(issue.maximum)} ${issue.origin === 'array' ? 'items' : 'characters'}`
        : `expected a number ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message;
  }
}

/**
 * Turns zod issues into `path: message, got value` details. Custom messages set in schemas
 * (`{ error: 'expected a positive integer' }`) are kept; the offending value is appended.
 */
export function issuesToDetails(issues: readonly z.core.$ZodIssue[], input: unknown, prefix: readonly PropertyKey[] = []): ErrorDetail[] {
  return issues.map((issue) => {
    const fullPath = [...prefix, ...issue.path];
    const value = valueAt(input, issue.path);
    const missing = issue.code === 'invalid_type' && value === undefined;
    const defaultish = missing || /^Invalid|^Too (small|big)|^Unrecognized/.test(issue.message);
    let message = defaultish ? plainMessage(issue, value) : issue.message;
    if (issue.code !== 'unrecognized_keys' && value !== undefined && !message.includes(', got ')) message += `, got ${describeValue(value)}`;
    return { path: formatPath(fullPath), message };
  });
}

export function formatDetails(details: readonly ErrorDetail[]): string {
  return details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('\n');
}
