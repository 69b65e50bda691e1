import { create } from '@bufbuild/protobuf';
import { Code, type RuntimeData, RemoteMediaError, type TransportData, asTransportData } from '@remotemedia/runtime-core';
import { type DataChunk, DataChunkSchema } from './gen/remotemedia/v1/data_pb.js';
import { fromDataBuffer, toDataBuffer } from './data-buffer.js';
import { optInt64 } from './int64.js';

/** TransportData (or bare RuntimeData) -> DataChunk, optionally addressed to a node. */
export function toDataChunk(value: TransportData | RuntimeData, nodeId?: string): DataChunk {
  const t = asTransportData(value);
  return create(DataChunkSchema, { data: toDataBuffer(t.data), sequence: optInt64(t.sequence), metadata: t.metadata, nodeId });
}

/** DataChunk -> TransportData; `path` names the chunk in errors, e.g. `inputs[3]`. */
export function fromDataChunk(chunk: DataChunk, path = 'chunk'): TransportData {
  if (!chunk.data)
    throw new RemoteMediaError(Code.InvalidArgument, `${path}.data: missing`, {
      details: [{ path: `${path}.data`, message: 'missing' }],
      reason: 'MalformedData',
    });
  const data = fromDataBuffer(chunk.data, `${path}.data`);
  const metadata = { ...chunk.metadata };
  return chunk.sequence === undefined ? { data, metadata } : { data, metadata, sequence: Number(chunk.sequence) };
}
