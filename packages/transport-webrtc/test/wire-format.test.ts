import { Code, RemoteMediaError } from '@remotemedia/runtime-core';
import { describe, expect, it } from 'vitest';
import { decodeDataFrame, encodeDataFrame } from '../src/index.js';
import { parseClientControl, parseServerControl } from '../src/wire/control-messages.js';
import { parseRpcMessage } from '../src/wire/json-rpc.js';
import { filterSdpCandidates } from '../src/wire/sdp.js';

const invalid = (fn: () => unknown) => {
  const error = (() => {
    try {
      fn();
    } catch (e) {
      return e;
    }
  })();
  expect(error).toBeInstanceOf(RemoteMediaError);
  expect((error as RemoteMediaError).code).toBe(Code.InvalidArgument);
  return (error as RemoteMediaError).message;
};

describe('wire formats', () => {
  it('data frames carry data, metadata, sequence and target node', () => {
    const frame = { item: { data: { kind: 'text', text: 'hi' } as const, metadata: { trace: 'x' }, sequence: 7 }, nodeId: 'asr' };
    expect(decodeDataFrame(encodeDataFrame(frame))).toEqual(frame);
    expect(invalid(() => decodeDataFrame(new Uint8Array()))).toContain('empty');
    expect(invalid(() => decodeDataFrame(Uint8Array.of(0xff, 0xff, 0xff)))).toContain('DataChunk');
  });

  it('control messages are validated with messages that say what is wrong', () => {
    expect(parseClientControl('{"type":"end_of_stream","after":3}')).toEqual({ type: 'end_of_stream', after: 3 });
    expect(parseClientControl('{"type":"control","control":{"type":"interrupt"}}')).toEqual({ type: 'control', control: { type: 'interrupt' } });
    expect(invalid(() => parseClientControl('nope'))).toContain('not JSON');
    expect(invalid(() => parseClientControl('{"type":"end_of_stream","after":-1}'))).toContain('"after"');
    expect(invalid(() => parseClientControl('{"type":"control","control":{"type":"explode"}}'))).toContain('control.type');
    expect(invalid(() => parseClientControl('{"type":"dance"}'))).toContain('unknown message type');
    expect(parseServerControl('{"type":"end","outputs":2}')).toEqual({ type: 'end', outputs: 2 });
    expect(invalid(() => parseServerControl('{"type":"end"}'))).toContain('unexpected server message');
  });

  it('JSON-RPC parsing answers invalid frames with ready-to-send errors', () => {
    expect(parseRpcMessage('[1]')).toMatchObject({ invalid: { error: { code: -32600 } } });
    expect(parseRpcMessage('{"jsonrpc":"2.0","id":1}')).toMatchObject({ invalid: { id: 1, error: { code: -32600 } } });
    expect(parseRpcMessage('{"jsonrpc":"2.0","id":1,"result":5}')).toEqual({ response: { jsonrpc: '2.0', id: 1, result: 5 } });
  });

  it('SDP candidate filtering keeps only allowed addresses', () => {
    const sdp = [
      'v=0',
      'a=candidate:1 1 udp 1 127.0.0.1 5000 typ host',
      'a=candidate:2 1 udp 1 192.0.2.2 5001 typ host',
      'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    ].join('\r\n');
    expect(filterSdpCandidates(sdp, (a) => a === '127.0.0.1')).not.toContain('192.0.2.2');
    expect(filterSdpCandidates(sdp, (a) => a === '127.0.0.1')).toContain('127.0.0.1 5000');
  });
});
