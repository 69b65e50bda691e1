import { type RTCIceServer, type RTCIceTransport, RTCPeerConnection } from 'werift';
import { filterSdpCandidates } from '../wire/sdp.js';

export interface IceOptions {
  /** STUN/TURN servers. Default none: host candidates only, which is enough on loopback and LANs. */
  iceServers?: RTCIceServer[];
  /**
   * Restrict ICE to these local addresses, e.g. `['127.0.0.1']` to stay on loopback (tests,
   * single-host setups); loopback addresses are otherwise never gathered. Default: every interface.
   */
  iceHostAddresses?: string[];
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[?::1\]?)$/;

/** True for 127.0.0.0/8, `localhost` and ::1. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host);
}

/** Loopback-only ICE when the other side is on this host (`host` is loopback) and nothing was configured. */
export function defaultIceHosts(configured: string[] | undefined, host: string): string[] | undefined {
  if (configured?.length) return configured;
  return isLoopbackHost(host) ? ['127.0.0.1'] : undefined;
}

/** Every ICE transport a connection made, including those it dropped from `iceTransports` since. */
const everyIceTransport = new WeakMap<RTCPeerConnection, Set<RTCIceTransport>>();

/**
 * An offerer makes one ICE transport per m-line; once the answer accepts BUNDLE, werift 0.25
 * drops all but the first from `pc.iceTransports` without stopping them, and their UDP sockets
 * stay open for good (a process with one audio+data session then never exits: `pnpm bench
 * webrtc` hung after writing its results). Every transport is remembered here, around each
 * description change, so closePeerConnection can stop them all.
 */
function trackIceTransports(pc: RTCPeerConnection): RTCPeerConnection {
  const seen = new Set<RTCIceTransport>();
  everyIceTransport.set(pc, seen);
  const remember = () => {
    for (const t of pc.iceTransports) seen.add(t);
  };
  const wrap = <K extends 'setLocalDescription' | 'setRemoteDescription'>(name: K) => {
    const original = pc[name].bind(pc) as (...args: unknown[]) => Promise<unknown>;
    (pc as unknown as Record<K, (...args: unknown[]) => Promise<unknown>>)[name] = async (...args: unknown[]) => {
      remember();
      try {
        return await original(...args);
      } finally {
        remember();
      }
    };
  };
  wrap('setLocalDescription');
  wrap('setRemoteDescription');
  pc.iceGatheringStateChange.subscribe(remember);
  return pc;
}

/** A werift peer connection configured from IceOptions. */
export function createPeerConnection(options: IceOptions): RTCPeerConnection {
  const hosts = options.iceHostAddresses;
  if (!hosts?.length) return trackIceTransports(new RTCPeerConnection({ iceServers: options.iceServers ?? [] }));
  const allowed = hostFilter(hosts);
  const ipv4 = hosts.find((h) => !h.includes(':'));
  return trackIceTransports(
    new RTCPeerConnection({
      iceServers: options.iceServers ?? [],
      iceAdditionalHostAddresses: hosts,
      ...(ipv4 ? { iceInterfaceAddresses: { udp4: ipv4 } } : {}),
      iceUseIpv6: hosts.some((h) => h.includes(':')),
      iceFilterCandidatePair: (pair) => allowed(pair.localCandidate.host) && allowed(pair.remoteCandidate.host),
    }),
  );
}

export function hostFilter(hosts: readonly string[] | undefined): (address: string) => boolean {
  if (!hosts?.length) return () => true;
  const set = new Set(hosts);
  return (address) => set.has(address);
}

/** Waits (bounded) until ICE gathering completes, then returns the local SDP with its candidates. */
export async function localSdpWithCandidates(pc: RTCPeerConnection, options: IceOptions, timeoutMs = 5000): Promise<string> {
  if (pc.iceGatheringState !== 'complete') {
    await pc.iceGatheringStateChange.watch((state) => state === 'complete', timeoutMs).catch(() => {});
  }
  const sdp = pc.localDescription?.sdp ?? '';
  return options.iceHostAddresses?.length ? filterSdpCandidates(sdp, hostFilter(options.iceHostAddresses)) : sdp;
}

/**
 * Closes a werift peer connection and every ICE transport it made. werift 0.25 leaves the UDP
 * sockets of a connection with an audio transceiver open after `close()`, and never stops the
 * transports BUNDLE made redundant (see trackIceTransports); stopping them all frees them.
 */
export async function closePeerConnection(pc: RTCPeerConnection): Promise<void> {
  const ice = new Set([...(everyIceTransport.get(pc) ?? []), ...pc.iceTransports]);
  await pc.close().catch(() => {});
  await Promise.allSettled([...ice].map((t) => t.stop()));
}
