// specs/errors.json against the code that implements it: runtime-core's closed Codes, the gRPC
// status numbers (of @grpc/grpc-js, gRPC's own Node implementation) and the protobuf ErrorCode,
// the kit's one HTTP table in both directions, the WebRTC JSON-RPC codes, and the other specs.
import { readFileSync } from 'node:fs';
import { status as grpcStatus } from '@grpc/grpc-js';
import { ErrorCode } from '@remotemedia/protocol';
import { Code, RemoteMediaError, codeName } from '@remotemedia/runtime-core';
import { HTTP_STATUS_OF_CODE, HTTP_STATUS_OF_REASON, codeOfHttpStatus, httpStatusOf } from '@remotemedia/runtime-core/kit';
import { RpcErrorCode } from '@remotemedia/transport-webrtc';
import { describe, expect, it } from 'vitest';
import { errorsSpec, openApi, signalingSchema } from './spec-documents.js';

const { codes } = errorsSpec;
const byName = new Map(codes.map((c) => [c.name, c]));
const upper = (name: string) => name.toUpperCase();

describe('specs/errors.json', () => {
  it('lists exactly the Codes of runtime-core, with their snake_case names and numbers', () => {
    expect(codes.map((c) => [c.name, c.number])).toEqual(Object.values(Code).map((n) => [codeName(n), n]));
  });

  it('numbers them as gRPC status codes (the gRPC name of each), and as the protobuf ErrorCode', () => {
    for (const c of codes) {
      expect(grpcStatus[c.grpc as keyof typeof grpcStatus], c.grpc).toBe(c.number);
      expect(ErrorCode[upper(c.name) as keyof typeof ErrorCode], `ErrorCode.${upper(c.name)}`).toBe(c.number);
    }
    // Every gRPC status but OK is a code.
    const grpcErrors = Object.entries(grpcStatus).filter(([name, n]) => typeof n === 'number' && name !== 'OK');
    expect(grpcErrors.map(([name]) => name).sort()).toEqual(codes.map((c) => c.grpc).sort());
  });

  it("is the kit's HTTP table: code -> status, the reason overrides, and status -> code", () => {
    expect({ ...HTTP_STATUS_OF_CODE }).toEqual(Object.fromEntries(codes.map((c) => [c.name, c.http])));
    const { $comment: _, ...overrides } = errorsSpec.httpReasonOverrides as Record<string, unknown>;
    expect({ ...HTTP_STATUS_OF_REASON }).toEqual(overrides);
    for (const c of codes) {
      expect(httpStatusOf(new RemoteMediaError(c.number as Code, 'x')), c.name).toBe(c.http);
      for (const [reason, status] of Object.entries(overrides)) expect(httpStatusOf(new RemoteMediaError(c.number as Code, 'x', { reason }))).toBe(status);
    }
    expect(httpStatusOf(new RemoteMediaError(Code.Internal, 'x', { reason: 'toString' }))).toBe(500);
    const { otherwise, $comment: __, ...table } = errorsSpec.codeOfHttpStatus;
    for (let status = 100; status < 600; status++) expect(codeName(codeOfHttpStatus(status)), `HTTP ${status}`).toBe(table[String(status)] ?? otherwise);
  });

  it('lists the connection-level statuses with codes of the table', () => {
    for (const [status, { code }] of Object.entries(errorsSpec.httpConnectionStatuses).filter(([k]) => k !== '$comment')) {
      expect(byName.has(code), code).toBe(true);
      expect(Number(status)).toBeGreaterThanOrEqual(400);
    }
  });

  it('has the JSON-RPC codes transport-webrtc exports, and its mappings name only known codes', () => {
    const { $comment: _, ...rpc } = errorsSpec.jsonRpc.codes as Record<string, unknown>;
    expect(rpc).toEqual({ ...RpcErrorCode });
    const { $comment: __, otherwise, ...ofCode } = errorsSpec.jsonRpc.rpcCodeOfCode;
    for (const [code, rpcName] of Object.entries(ofCode)) {
      expect(byName.has(code), code).toBe(true);
      expect(rpc, rpcName).toHaveProperty(rpcName);
    }
    expect(rpc).toHaveProperty(otherwise);
    const { $comment: ___, ...ofRpc } = errorsSpec.jsonRpc.codeOfRpcCode;
    for (const [rpcName, code] of Object.entries(ofRpc)) {
      expect(rpc, rpcName).toHaveProperty(rpcName);
      expect(byName.has(code), code).toBe(true);
    }
  });

  it('agrees with the code enums of the OpenAPI document and the signaling schema', () => {
    const names = codes.map((c) => c.name);
    expect((openApi.components.schemas.Code as { enum: string[] }).enum).toEqual(names);
    const defs = signalingSchema.$defs as { code: { enum: string[] }; rpcError: { properties: { code: { enum: number[] } } } };
    expect(defs.code.enum).toEqual(names);
    expect([...defs.rpcError.properties.code.enum].sort()).toEqual(Object.values(RpcErrorCode).sort());
  });

  it('is named normative by docs/errors.md, whose table agrees with it', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    expect(doc).toContain('specs/errors.json');
    for (const c of codes) {
      const pascal = c.name.replace(/(^|_)([a-z])/g, (_, __, ch: string) => ch.toUpperCase());
      expect(doc, pascal).toMatch(new RegExp(`\\| \`${pascal}\` \\| ${c.number} \\| ${c.http}\\b`));
    }
  });
});
