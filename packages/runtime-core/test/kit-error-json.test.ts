import { describe, expect, it } from 'vitest';
import { Code, ERROR_LIMITS, RemoteMediaError, type RemoteMediaErrorJson } from '@remotemedia/runtime-core';

describe('RemoteMediaError.fromJSON', () => {
  it('is the inverse of toJSON', () => {
    const original = new RemoteMediaError(Code.InvalidArgument, 'bad params', {
      details: [{ path: 'nodes[0].params', message: 'too big' }, { message: 'also this' }],
      nodeId: 'vad',
      reason: 'ManifestInvalid',
    });
    const json: RemoteMediaErrorJson = JSON.parse(JSON.stringify(original)) as RemoteMediaErrorJson;
    const back = RemoteMediaError.fromJSON(json);
    expect(back).toBeInstanceOf(RemoteMediaError);
    expect(back.toJSON()).toEqual(original.toJSON());
    expect(back.message).toBe(original.message);
    expect(RemoteMediaError.fromJSON(new RemoteMediaError(Code.Unknown, 'u').toJSON(), { code: Code.Internal }).code).toBe(Code.Unknown);
  });

  it('accepts numeric codes', () => {
    expect(RemoteMediaError.fromJSON({ code: 14, message: 'down' }).code).toBe(Code.Unavailable);
  });

  it('falls back on junk bodies', () => {
    for (const junk of [null, undefined, 42, true, [], ['x']]) {
      const e = RemoteMediaError.fromJSON(junk, { code: Code.Unavailable, message: 'HTTP 502 without an error body' });
      expect(e.code).toBe(Code.Unavailable);
      expect(e.rawMessage).toBe('HTTP 502 without an error body');
    }
    const text = RemoteMediaError.fromJSON('<html>bad gateway</html>');
    expect(text.code).toBe(Code.Unknown);
    expect(text.rawMessage).toBe('remote error: <html>bad gateway</html>');
    expect(RemoteMediaError.fromJSON('x'.repeat(10_000)).rawMessage.length).toBeLessThan(300);
  });

  it('keeps what is usable from a malformed object', () => {
    const e = RemoteMediaError.fromJSON(
      {
        code: 'no_such_code',
        details: [null, 'text', { message: 1 }, { path: 3, message: 'bad path' }, { path: 'p', message: 'ok', extra: true }],
        nodeId: 7,
        reason: {},
      },
      { code: Code.Internal },
    );
    expect(e.code).toBe(Code.Internal);
    expect(e.rawMessage).toBe('remote error');
    expect(e.details).toEqual([{ path: 'p', message: 'ok' }]);
    expect(e.nodeId).toBeUndefined();
    expect(e.reason).toBeUndefined();
  });

  it('bounds what it reads like every other error', () => {
    const e = RemoteMediaError.fromJSON({
      code: 'internal',
      message: 'm'.repeat(100_000),
      details: Array.from({ length: 5000 }, (_, i) => ({ message: `problem ${i}` })),
      reason: 'r'.repeat(10_000),
    });
    expect(e.rawMessage.length).toBeLessThanOrEqual(ERROR_LIMITS.maxMessageChars);
    expect(e.details).toHaveLength(ERROR_LIMITS.maxDetails + 1);
    expect(e.details.at(-1)!.message).toBe(`and ${5000 - ERROR_LIMITS.maxDetails} more problems`);
    expect(e.reason!.length).toBeLessThanOrEqual(ERROR_LIMITS.maxDetailPathChars);
  });
});
