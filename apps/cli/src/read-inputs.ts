import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { Code, type RuntimeData, RemoteMediaError, decodeWav, type JsonValue } from '@remotemedia/runtime-core';
import { runtimeDataFromJson } from '@remotemedia/runtime-core/kit';

export interface InputFlags {
  input?: string;
  text?: string[];
  json?: string[];
}

/** A file's inputs: one item, or an audio stream to send in frames. */
export type Inputs = { kind: 'items'; items: RuntimeData[] } | { kind: 'audio'; audio: Extract<RuntimeData, { kind: 'audio' }>; source: string };

export async function readInputs(flags: InputFlags): Promise<Inputs> {
  const given = [flags.input, flags.text, flags.json].filter((v) => v !== undefined).length;
  if (given > 1) throw new RemoteMediaError(Code.InvalidArgument, 'give only one of --input, --text, --json');
  if (flags.text) return { kind: 'items', items: flags.text.map((text) => ({ kind: 'text', text })) };
  if (flags.json) return { kind: 'items', items: flags.json.map((v, i) => ({ kind: 'json', value: parseJson(v, `--json value ${i + 1}`) })) };
  if (!flags.input) return { kind: 'items', items: [] };
  return readInputFile(flags.input);
}

async function readInputFile(path: string): Promise<Inputs> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RemoteMediaError(Code.NotFound, code === 'ENOENT' ? `input file not found: ${path}` : `cannot read ${path}: ${(error as Error).message}`);
  }
  switch (extname(path).toLowerCase()) {
    case '.wav':
    case '.wave': {
      try {
        return { kind: 'audio', audio: decodeWav(bytes), source: path };
      } catch (error) {
        throw new RemoteMediaError(Code.InvalidArgument, `${path}: ${(error as RemoteMediaError).rawMessage ?? (error as Error).message}`, { cause: error });
      }
    }
    case '.json': {
      const value = parseJson(new TextDecoder().decode(bytes), path);
      // A file of RuntimeData JSON ({kind: ...} or a list of them) is sent as is; any other JSON is one json input.
      const isData = (v: unknown) => v !== null && typeof v === 'object' && typeof (v as { kind?: unknown }).kind === 'string';
      if (Array.isArray(value) && value.length && value.every(isData))
        return { kind: 'items', items: value.map((v, i) => runtimeDataFromJson(v, `${path}[${i}]`)) };
      if (isData(value)) return { kind: 'items', items: [runtimeDataFromJson(value, path)] };
      return { kind: 'items', items: [{ kind: 'json', value }] };
    }
    case '.txt':
    case '.md':
      return { kind: 'items', items: [{ kind: 'text', text: new TextDecoder().decode(bytes) }] };
    default:
      return { kind: 'items', items: [{ kind: 'binary', bytes }] };
  }
}

function parseJson(text: string, where: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new RemoteMediaError(Code.InvalidArgument, `${where} is not valid JSON: ${(error as Error).message}`);
  }
}
