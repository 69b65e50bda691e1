// The documents of specs/ loaded once, and ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1)
// validators built from them. Nothing here knows a route: every rule comes from the documents.
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

const specsDir = new URL('../', import.meta.url);
export const readSpec = (name: string): string => readFileSync(new URL(name, specsDir), 'utf8');

export const openApi = parse(readSpec('http-api.openapi.yaml')) as OpenApiDocument;
export const manifestSchema = JSON.parse(readSpec('manifest.schema.json')) as Record<string, unknown>;
export const signalingSchema = JSON.parse(readSpec('webrtc-signaling.schema.json')) as Record<string, unknown>;
export const errorsSpec = JSON.parse(readSpec('errors.json')) as ErrorsSpec;

/**
 * A JSON message or body read off a server's wire. The tests check it against its schema in the
 * spec (expectValid, expectResponseConforms) and read its fields as the schema lays them out.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON whose shape the spec's schemas check, not the type system
export type WireJson = any;

/** Where the OpenAPI document is registered in ajv: its relative `$ref`s (`manifest.schema.json`) resolve against it. */
const OPENAPI_ID = 'https://remotemedia.dev/specs/http-api.openapi.yaml';
const MANIFEST_ID = 'https://remotemedia.dev/specs/manifest.schema.json';

export interface OpenApiDocument {
  openapi: string;
  /** Path items: an `Operation` per method, next to path-level fields (`parameters`, ...). */
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown>; responses: Record<string, Response> };
  [extension: `x-${string}`]: unknown;
}
interface Operation {
  responses: Record<string, Response | { $ref: string }>;
  'x-remotemedia-sse-events'?: Record<string, { $ref: string }>;
  'x-remotemedia-websocket'?: { client: { $ref: string }; server: { $ref: string } };
}
interface Response {
  description: string;
  content?: Record<string, { schema?: unknown }>;
}
export interface ErrorsSpec {
  codes: Array<{ name: string; number: number; grpc: string; http: number }>;
  httpReasonOverrides: Record<string, number>;
  httpConnectionStatuses: Record<string, { code: string; reason: string }>;
  codeOfHttpStatus: Record<string, string>;
  jsonRpc: {
    codes: Record<string, number>;
    rpcCodeOfCode: Record<string, string>;
    codeOfRpcCode: Record<string, string>;
  };
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export function createAjv(): Ajv2020 {
  // strict: false because an OpenAPI document is more than JSON Schema (discriminator, headers...).
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  ajv.addSchema({ ...manifestSchema, $id: MANIFEST_ID });
  ajv.addSchema({ ...openApi, $id: OPENAPI_ID });
  ajv.addSchema(signalingSchema);
  return ajv;
}

const ajv = createAjv();
const compiled = new Map<string, ValidateFunction>();

/** A validator of the schema at `ref`: a `$ref` of the OpenAPI document (`#/components/...`) or an absolute URI. */
export function validatorOf(ref: string): ValidateFunction {
  const uri = ref.startsWith('#') ? `${OPENAPI_ID}${ref}` : ref;
  let v = compiled.get(uri);
  if (!v) compiled.set(uri, (v = ajv.compile({ $ref: uri })));
  return v;
}

export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`).join('; ');
}

/** Throws naming every problem unless `value` matches the schema at `ref`. */
export function expectValid(ref: string, value: unknown, what: string): void {
  const validate = validatorOf(ref);
  if (!validate(value)) throw new Error(`${what} does not match ${ref}: ${describeErrors(validate.errors)}\n${JSON.stringify(value).slice(0, 2000)}`);
}

const pointer = (...parts: string[]) => '#/' + parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/** The operation of the document for `method` on the path template `path`, or a thrown error. */
export function operation(path: string, method: string): Operation {
  const op = openApi.paths[path]?.[method.toLowerCase()] as Operation | undefined;
  if (!op) throw new Error(`the spec has no ${method.toUpperCase()} ${path}`);
  return op;
}

/** Follows a `#/components/responses/X` reference. */
function resolveResponse(r: Response | { $ref: string }): { response: Response; at: string } | undefined {
  if ('$ref' in r) {
    const name = r.$ref.split('/').pop()!;
    return { response: openApi.components.responses[name], at: pointer('components', 'responses', name) };
  }
  return undefined;
}

/**
 * Checks one real response against the document: its status must be declared for the operation
 * (or be one of the connection-level statuses any request may get), its content type declared
 * for that status, and a JSON body must match the declared schema.
 */
export function expectResponseConforms(path: string, method: string, status: number, contentType: string | null, body: string): void {
  const op = operation(path, method);
  const where = `${method.toUpperCase()} ${path} -> ${status}`;
  let declared = op.responses[String(status)];
  let at = pointer('paths', path, method.toLowerCase(), 'responses', String(status));
  const connection = openApi['x-remotemedia-connection-errors'] as Record<string, { $ref: string }> | undefined;
  if (!declared && connection?.[String(status)]) {
    declared = connection[String(status)]!;
    at = '';
  }
  if (!declared) throw new Error(`${where}: status not declared by the spec (declared: ${Object.keys(op.responses).join(', ')}); body: ${body.slice(0, 500)}`);
  const resolved = resolveResponse(declared);
  const response = resolved?.response ?? (declared as Response);
  if (resolved) at = resolved.at;
  const content = response.content;
  if (!content) {
    if (body.length) throw new Error(`${where}: the spec declares no body, got ${body.slice(0, 200)}`);
    return;
  }
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (!(type in content)) throw new Error(`${where}: content-type ${JSON.stringify(contentType)} not declared (declared: ${Object.keys(content).join(', ')})`);
  if (type === 'application/json') expectValid(`${at}/content/${'application~1json'}/schema`, JSON.parse(body), where);
}
