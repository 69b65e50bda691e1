// @grpc/grpc-js clients built by proto-loader from the .proto files at run time. proto-loader gives
// them no static types, so the interfaces below name the calls the tests make and the response
// fields they read, as proto-loader decodes them (longs as numbers, enums as names, a oneof as a
// field naming its set case; only that case's field is present).
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PROTO_DIR } from './helpers.js';

type Callback<T> = (error: grpc.ServiceError | null, value?: T) => void;

export interface WireData {
  audio?: { samples: Buffer; sampleRate: number; channels: number };
  text?: { text: string; channel: string };
  json?: { json: string };
}

export interface ExecuteResponse {
  outputs: Array<{ data: WireData; metadata: Record<string, string> }>;
}

export interface StreamResponse {
  response: string;
  ready?: { sessionId: string };
  result?: { data: WireData; sequence: number };
  metrics?: { inputs: number; nodes: Array<{ nodeId: string }> };
  closed?: { results: number };
}

export interface ExecutionClient extends grpc.Client {
  ExecutePipeline(request: object, metadata: grpc.Metadata, callback: Callback<ExecuteResponse>): grpc.ClientUnaryCall;
}

export interface StreamingClient extends grpc.Client {
  StreamPipeline(metadata: grpc.Metadata): grpc.ClientDuplexStream<object, StreamResponse>;
}

export interface HealthResponse {
  status: string;
}

export interface HealthClient extends grpc.Client {
  Check(request: { service: string }, callback: Callback<HealthResponse>): grpc.ClientUnaryCall;
  Watch(request: { service: string }): grpc.ClientReadableStream<HealthResponse>;
}

export interface ReflectionResponse {
  listServicesResponse?: { service: Array<{ name: string }> };
  fileDescriptorResponse?: { fileDescriptorProto: Uint8Array[] };
  errorResponse?: { errorCode: number; errorMessage: string };
}

export interface ReflectionClient extends grpc.Client {
  ServerReflectionInfo(): grpc.ClientDuplexStream<object, ReflectionResponse>;
}

/** An insecure client of `service` (its full name, e.g. `remotemedia.v1.StreamingPipelineService`) defined in `protoFile` (under proto/). */
export function grpcJsClient<C extends grpc.Client>(protoFile: string, service: string, port: number): C {
  const definition = protoLoader.loadSync(protoFile, { includeDirs: [PROTO_DIR], longs: Number, enums: String, defaults: true, oneofs: true });
  const node = service.split('.').reduce<unknown>((at, name) => (at as grpc.GrpcObject)[name], grpc.loadPackageDefinition(definition));
  const Client = node as new (address: string, credentials: grpc.ChannelCredentials) => C;
  return new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}
