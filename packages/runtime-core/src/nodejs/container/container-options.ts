import { readFileSync } from 'node:fs';
import { Code, RemoteMediaError } from '../../errors.js';
import type { DetectEngineOptions } from './container-engine.js';
import type { ContainerLimits, ContainerMount, ContainerSpec } from './container-settings.js';

/** Operator configuration of the container executor (`python.container` of createNodeRunner / createServerRunner). */
export interface ContainerExecutorOptions extends DetectEngineOptions {
  /** Images manifests may ask for (`settings.container.image`); the first is the default. Required: no image, no containers. */
  images: readonly string[];
  /** What a container gets when the manifest does not say: memoryMb 512, cpus 1, pids 128, scratchMb 64, no GPU, network none, no mounts. */
  defaults?: Partial<Omit<ContainerSpec, 'image'>>;
  /** Upper bounds of what manifests may ask for (see ContainerLimits). */
  limits?: ContainerLimits;
  /** Host directories the operator lets manifests mount, by name (`settings.container.mounts: [models]`). Read-only unless `readOnly: false`. */
  mounts?: Readonly<Record<string, ContainerMount>>;
  /** How long a container no session uses is kept for the next one before it is removed. Default 30000 ms. */
  idleTimeoutMs?: number;
  /**
   * Workers (Python processes inside a container of the default image and limits, with the
   * runtime's `modules` imported) kept started ahead for sessions with default settings. Default 0.
   */
  warmWorkers?: number;
  /** How often a container in use is checked (`inspect`); one found stopped fails its sessions. Default 2000 ms. */
  healthIntervalMs?: number;
  /** How long starting a container may take. Default 60000 ms. */
  startTimeoutMs?: number;
  /**
   * Modules (names importable in the images, or .py paths inside them) every container worker
   * imports, warm ones ahead of use. The runtime's own `modules` are host modules and are not
   * imported in containers; a manifest's `settings.python.modules` are (paths inside the image).
   */
  modules?: readonly string[];
  /** Interpreter inside the images. Default `python3`. */
  pythonExecutable?: string;
  /** Resource limits passed explicitly (some hosts refuse the engine's defaults). Default nofile 1024:1024, nproc 4096:4096. */
  ulimits?: Readonly<Record<string, string>>;
  /** Remove containers of this host whose runtime process is gone (a crash) when the executor starts. Default true. */
  reapStale?: boolean;
}

/**
 * Operator configuration from the environment, for servers started without code of their own:
 * `REMOTEMEDIA_CONTAINER_CONFIG` holds ContainerExecutorOptions as JSON text, or the path of a
 * JSON file. Undefined when it is not set.
 */
export function containerOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ContainerExecutorOptions | undefined {
  const raw = env.REMOTEMEDIA_CONTAINER_CONFIG?.trim();
  if (!raw) return undefined;
  let text = raw;
  try {
    if (!raw.startsWith('{')) text = readFileSync(raw, 'utf8');
    return JSON.parse(text) as ContainerExecutorOptions;
  } catch (error) {
    throw new RemoteMediaError(
      Code.InvalidArgument,
      `REMOTEMEDIA_CONTAINER_CONFIG: expected container executor options as JSON text or the path of a JSON file: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
