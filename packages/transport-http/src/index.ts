// @remotemedia/transport-http: pipelines over plain HTTP (JSON, SSE, WebSocket) and an undici client.
export { HTTP_TIMEOUT_DEFAULTS, createHttpServer, type HttpServer, type HttpServerAddress } from './server/create-http-server.js';
export type { HttpServerOptions, CorsOptions } from './server/http-server-options.js';
export { WS_PATH, WS_PROTOCOL } from './server/websocket-endpoint.js';
export { REPLICA_NAME_PATTERN, replicaOfSessionId } from './server/session-registry.js';
export { createHttpPipelineClient, createTransportClient, type HttpPipelineClient, type HttpPipelineClientOptions } from './client/http-pipeline-client.js';
export { errorFromBody, errorResponse, type ErrorBody } from './shared/http-errors.js';
export { encodeMessage, decodeMessage, type ClientMessage, type ServerMessage } from './shared/ws-frames.js';
export { TRANSPORT_HTTP_VERSION, API_VERSION } from './version.js';
