import { readFile } from 'node:fs/promises';
import { Code, RemoteMediaError } from '../errors.js';
import { parseManifestText } from '../manifest/parse-manifest.js';

/** Reads a JSON or YAML manifest file into a plain object (validation is the runner's job). */
export async function loadManifestFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RemoteMediaError(
      Code.NotFound,
      code === 'ENOENT' ? `manifest file not found: ${path}` : `cannot read manifest ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return parseManifestText(text, path);
}
