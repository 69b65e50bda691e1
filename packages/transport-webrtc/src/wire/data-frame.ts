import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { DataChunkSchema, fromDataChunk, toDataChunk } from '@remotemedia/protocol';
import { Code, RemoteMediaError, type TransportData } from '@remotemedia/runtime-core';

/**
 * One data-channel message: a binary `remotemedia.v1.DataChunk` from `@remotemedia/protocol`,
 * the same message gRPC streams carry: a DataBuffer plus sequence, metadata and target node.
 */
export interface DataFrame {
  item: TransportData;
  /** Deliver to this node instead of the pipeline's sources (client -> server only). */
  nodeId?: string;
}

export function encodeDataFrame(frame: DataFrame): Uint8Array {
  return toBinary(DataChunkSchema, toDataChunk(frame.item, frame.nodeId));
}

/** Throws InvalidArgument (with the protocol's path details) on malformed bytes. */
export function decodeDataFrame(bytes: Uint8Array): DataFrame {
  if (bytes.length === 0) throw new RemoteMediaError(Code.InvalidArgument, 'empty data-channel message', { reason: 'MalformedData' });
  let chunk;
  try {
    chunk = fromBinary(DataChunkSchema, bytes);
  } catch (error) {
    throw new RemoteMediaError(Code.InvalidArgument, `data-channel message is not a DataChunk: ${(error as Error).message}`, {
      cause: error,
      reason: 'MalformedData',
    });
  }
  const item = fromDataChunk(chunk, 'message');
  return chunk.nodeId === undefined ? { item } : { item, nodeId: chunk.nodeId };
}
