import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Code, RemoteMediaError } from '@remotemedia/runtime-core';
import type { Logger } from 'pino';
import type { HttpMetrics } from './http-metrics.js';
import type { RouteContext, ServerConfig } from './route-context.js';
import type { SessionRegistry } from './session-registry.js';

const CONTEXT = Symbol('remotemedia.requestContext');
type ResponseWithContext = ServerResponse & { [CONTEXT]?: RequestContext };
const NO_PARAMS: string[] = [];

/**
 * One request's state. A class with lazy fields, and no `finish` listener for responses already
 * ended when their handler returns: building a URL, a child logger, per-request closures and
 * listeners showed in the server's CPU profile of the unary benchmark (bench/http.bench.ts).
 */
export class RequestContext implements RouteContext {
  params = NO_PARAMS;
  /** Route label for logs and metrics (never the raw path, whose ids would explode cardinality). */
  routeName = 'unmatched';
  /** The request path without its query; dot segments and absolute-form targets go through URL. */
  readonly pathname: string;
  /** Set when the request target cannot be parsed at all (e.g. `http://[bad/x`): the request is a 400. */
  readonly targetError: RemoteMediaError | undefined;
  readonly #started = performance.now();
  /** The caller's `x-request-id`, if it sent one. */
  readonly #given: string | undefined;
  #requestId: string | undefined;
  #url: URL | undefined;
  #query: URLSearchParams | undefined;
  #log: Logger | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly config: ServerConfig,
    readonly sessions: SessionRegistry,
    readonly metrics: HttpMetrics,
  ) {
    const given = req.headers['x-request-id'];
    this.#given = typeof given === 'string' && given ? given.slice(0, 128) : undefined;
    const raw = req.url ?? '/';
    const query = raw.indexOf('?');
    const path = query < 0 ? raw : raw.slice(0, query);
    if (path.charCodeAt(0) === 47 && !path.includes('/.')) this.pathname = path;
    else {
      let pathname = '';
      try {
        pathname = this.url.pathname;
      } catch {
        this.targetError = new RemoteMediaError(Code.InvalidArgument, `malformed request target ${JSON.stringify(raw.slice(0, 200))}`, {
          details: [{ path: 'url', message: 'not a valid path or URL' }],
          reason: 'MalformedRequestTarget',
        });
      }
      this.pathname = pathname;
    }
  }

  /** Called once the handler returned: records the request now, or when a streamed response finishes. */
  settle(): void {
    if (this.res.writableEnded) return this.finished();
    (this.res as ResponseWithContext)[CONTEXT] = this;
    this.res.once('finish', onFinish);
  }

  /** The caller's id, or a new UUID made when first asked for (errors and log lines ask). */
  get requestId(): string {
    return (this.#requestId ??= this.#given ?? randomUUID());
  }

  /**
   * The id a successful response carries: the caller's own, or, while the access log is on, the
   * one its line records. A fresh id that appears in no log would identify nothing, and the header
   * cost ~1.3 us per round trip (client and server) in `pnpm bench http`. Errors always carry one.
   */
  get responseRequestId(): string | undefined {
    return this.#given ?? (this.config.logger.isLevelEnabled('info') ? this.requestId : undefined);
  }

  /** The query's parameters, parsed when first asked for (without building a whole URL). */
  get query(): URLSearchParams {
    if (this.#query) return this.#query;
    const raw = this.req.url ?? '';
    const at = raw.indexOf('?');
    return (this.#query = new URLSearchParams(at < 0 ? '' : raw.slice(at + 1)));
  }

  get url(): URL {
    return (this.#url ??= new URL(this.req.url ?? '/', 'http://localhost'));
  }

  get log(): Logger {
    return (this.#log ??= this.config.logger.child({ reqId: this.requestId }));
  }

  /** Metrics and the access log line. */
  finished(): void {
    const { req, res } = this;
    const ms = performance.now() - this.#started;
    this.metrics.observe(req.method ?? '?', this.routeName, res.statusCode, ms / 1000);
    if (this.config.logger.isLevelEnabled('info'))
      this.log.info({ method: req.method, route: this.routeName, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
  }
}

function onFinish(this: ResponseWithContext): void {
  this[CONTEXT]?.finished();
  this[CONTEXT] = undefined;
}
