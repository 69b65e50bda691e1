import { z } from 'zod';
import type { ErrorDetail } from '../../errors.js';
import { issuesToDetails } from '../../manifest/format-issues.js';

/**
 * Words every "the operator did not allow this" problem carries: the runner turns a manifest
 * whose problems include one into PermissionDenied instead of InvalidArgument.
 */
export const NOT_ALLOWED = 'is not allowed by this server';

const positiveInt = z
  .number({ error: 'expected a positive integer' })
  .int({ error: 'expected a positive integer' })
  .positive({ error: 'expected a positive integer' });

/** What a manifest may ask of one container (pipeline-wide in `settings.container`, per node in `settings.container.nodes.<id>`). */
const containerRequestShape = {
  /** Image to run the node in; must be one of the server's `container.images`. */
  image: z.string({ error: 'expected an image name' }).min(1, { error: 'must not be empty' }).max(256, { error: 'expected at most 256 characters' }).optional(),
  /** Memory limit of the container in MiB (hard: the kernel's OOM killer enforces it). */
  memoryMb: positiveInt.optional(),
  /** CPU cores the container may use (fractions allowed, e.g. 0.5). */
  cpus: z.number({ error: 'expected a number of CPU cores' }).positive({ error: 'expected a positive number of CPU cores' }).optional(),
  /** Processes and threads the container may run at once. */
  pids: positiveInt.optional(),
  /** Size of the writable scratch directory (/scratch, a tmpfs; the rest of the file system is read-only) in MiB. */
  scratchMb: positiveInt.optional(),
  /** GPU devices (indices or names the operator listed in `limits.allowedGpus`). Default none. */
  gpus: z
    .array(z.string({ error: 'expected a GPU device name' }).min(1, { error: 'must not be empty' }), { error: 'expected a list of GPU devices' })
    .optional(),
  /** `none` (default): no network at all. `bridge` only where the operator allows network. */
  network: z.enum(['none', 'bridge'], { error: 'expected none or bridge' }).optional(),
  /** Names of mounts the operator defined (`container.mounts`); never host paths. */
  mounts: z.array(z.string({ error: 'expected a mount name' }).min(1, { error: 'must not be empty' }), { error: 'expected a list of mount names' }).optional(),
};

// Fields clients try that are never accepted: named, so the error says why rather than "unrecognized key".
const FORBIDDEN: Record<string, string> = {
  privileged: 'privileged containers are never started for a manifest',
  capAdd: 'capabilities are never added for a manifest',
  cap_add: 'capabilities are never added for a manifest',
  securityOpt: "security options are the server's",
  user: "the user a container runs as is the server's",
  devices: "host devices are never given to a manifest (GPUs: use gpus, within the server's allowedGpus)",
  volumes: "a manifest cannot name host paths (use mounts: names of the server's mounts)",
  binds: "a manifest cannot name host paths (use mounts: names of the server's mounts)",
  hostPath: "a manifest cannot name host paths (use mounts: names of the server's mounts)",
  pid: "host namespaces are never shared with a manifest's container",
  ipc: "host namespaces are never shared with a manifest's container",
  runtime: "the OCI runtime is the server's",
};

const containerRequestSchema = z.object(containerRequestShape).strict();

/** The manifest's `settings.container` section. */
export const containerSettingsSchema = z
  .object({
    ...containerRequestShape,
    /** Per-node overrides, by node id. */
    nodes: z.record(z.string(), containerRequestSchema, { error: 'expected an object of node ids' }).optional(),
  })
  .strict();
export type ContainerSettings = z.output<typeof containerSettingsSchema>;
export type ContainerRequest = z.output<typeof containerRequestSchema>;

/** A mount the operator defines; manifests refer to it by name. */
export interface ContainerMount {
  /** Host path (the operator's). */
  source: string;
  /** Path inside the container. */
  target: string;
  /** Default true. */
  readOnly?: boolean;
}

