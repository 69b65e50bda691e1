export { createGrpcServer, type GrpcServer, type ServerAddress } from './server/create-grpc-server.js';
export {
  type GrpcServerOptions,
  type GrpcServerLimits,
  type GrpcServerTimeouts,
  DEFAULT_LIMITS,
  DEFAULT_TIMEOUTS,
  parseBindAddress,
} from './server/server-options.js';
export {
  createGrpcPipelineClient,
  createTransportClient,
  type GrpcPipelineClient,
  type GrpcPipelineClientOptions,
  type GrpcProtocol,
} from './client/grpc-client.js';
export { toConnectError, fromConnectError, toGrpcCode, fromGrpcCode, STATUS_LIMITS } from './errors.js';
