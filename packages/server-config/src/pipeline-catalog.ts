import { type FSWatcher, readdirSync, readFileSync, watch } from 'node:fs';
import { extname, join } from 'node:path';
import { type ErrorDetail, type ManifestSource, formatDetails, parseManifestText } from '@remotemedia/runtime-core';
import { ConfigError, Described } from './operator-config.js';

const EXTENSIONS = ['.yaml', '.yml', '.json'];
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export interface CatalogLogger {
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

/**
 * The operator's named pipelines: every manifest file of a directory, by file name without its
 * extension. Loaded once; `reload()` (on a change in the directory, or SIGHUP in the apps) reads
 * it again, and a file that no longer parses or validates keeps its previous version (logged).
 * `record` is one object updated in place, so servers that take a record (HTTP) see reloads.
 */
export interface PipelineCatalog {
  readonly dir: string | undefined;
  /** name -> manifest text (JSON), updated in place on reload. */
  readonly record: Record<string, string>;
  get(name: string): ManifestSource | undefined;
  names(): string[];
  /** Reads the directory again; resolves with the names now served. */
  reload(): string[];
  /** Reloads on changes in the directory (debounced). */
  watch(): void;
  close(): void;
}

/** Checks a manifest against the server's node types; returns its problems. */
export type ManifestCheck = (manifest: unknown) => readonly ErrorDetail[];

function readAll(dir: string, check: ManifestCheck | undefined): { pipelines: Record<string, string>; errors: { file: string; message: string }[] } {
  const pipelines: Record<string, string> = {};
  const errors: { file: string; message: string }[] = [];
  for (const file of readdirSync(dir).sort()) {
    const ext = extname(file);
    if (!EXTENSIONS.includes(ext)) continue;
    const name = file.slice(0, -ext.length);
    const path = join(dir, file);
    if (!NAME.test(name)) {
      errors.push({ file: path, message: 'file name must be letters, digits, "_", "." and "-" (the pipeline name)' });
      continue;
    }
    try {
      const manifest = parseManifestText(readFileSync(path, 'utf8'), path);
      const problems = check?.(manifest) ?? [];
      if (problems.length) {
        errors.push({ file: path, message: `invalid manifest:\n${formatDetails(problems.slice(0, 10))}` });
        continue;
      }
      pipelines[name] = JSON.stringify(manifest);
    } catch (error) {
      errors.push({ file: path, message: (error as Error).message });
    }
  }
  return { pipelines, errors };
}

/**
 * Loads the named pipelines of `dir` (none when undefined). A pipeline that fails to parse or
 * validate at start is a ConfigError naming its file (the apps exit 2).
 */
export function createPipelineCatalog(dir: string | undefined, options: { check?: ManifestCheck; logger?: CatalogLogger } = {}): PipelineCatalog {
  const record: Record<string, string> = {};
  let watcher: FSWatcher | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (dir !== undefined) {
    let first;
    try {
      first = readAll(dir, options.check);
    } catch (error) {
      throw new ConfigError(
        dir,
        'pipelines',
        'a readable directory of manifests',
        new Described((error as NodeJS.ErrnoException).code ?? (error as Error).message),
      );
    }
    if (first.errors.length) throw new ConfigError(first.errors[0].file, 'pipelines', 'a valid manifest', new Described(first.errors[0].message));
    Object.assign(record, first.pipelines);
  }
  const catalog: PipelineCatalog = {
    dir,
    record,
    get: (name) => (Object.hasOwn(record, name) ? record[name] : undefined),
    names: () => Object.keys(record),
    reload() {
      if (dir === undefined) return [];
      let next;
      try {
        next = readAll(dir, options.check);
      } catch (error) {
        options.logger?.error({ dir, err: (error as Error).message }, 'pipelines directory not readable; keeping the pipelines loaded before');
        return Object.keys(record);
      }
      for (const e of next.errors) {
        const name = e.file.slice(dir.length + 1).replace(/\.(ya?ml|json)$/, '');
        options.logger?.error(
          { file: e.file, err: e.message },
          Object.hasOwn(record, name) ? 'pipeline not reloaded; keeping its previous version' : 'pipeline not loaded',
        );
        if (Object.hasOwn(record, name)) next.pipelines[name] = record[name]!;
      }
      for (const name of Object.keys(record)) if (!Object.hasOwn(next.pipelines, name)) delete record[name];
      Object.assign(record, next.pipelines);
      options.logger?.info({ pipelines: Object.keys(record) }, 'pipelines reloaded');
      return Object.keys(record);
    },
    watch() {
      if (dir === undefined || watcher) return;
      try {
        watcher = watch(dir, () => {
          clearTimeout(timer);
          timer = setTimeout(() => catalog.reload(), 100);
          timer.unref();
        });
        watcher.unref();
        watcher.on('error', (error) => options.logger?.warn({ dir, err: error.message }, 'watching the pipelines directory failed; reload with SIGHUP'));
      } catch (error) {
        options.logger?.warn({ dir, err: (error as Error).message }, 'cannot watch the pipelines directory; reload with SIGHUP');
      }
    },
    close() {
      clearTimeout(timer);
      watcher?.close();
      watcher = undefined;
    },
  };
  return catalog;
}
