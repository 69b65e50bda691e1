// JSON-RPC 2.0 over any text socket (ws on Node, WebSocket in browsers). Browser-safe.
import { Code, RemoteMediaError } from '@remotemedia/runtime-core';
import { type RpcError, RpcErrorCode, fromRpcError, toRpcError } from '../errors.js';

export type RpcId = string | number;
export interface RpcRequest {
  jsonrpc: '2.0';
  id?: RpcId;
  method: string;
  params?: unknown;
}
export interface RpcResponse {
  jsonrpc: '2.0';
  id: RpcId | null;
  result?: unknown;
  error?: RpcError;
}

/** Parses one incoming text frame; invalid frames give a ready-to-send error response. */
export function parseRpcMessage(text: string): { request: RpcRequest } | { response: RpcResponse } | { invalid: RpcResponse } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { invalid: { jsonrpc: '2.0', id: null, error: { code: RpcErrorCode.ParseError, message: 'parse error: the message is not valid JSON' } } };
  }
  const m = value as Record<string, unknown> | null;
  const id = m && (typeof m.id === 'string' || typeof m.id === 'number') ? m.id : null;
  if (!m || typeof m !== 'object' || Array.isArray(m) || m.jsonrpc !== '2.0') {
    return {
      invalid: {
        jsonrpc: '2.0',
        id,
        error: { code: RpcErrorCode.InvalidRequest, message: 'invalid request: expected a JSON object with "jsonrpc": "2.0" (batches are not supported)' },
      },
    };
  }
  if (typeof m.method === 'string') return { request: m as unknown as RpcRequest };
  if (id !== null && ('result' in m || 'error' in m)) return { response: m as unknown as RpcResponse };
  return { invalid: { jsonrpc: '2.0', id, error: { code: RpcErrorCode.InvalidRequest, message: 'invalid request: missing "method" (string)' } } };
}

export interface RpcSocket {
  send(text: string): void;
}

/** Returns the result, or a Promise of it. */
export type RpcHandler = (method: string, params: unknown) => unknown;

/**
 * One end of a JSON-RPC connection: sends requests and matches responses, and answers incoming
 * requests with `handler` (errors thrown there become JSON-RPC errors carrying RemoteMediaError data).
 */
export class JsonRpcPeer {
  #nextId = 1;
  readonly #pending = new Map<RpcId, { resolve(v: unknown): void; reject(e: unknown): void }>();
  #closedError: RemoteMediaError | undefined;

  constructor(
    private readonly socket: RpcSocket,
    private readonly handler: RpcHandler,
  ) {}

  /** Feed every incoming text frame here. */
  async receive(text: string): Promise<void> {
    const parsed = parseRpcMessage(text);
    if ('invalid' in parsed) return this.#send(parsed.invalid);
    if ('response' in parsed) {
      const pending = this.#pending.get(parsed.response.id!);
      if (!pending) return;
      this.#pending.delete(parsed.response.id!);
      if (parsed.response.error) pending.reject(fromRpcError(parsed.response.error));
      else pending.resolve(parsed.response.result);
      return;
    }
    const { id, method, params } = parsed.request;
    try {
      const result = await this.handler(method, params);
      if (id !== undefined) this.#send({ jsonrpc: '2.0', id, result: result ?? null });
    } catch (error) {
      if (id !== undefined) this.#send({ jsonrpc: '2.0', id, error: (error as { rpc?: RpcError }).rpc ?? toRpcError(error) });
    }
  }

  request<T = unknown>(method: string, params: unknown, signal?: AbortSignal): Promise<T> {
    if (this.#closedError) return Promise.reject(this.#closedError);
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        this.#pending.delete(id);
        reject(RemoteMediaError.from(signal!.reason, Code.Canceled));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, {
        resolve: (v) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(v as T);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      });
      this.#send({ jsonrpc: '2.0', id, method, params });
    });
  }

  notify(method: string, params: unknown): void {
    if (!this.#closedError) this.#send({ jsonrpc: '2.0', method, params });
  }

  /** Fails every pending request; later requests fail at once. */
  close(error: RemoteMediaError): void {
    this.#closedError ??= error;
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
  }

  #send(message: RpcRequest | RpcResponse): void {
    try {
      this.socket.send(JSON.stringify(message));
    } catch (error) {
      this.close(RemoteMediaError.from(error, Code.Unavailable));
    }
  }
}

/** Thrown by server handlers to choose a specific JSON-RPC code. */
export function rpcFailure(rpcCode: RpcErrorCode, error: RemoteMediaError): RemoteMediaError & { rpc: RpcError } {
  return Object.assign(error, { rpc: toRpcError(error, rpcCode) });
}
