// Standard gRPC services (health, reflection) generated from the protos vendored under proto/grpc.
export * as healthV1 from './gen/grpc/health/v1/health_pb.js';
export * as reflectionV1 from './gen/grpc/reflection/v1/reflection_pb.js';
export * as reflectionV1alpha from './gen/grpc/reflection/v1alpha/reflection_pb.js';
