import { grpcTarget } from './grpc.js';
import { httpTarget } from './http.js';
import { webrtcTarget } from './webrtc.js';

/** Every transport the fuzz suite drives, by name. */
export const targets = { grpc: grpcTarget, http: httpTarget, webrtc: webrtcTarget } as const;
