/** Helpers on SDP text. Browser-safe. */

/** Drops `a=candidate` lines whose connection address is not allowed (e.g. to stay on loopback). */
export function filterSdpCandidates(sdp: string, allowed: (address: string) => boolean): string {
  return sdp
    .split(/\r\n/)
    .filter((line) => !line.startsWith('a=candidate:') || allowed(candidateAddress(line.slice(2)) ?? ''))
    .join('\r\n');
}

/** The address field of an ICE candidate line (`candidate:f 1 udp prio ADDRESS port typ host`). */
export function candidateAddress(candidate: string): string | undefined {
  return candidate.replace(/^a=/, '').split(' ')[4];
}

export function sdpHasMedia(sdp: string, kind: 'audio' | 'video' | 'application'): boolean {
  return new RegExp(`^m=${kind} `, 'm').test(sdp);
}

/** Cheap structural check before handing text to the WebRTC stack. */
export function looksLikeSdp(sdp: unknown): sdp is string {
  return typeof sdp === 'string' && sdp.startsWith('v=0') && /\r?\nm=/.test(sdp);
}
