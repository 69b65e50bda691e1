import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Plugin, build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const core = join(repo, 'packages/runtime-core');
const TRANSPORT_MODULES =
  /^(@connectrpc\/|@bufbuild\/|werift|undici|ws$|express|fastify|hono|@grpc\/|node:https?$|node:http2$|node:net$|http$|https$|http2$|net$)/;
const NODE_BUILTIN = new RegExp(`^(node:|(${builtinModules.map((m) => m.replace('/', '\\/')).join('|')})(/|$))`);

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'dist' || name === 'gen') return [];
    return statSync(p).isDirectory() ? tsFiles(p) : /\.(ts|tsx|mts)$/.test(name) && !name.endsWith('.d.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const found = new Set<string>();
  for (const m of src.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm))
    found.add(m[1] ?? m[2] ?? m[3] ?? '');
  return [...found];
}

/** Files reachable from `entry` through relative imports (type-only imports included: harmless but kept strict). */
function reachable(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const specs = imports(file);
    seen.set(file, specs);
    for (const s of specs) if (s.startsWith('.')) visit(resolve(dirname(file), s.replace(/\.js$/, '.ts')));
  };
  visit(entry);
  return seen;
}

describe('package boundaries', () => {
  it('runtime-core depends on no transport library', () => {
    const pkg = JSON.parse(readFileSync(join(core, 'package.json'), 'utf8'));
    const names = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies });
    expect(names.filter((n) => TRANSPORT_MODULES.test(n))).toEqual([]);
    const offenders = tsFiles(join(core, 'src')).flatMap((f) =>
      imports(f)
        .filter((s) => TRANSPORT_MODULES.test(s))
        .map((s) => `${relative(repo, f)} imports ${s}`),
    );
    expect(offenders).toEqual([]);
  });

  it("runtime-core's main entry reaches no node:* module and nothing under src/nodejs/", () => {
    const graph = reachable(join(core, 'src/index.ts'));
    const offenders: string[] = [];
    for (const [file, specs] of graph) {
      if (relative(core, file).startsWith('src/nodejs/')) offenders.push(`${relative(repo, file)} is Node-only`);
      for (const s of specs) if (NODE_BUILTIN.test(s)) offenders.push(`${relative(repo, file)} imports ${s}`);
    }
    expect(offenders).toEqual([]);
    expect(graph.size).toBeGreaterThan(10);
  });

  // Browser entries, bundled as a browser app would: any node:* or Node built-in module fails the
  // build, and so does a reference to Node's global Buffer (`globalThis.Buffer` looked up at run
  // time is fine: a browser just lacks it).
  const browserEntries = ['@remotemedia/runtime-core', '@remotemedia/runtime-core/kit', '@remotemedia/protocol', '@remotemedia/transport-webrtc/browser'];
  it.each(browserEntries)('%s bundles for a browser without Node built-ins', async (entry) => {
    const [, name = '', sub = ''] = /^@remotemedia\/([^/]+)(\/.+)?$/.exec(entry) ?? [];
    const pkg = JSON.parse(readFileSync(join(repo, 'packages', name, 'package.json'), 'utf8'));
    const source = pkg.exports[`.${sub}`]?.['@remotemedia/source'] as string | undefined;
    if (!source) return; // an entry not (yet) exported
    const refuseNodeBuiltins: Plugin = {
      name: 'refuse-node-builtins',
      setup(b) {
        b.onResolve({ filter: NODE_BUILTIN }, (args) => ({ errors: [{ text: `${relative(repo, args.importer)} imports the Node built-in "${args.path}"` }] }));
      },
    };
    const result = await build({
      entryPoints: [join(repo, 'packages', name, source)],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
      conditions: ['@remotemedia/source'],
      // Only free references to the global are renamed; strings, properties and local names are not.
      define: { Buffer: '__NODE_GLOBAL_BUFFER__' },
      plugins: [refuseNodeBuiltins],
    }).catch((error: Error & { errors?: Array<{ text: string }> }) => ({ errors: error.errors?.map((e) => e.text) ?? [error.message], outputFiles: [] }));
    expect(result.errors).toEqual([]);
    const code = result.outputFiles[0]?.text ?? '';
    expect(code).not.toMatch(/from\s*["']node:/);
    expect(code).not.toContain('__NODE_GLOBAL_BUFFER__');
  });

  it('remote-client declares every transport it loads by dynamic import as an optional peer dependency', () => {
    const root = join(repo, 'packages/remote-client');
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const loaded = new Set(
      tsFiles(join(root, 'src')).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/['"](@remotemedia\/transport-[a-z]+)['"]/g)].map((m) => m[1] ?? '')),
    );
    expect(loaded.size).toBeGreaterThanOrEqual(3);
    for (const name of loaded) {
      // A workspace range that `pnpm publish` turns into a semver range (not `workspace:*` pinned to one version).
      expect(pkg.peerDependencies?.[name], name).toMatch(/^workspace:>=/);
      expect(pkg.peerDependenciesMeta?.[name]?.optional, name).toBe(true);
      expect(pkg.dependencies?.[name], name).toBeUndefined();
    }
  });

  it("no package reaches into another package's internals; transports peer-depend on runtime-core", () => {
    const publicEntries = new Set([
      '@remotemedia/runtime-core',
      '@remotemedia/runtime-core/node',
      '@remotemedia/runtime-core/kit',
      '@remotemedia/runtime-core/testing',
    ]);
    const offenders: string[] = [];
    const roots = ['packages', 'apps', 'examples'].flatMap((d) =>
      existsSync(join(repo, d))
        ? readdirSync(join(repo, d))
            .map((n) => join(repo, d, n))
            .filter((p) => statSync(p).isDirectory())
        : [],
    );
    for (const root of roots) {
      for (const file of tsFiles(root)) {
        for (const s of imports(file)) {
          if (s.startsWith('@remotemedia/runtime-core') && !publicEntries.has(s)) offenders.push(`${relative(repo, file)} imports ${s}`);
          if (/(^|\/)(src|dist)\//.test(s) && s.startsWith('@remotemedia/')) offenders.push(`${relative(repo, file)} imports ${s}`);
          if (s.startsWith('.')) {
            const target = resolve(dirname(file), s);
            if (!target.startsWith(root + '/') && target !== root) offenders.push(`${relative(repo, file)} imports another package by path: ${s}`);
          }
        }
      }
      const pkgFile = join(root, 'package.json');
      if (root.includes('/packages/transport-') && existsSync(pkgFile)) {
        const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
        if (!pkg.peerDependencies?.['@remotemedia/runtime-core'])
          offenders.push(`${relative(repo, pkgFile)} must list @remotemedia/runtime-core in peerDependencies`);
        if (pkg.dependencies?.['@remotemedia/runtime-core'])
          offenders.push(`${relative(repo, pkgFile)} must not list @remotemedia/runtime-core in dependencies`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
