import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { Code, RemoteMediaError } from '@remotemedia/runtime-core';
import { describe, expect, it } from 'vitest';
import { type ErrorCode, PipelineErrorSchema, errorFromProto, errorToProto, sessionMetricsFromProto, sessionMetricsToProto } from '../src/index.js';

describe('error mapping', () => {
  it('round-trips code, message, details, nodeId and reason over binary protobuf', () => {
    const original = new RemoteMediaError(Code.InvalidArgument, 'manifest is invalid', {
      details: [{ path: 'nodes[0].nodeType', message: 'unknown node type "Nope"' }, { message: 'no path here' }],
      nodeId: 'n1',
      reason: 'ManifestInvalid',
    });
    const back = errorFromProto(fromBinary(PipelineErrorSchema, toBinary(PipelineErrorSchema, errorToProto(original))));
    expect(back).toBeInstanceOf(RemoteMediaError);
    expect(back.toJSON()).toEqual(original.toJSON());
    expect(back.code).toBe(Code.InvalidArgument);
  });

  it('turns foreign errors into Internal and unknown codes into Unknown', () => {
    expect(errorToProto(new Error('boom')).code).toBe(Code.Internal);
    const p = errorToProto(new RemoteMediaError(Code.NotFound, 'x'));
    p.code = 99 as ErrorCode;
    expect(errorFromProto(p).code).toBe(Code.Unknown);
  });
});

describe('metrics mapping', () => {
  it('round-trips a session snapshot', () => {
    const snapshot = {
      sessionId: 's',
      pipeline: 'p',
      state: 'running' as const,
      startedAtMs: 1700000000000,
      durationMs: 12.5,
      inputs: 3,
      outputs: 2,
      nodes: [
        {
          nodeId: 'a',
          nodeType: 'PassThrough',
          itemsIn: 3,
          itemsOut: 3,
          errors: 0,
          drops: 1,
          interrupted: 0,
          retries: 2,
          queueDepth: 0,
          latency: { count: 3, meanUs: 10, p50Us: 9, p95Us: 20, p99Us: 20, maxUs: 21 },
        },
        {
          nodeId: 'b',
          nodeType: 'X',
          itemsIn: 0,
          itemsOut: 0,
          errors: 0,
          drops: 0,
          interrupted: 0,
          retries: 0,
          queueDepth: 1,
          latency: { count: 0, meanUs: 0, p50Us: 0, p95Us: 0, p99Us: 0, maxUs: 0 },
          progress: 0.5,
        },
      ],
    };
    expect(sessionMetricsFromProto(sessionMetricsToProto(snapshot))).toStrictEqual(snapshot);
  });
});