/** Bounds of what manifests may ask for. */
export interface ContainerLimits {
  /** Largest `memoryMb`. Default 4096. */
  maxMemoryMb?: number;
  /** Largest `cpus`. Default 2. */
  maxCpus?: number;
  /** Largest `pids`. Default 512. */
  maxPids?: number;
  /** Largest `scratchMb`. Default 1024. */
  maxScratchMb?: number;
  /** GPU devices manifests may ask for. Default none. */
  allowedGpus?: readonly string[];
  /** Whether manifests may ask for `network: bridge`. Default false. */
  allowNetwork?: boolean;
  /** Containers alive at once (in use, idle or warm). Default 16. */
  maxContainers?: number;
}

/** What a container is started with, all fields resolved: equal specs share a container. */
export interface ContainerSpec {
  image: string;
  memoryMb: number;
  cpus: number;
  pids: number;
  scratchMb: number;
  gpus: string[];
  network: 'none' | 'bridge';
  mounts: string[];
}

export const DEFAULT_CONTAINER_SPEC: Omit<ContainerSpec, 'image'> = { memoryMb: 512, cpus: 1, pids: 128, scratchMb: 64, gpus: [], network: 'none', mounts: [] };
export const DEFAULT_CONTAINER_LIMITS: Required<ContainerLimits> = {
  maxMemoryMb: 4096,
  maxCpus: 2,
  maxPids: 512,
  maxScratchMb: 1024,
  allowedGpus: [],
  allowNetwork: false,
  maxContainers: 16,
};

export interface ContainerPolicy {
  /** Images manifests may ask for; the first is the default. */
  images: readonly string[];
  defaults: Omit<ContainerSpec, 'image'>;
  limits: Required<ContainerLimits>;
  mounts: Readonly<Record<string, ContainerMount>>;
}

export function specKey(spec: ContainerSpec): string {
  return JSON.stringify([spec.image, spec.memoryMb, spec.cpus, spec.pids, spec.scratchMb, [...spec.gpus].sort(), spec.network, [...spec.mounts].sort()]);
}

/**
 * Checks `settings.container` against the operator's policy, and resolves the container spec of
 * each node that runs in a container (`containerNodes`: node ids). Problems name their field:
 * `settings.container.image`, `settings.container.nodes.vad.memoryMb`, ...
 */
