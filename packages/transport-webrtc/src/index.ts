// @remotemedia/transport-webrtc: WebRTC server (werift) and Node client. Browser client: `./browser`.
export { createWebRtcServer, type WebRtcServer, type WebRtcServerStats } from './server/webrtc-server.js';
export type { WebRtcServerOptions } from './server/server-options.js';
export {
  createWebRtcPipelineClient,
  type WebRtcPipelineClient,
  type WebRtcPipelineClientOptions,
  type WebRtcStreamSession,
  type OpenSessionOptions,
  type SessionAudioTrack,
} from './client/node-client.js';
export { createTransportClient } from './client/transport-client.js';
export type { IceOptions } from './media/peer-connection.js';
export { OpusCodec, OPUS_SAMPLE_RATE, OPUS_FRAME_SAMPLES } from './media/opus-codec.js';
export { OpusTrackSender } from './media/opus-track-sender.js';
export { OpusTrackReceiver } from './media/opus-track-receiver.js';
export { createPeerConnection, closePeerConnection } from './media/peer-connection.js';
export { RpcErrorCode } from './errors.js';
export { encodeDataFrame, decodeDataFrame, type DataFrame } from './wire/data-frame.js';
export { DATA_CHANNEL_LABEL, CONTROL_CHANNEL_LABEL, type ClientControl, type ServerControl } from './wire/control-messages.js';
export { SERVER_PEER_ID, SignalingMethod, SignalingNotification } from './wire/signaling-types.js';
export type * from './wire/signaling-types.js';
