import { create } from '@bufbuild/protobuf';
import { Code, RemoteMediaError } from '@remotemedia/runtime-core';
import { type ErrorCode, type PipelineError, PipelineErrorSchema } from './gen/remotemedia/v1/errors_pb.js';

const validCodes = new Set<number>(Object.values(Code));

/** Anything thrown -> PipelineError. Non-RemoteMediaErrors become Internal (see RemoteMediaError.from). */
export function errorToProto(error: unknown): PipelineError {
  const e = RemoteMediaError.from(error);
  return create(PipelineErrorSchema, {
    code: e.code as number as ErrorCode,
    message: e.rawMessage,
    nodeId: e.nodeId,
    reason: e.reason,
    details: e.details.map((d) => ({ path: d.path, message: d.message })),
  });
}

/** PipelineError -> RemoteMediaError with the same code, message, details, nodeId and reason. */
export function errorFromProto(error: PipelineError, cause?: unknown): RemoteMediaError {
  const code = validCodes.has(error.code) ? (error.code as number as Code) : Code.Unknown;
  return new RemoteMediaError(code, error.message, {
    cause,
    nodeId: error.nodeId || undefined,
    reason: error.reason || undefined,
    details: error.details.map((d) => (d.path === undefined ? { message: d.message } : { path: d.path, message: d.message })),
  });
}