export function checkContainerSettings(
  raw: unknown,
  policy: ContainerPolicy | undefined,
  containerNodes: readonly { id: string; index: number }[],
): { specs: Map<string, ContainerSpec>; problems: ErrorDetail[] } {
  const specs = new Map<string, ContainerSpec>();
  const problems: ErrorDetail[] = [];
  if (!policy) {
    if (containerNodes.length)
      problems.push({
        path: `nodes[${containerNodes[0].index}].executor`,
        message: `the container executor ${NOT_ALLOWED} (it has no container images configured: python.container.images)`,
      });
    else if (raw !== undefined)
      problems.push({ path: 'settings.container', message: `containers ${NOT_ALLOWED} (it has no container images configured: python.container.images)` });
    return { specs, problems };
  }
  const prefix = ['settings', 'container'];
  // Named refusals first: privileged, host paths, ... with a reason, not "unrecognized key".
  const forbidden = (obj: unknown, path: string) => {
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return;
    for (const key of Object.keys(obj))
      if (Object.hasOwn(FORBIDDEN, key)) problems.push({ path: `${path}.${key}`, message: `${FORBIDDEN[key]}: ${key} ${NOT_ALLOWED}` });
  };
  forbidden(raw, 'settings.container');
  const rawNodes = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>).nodes : undefined;
  if (rawNodes !== null && typeof rawNodes === 'object') for (const [id, n] of Object.entries(rawNodes)) forbidden(n, `settings.container.nodes.${id}`);
  if (problems.length) return { specs, problems };
  const parsed = containerSettingsSchema.safeParse(raw ?? {});
  if (!parsed.success) return { specs, problems: issuesToDetails(parsed.error.issues, raw, prefix) };
  const s = parsed.data;
  const ids = new Set(containerNodes.map((n) => n.id));
  for (const id of Object.keys(s.nodes ?? {})) {
    if (!ids.has(id)) problems.push({ path: `settings.container.nodes.${id}`, message: 'no node with this id runs in a container (executor: container)' });
  }
  const checkRequest = (r: ContainerRequest, at: string) => {
    const { limits } = policy;
    if (r.image !== undefined && !policy.images.includes(r.image))
      problems.push({ path: `${at}.image`, message: `image "${r.image.slice(0, 256)}" ${NOT_ALLOWED} (allowed: ${policy.images.join(', ')})` });
    if (r.memoryMb !== undefined && r.memoryMb > limits.maxMemoryMb)
      problems.push({ path: `${at}.memoryMb`, message: `${r.memoryMb} MiB ${NOT_ALLOWED} (limit maxMemoryMb=${limits.maxMemoryMb})` });
    if (r.cpus !== undefined && r.cpus > limits.maxCpus)
      problems.push({ path: `${at}.cpus`, message: `${r.cpus} cores ${NOT_ALLOWED} (limit maxCpus=${limits.maxCpus})` });
    if (r.pids !== undefined && r.pids > limits.maxPids)
      problems.push({ path: `${at}.pids`, message: `${r.pids} processes ${NOT_ALLOWED} (limit maxPids=${limits.maxPids})` });
    if (r.scratchMb !== undefined && r.scratchMb > limits.maxScratchMb)
      problems.push({ path: `${at}.scratchMb`, message: `${r.scratchMb} MiB ${NOT_ALLOWED} (limit maxScratchMb=${limits.maxScratchMb})` });
    if (r.network === 'bridge' && !limits.allowNetwork)
      problems.push({ path: `${at}.network`, message: `network access ${NOT_ALLOWED} (allowNetwork is off)` });
    (r.gpus ?? []).forEach((g, i) => {
      if (!limits.allowedGpus.includes(g))
        problems.push({ path: `${at}.gpus[${i}]`, message: `GPU "${g.slice(0, 64)}" ${NOT_ALLOWED} (allowed: ${limits.allowedGpus.join(', ') || 'none'})` });
    });
    (r.mounts ?? []).forEach((m, i) => {
      if (/[/\\:]/.test(m) || m === '.' || m === '..')
        problems.push({
          path: `${at}.mounts[${i}]`,
          message: `"${m.slice(0, 128)}" looks like a path: a manifest names the server's mounts, a host path ${NOT_ALLOWED}`,
        });
      else if (!Object.hasOwn(policy.mounts, m))
        problems.push({
          path: `${at}.mounts[${i}]`,
          message: `mount "${m.slice(0, 128)}" ${NOT_ALLOWED} (known mounts: ${Object.keys(policy.mounts).join(', ') || 'none'})`,
        });
    });
  };
  const { nodes: _nodes, ...pipeline } = s;
  checkRequest(pipeline, 'settings.container');
  for (const [id, r] of Object.entries(s.nodes ?? {})) checkRequest(r, `settings.container.nodes.${id}`);
  if (problems.length) return { specs, problems };
  for (const { id } of containerNodes) {
    const r = { ...pipeline, ...s.nodes?.[id] };
    specs.set(id, {
      image: r.image ?? policy.images[0],
      memoryMb: r.memoryMb ?? policy.defaults.memoryMb,
      cpus: r.cpus ?? policy.defaults.cpus,
      pids: r.pids ?? policy.defaults.pids,
      scratchMb: r.scratchMb ?? policy.defaults.scratchMb,
      gpus: [...(r.gpus ?? policy.defaults.gpus)],
      network: r.network ?? policy.defaults.network,
      mounts: [...(r.mounts ?? policy.defaults.mounts)],
    });
  }
  return { specs, problems };
}
