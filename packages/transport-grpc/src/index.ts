export { createGrpcServer, type GrpcServer, type ServerAddress } from './create-grpc-server.js';
export { type GrpcServerOptions, type GrpcServerLimits, type GrpcServerTimeouts, DEFAULT_LIMITS, DEFAULT_TIMEOUTS, parseBindAddress } from './server-options.js';
export { createGrpcPipelineClient, createTransportClient, type GrpcPipelineClient, type GrpcPipelineClientOptions, type GrpcProtocol } from './grpc-client.js';
export { toConnectError, fromConnectError, toGrpcCode, fromGrpcCode, STATUS_LIMITS } from './grpc-errors.js';
