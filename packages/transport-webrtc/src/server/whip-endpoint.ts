import { Code, RemoteMediaError } from '@remotemedia/runtime-core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { httpStatusOf } from '@remotemedia/runtime-core/kit';
import { toRemoteMediaError } from '../errors.js';
import { looksLikeSdp } from '../wire/sdp.js';
import type { ResolvedServerOptions } from './server-options.js';
import type { PeerSession } from './peer-session.js';
import { checkRequestAuth } from './http-auth.js';

const MAX_OFFER_BYTES = 256 * 1024;

export interface WhipHost {
  options: ResolvedServerOptions;
  openWhipSession(offerSdp: string, choice: { pipeline?: string; manifest?: unknown }): Promise<{ session: PeerSession; answerSdp: string }>;
  session(id: string): PeerSession | undefined;
}

/**
 * WHIP-style offer/answer over plain HTTP, for clients without a WebSocket:
 * `POST {whipPath}?pipeline=<name>` with an `application/sdp` offer -> 201, the SDP answer and a
 * `Location` to `DELETE` when done. No trickle ICE: the answer carries every candidate.
 * Returns false when the request is not for this endpoint.
 */
export async function handleWhipRequest(host: WhipHost, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://x');
  const base = host.options.whipPath;
  if (url.pathname !== base && !url.pathname.startsWith(`${base}/`)) return false;
  try {
    checkRequestAuth(req, host.options.authTokens);
    if (req.method === 'POST' && url.pathname === base) {
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim();
      if (type !== 'application/sdp') throw new RemoteMediaError(Code.InvalidArgument, `expected Content-Type application/sdp, got "${type || 'none'}"`);
      const offer = await readBody(req);
      if (!looksLikeSdp(offer))
        throw new RemoteMediaError(Code.InvalidArgument, 'the request body is not an SDP offer (expected "v=0" and at least one m= line)');
      const pipeline = url.searchParams.get('pipeline') ?? undefined;
      const manifestText = url.searchParams.get('manifest') ?? undefined;
      const { session, answerSdp } = await host.openWhipSession(offer, {
        ...(pipeline ? { pipeline } : {}),
        ...(manifestText ? { manifest: manifestText } : {}),
      });
      res.writeHead(201, { 'content-type': 'application/sdp', location: `${base}/${session.id}`, 'x-session-id': session.id });
      res.end(answerSdp);
      return true;
    }
    if (req.method === 'DELETE' && url.pathname.startsWith(`${base}/`)) {
      const session = host.session(url.pathname.slice(base.length + 1));
      if (!session) throw new RemoteMediaError(Code.NotFound, `no WHIP session ${url.pathname.slice(base.length + 1)}`);
      await session.close('WHIP DELETE');
      res.writeHead(200).end();
      return true;
    }
    throw new RemoteMediaError(Code.Unimplemented, `${req.method} ${url.pathname} is not supported; POST an SDP offer to ${base} or DELETE ${base}/<session>`);
  } catch (error) {
    const e = toRemoteMediaError(error);
    res.writeHead(httpStatusOf(e), { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: e.toJSON() }));
    return true;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_OFFER_BYTES) throw new RemoteMediaError(Code.InvalidArgument, `the SDP offer exceeds ${MAX_OFFER_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
