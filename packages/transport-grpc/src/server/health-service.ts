import { ConnectError, Code as ConnectCode, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import { healthV1 } from '@remotemedia/protocol/grpc';

const { HealthCheckResponse_ServingStatus: Status } = healthV1;
type Status = healthV1.HealthCheckResponse_ServingStatus;

/**
 * Serving state behind grpc.health.v1.Health. "" is the whole server; every served service is
 * listed by name. Draining flips everything to NOT_SERVING so load balancers stop routing here.
 */
export class HealthState {
  readonly #services: string[];
  #serving = true;
  readonly #watchers = new Set<() => void>();
  constructor(services: readonly string[]) {
    this.#services = ['', ...services];
  }
  setServing(serving: boolean): void {
    if (this.#serving === serving) return;
    this.#serving = serving;
    for (const w of this.#watchers) w();
  }
  status(service: string): Status {
    if (!this.#services.includes(service)) return Status.SERVICE_UNKNOWN;
    return this.#serving ? Status.SERVING : Status.NOT_SERVING;
  }
  get services(): readonly string[] {
    return this.#services;
  }
  /** Resolves at the next change or when `signal` aborts. */
  changed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#watchers.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.#watchers.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

export function healthService(state: HealthState): ServiceImpl<typeof healthV1.Health> {
  return {
    check(req) {
      const status = state.status(req.service);
      if (status === Status.SERVICE_UNKNOWN)
        throw new ConnectError(`unknown service "${req.service.length > 200 ? `${req.service.slice(0, 200)}...` : req.service}"`, ConnectCode.NotFound);
      return { status };
    },
    async *watch(req, call: HandlerContext) {
      let last: Status | undefined;
      while (!call.signal.aborted) {
        const status = state.status(req.service);
        if (status !== last) yield { status };
        last = status;
        await state.changed(call.signal);
      }
    },
    list() {
      return { statuses: Object.fromEntries(state.services.map((s) => [s, { status: state.status(s) }])) };
    },
  };
}
