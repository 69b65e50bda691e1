import { Code, RemoteMediaError, type TransportClientFactory } from '@remotemedia/runtime-core';
import { RemoteReason, remoteError } from './remote-errors.js';
import type { TransportName } from './remote-params.js';

export type { TransportClientFactory };

export type ClientFactories = Partial<Record<TransportName, TransportClientFactory>>;

/** The package that provides each transport's client. */
export const transportPackages: Readonly<Record<TransportName, string>> = {
  grpc: '@remotemedia/transport-grpc',
  http: '@remotemedia/transport-http',
  webrtc: '@remotemedia/transport-webrtc',
};

// Kept in a variable so bundlers do not try to resolve optional transports at build time.
const importOptional = (specifier: string): Promise<Record<string, unknown>> => import(specifier) as Promise<Record<string, unknown>>;

/**
 * The client factory of a transport: the one registered in `factories`, else the
 * `createTransportClient` export of its package, loaded on first use. A missing package is a
 * FailedPrecondition error that says which package to install.
 */
export async function resolveClientFactory(transport: TransportName, factories: ClientFactories = {}): Promise<TransportClientFactory> {
  const registered = factories[transport];
  if (registered) return registered;
  const pkg = transportPackages[transport];
  let mod: Record<string, unknown>;
  try {
    mod = await importOptional(pkg);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = error instanceof Error ? error.message : String(error);
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || message.includes(pkg)) {
      throw remoteError(
        Code.FailedPrecondition,
        RemoteReason.TransportNotInstalled,
        `transport "${transport}" needs the package ${pkg}: install it (npm install ${pkg}) or pass clientFactories.${transport} to createRemotePipelineNode`,
        { cause: error },
      );
    }
    throw RemoteMediaError.from(error, Code.Internal);
  }
  const factory = mod.createTransportClient;
  if (typeof factory !== 'function') {
    throw remoteError(
      Code.FailedPrecondition,
      RemoteReason.TransportNotInstalled,
      `${pkg} does not export createTransportClient(options); is it an older version?`,
    );
  }
  return factory as TransportClientFactory;
}
