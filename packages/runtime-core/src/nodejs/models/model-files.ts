// Model files named by manifests. A manifest comes from the network, so the file it names is
// resolved inside the directories the operator chose, canonicalised (one cache entry per file
// however it is spelled), checked to be a regular file of bounded size before anything opens it
// (a FIFO would block the reader), and read without blocking the event loop. Every way a name can
// fail gets the same answer: different errors would tell a client which server files exist.
import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import { Code, RemoteMediaError } from '../../errors.js';
import type { NodeLogger } from '../../nodes/node-definition.js';

/** Largest model file read into memory. */
export const MAX_MODEL_FILE_BYTES = 256 * 1024 * 1024;

/** Model directories from env `REMOTEMEDIA_MODEL_DIRS` (separated by `:`), for the server apps. */
export function modelDirsFromEnv(env: Record<string, string | undefined> = process.env): string[] {
  return (env.REMOTEMEDIA_MODEL_DIRS ?? '').split(':').filter(Boolean);
}

/**
 * The canonical path of the model file `requested` names inside one of `dirs` (relative names
 * are tried in each directory in order; absolute ones must lie inside one), else InvalidArgument.
 * The real reason of a refusal is logged for the operator, never sent to the client.
 */
export async function resolveModelFile(
  requested: string,
  dirs: readonly string[],
  where: { nodeId: string; param: string; logger?: NodeLogger },
): Promise<string> {
  const refuse = (why: string): never => {
    where.logger?.warn('model file refused', { nodeId: where.nodeId, param: where.param, requested, why });
    throw new RemoteMediaError(
      Code.InvalidArgument,
      `${where.param} ${JSON.stringify(requested.slice(0, 200))} is not a model file this server offers (names are resolved inside the operator's model directories)`,
      {
        nodeId: where.nodeId,
        reason: 'ModelNotAllowed',
        details: [{ path: `params.${where.param}`, message: 'not a model file in the server model directories' }],
      },
    );
  };
  if (requested.includes('\0')) refuse('contains a NUL byte');
  for (const dir of dirs) {
    const root = await realpath(dir).catch(() => undefined);
    if (!root) continue;
    const candidate = isAbsolute(requested) ? requested : resolve(root, requested);
    const file = await realpath(candidate).catch(() => undefined);
    if (!file || !(file === root || file.startsWith(root.endsWith(sep) ? root : root + sep))) continue;
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) refuse('not a regular file');
    if (info!.size > MAX_MODEL_FILE_BYTES) refuse(`larger than ${MAX_MODEL_FILE_BYTES} bytes`);
    return file;
  }
  return refuse('not found inside the model directories');
}

/** The bytes of a trusted model file: canonical path first, regular file of bounded size, read asynchronously. */
export async function readModelFile(path: string): Promise<{ file: string; bytes: Uint8Array }> {
  const file = await realpath(path);
  const info = await stat(file);
  if (!info.isFile()) throw new Error(`${file} is not a regular file`);
  if (info.size > MAX_MODEL_FILE_BYTES) throw new Error(`${file} is larger than ${MAX_MODEL_FILE_BYTES} bytes`);
  return { file, bytes: await readFile(file) };
}
