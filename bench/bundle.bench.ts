// `pnpm bench bundle`: what a browser app pays to import our browser entries. Each entry is bundled
// from source with esbuild as an app would (ESM, minified, platform browser) and weighed minified
// and gzipped. Baseline, same run: runtime-core's main entry with `zod/mini` mapped back to classic
// zod imported as the code did before (`import { z } from 'zod'`, which keeps all of zod, locales
// included). Also measured: classic zod imported as a namespace (what a bundler can tree-shake).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type Plugin, build } from 'esbuild';
import { type Comparison, type Measurement, compare, writeReport } from './report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Weighed {
  minified: number;
  gzip: number;
  /** Minified bytes per origin: zod, yaml, other dependencies, our own sources. */
  parts: Record<'zod' | 'yaml' | 'other dependencies' | 'ours', number>;
}

/** The source file of a package entry such as `@remotemedia/transport-webrtc/browser`, or undefined when not exported. */
function sourceOf(entry: string): string | undefined {
  const [, name = '', sub = ''] = /^@remotemedia\/([^/]+)(\/.+)?$/.exec(entry) ?? [];
  const pkg = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')) as { exports: Record<string, Record<string, string> | undefined> };
  const source = pkg.exports[`.${sub}`]?.['@remotemedia/source'];
  return source && join(root, 'packages', name, source);
}

// zod is runtime-core's dependency, not the bench's.
const requireFromCore = createRequire(join(root, 'packages/runtime-core/package.json'));

/** Serves `zod/mini` as the members of classic zod's `z` object: the import runtime-core had before. */
const classicZodAsBefore: Plugin = {
  name: 'classic-zod-as-before',
  setup(b) {
    b.onResolve({ filter: /^zod\/mini$/ }, () => ({ path: 'zod/mini', namespace: 'classic-zod' }));
    b.onLoad({ filter: /.*/, namespace: 'classic-zod' }, () => {
      const names = Object.keys(requireFromCore('zod/mini') as object).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n));
      const lines = names.map((n, i) => `const v${i} = z[${JSON.stringify(n)}];`);
      const exported = names.map((n, i) => `v${i} as ${n}`).join(', ');
      return {
        contents: `import { z } from 'zod';\n${lines.join('\n')}\nexport { ${exported} };\n`,
        resolveDir: join(root, 'packages/runtime-core'),
        loader: 'js',
      };
    });
  },
};

async function weigh(file: string, options: { alias?: Record<string, string>; plugins?: Plugin[] } = {}): Promise<Weighed> {
  const result = await build({
    entryPoints: [file],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
    logLevel: 'silent',
    conditions: ['@remotemedia/source'],
    // The alias target resolves from here: runtime-core depends on zod.
    absWorkingDir: join(root, 'packages/runtime-core'),
    ...options,
  });
  const bytes = result.outputFiles[0].contents;
  const parts: Weighed['parts'] = { zod: 0, yaml: 0, 'other dependencies': 0, ours: 0 };
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
      const zod = pkg === 'zod' || input.startsWith('classic-zod:');
      parts[zod ? 'zod' : pkg === 'yaml' ? 'yaml' : pkg ? 'other dependencies' : 'ours'] += bytesInOutput;
    }
  }
  return { minified: bytes.byteLength, gzip: gzipSync(bytes).byteLength, parts };
}

const kib = (bytes: number) => bytes / 1024;

export async function run(): Promise<void> {
  const core = sourceOf('@remotemedia/runtime-core')!;
  const ours = await weigh(core);
  const classic = await weigh(core, { plugins: [classicZodAsBefore] });
  const classicShaken = await weigh(core, { alias: { 'zod/mini': 'zod' } });
  const before = 'same entry, classic zod imported as before (import { z } from "zod")';
  const shaken = 'same entry, zod/mini aliased to classic zod (namespace import, tree-shaken)';
  const comparisons: Comparison[] = [
    compare('@remotemedia/runtime-core main entry, browser bundle, minified', 'KiB', kib(ours.minified), kib(classic.minified), {
      baselineName: before,
      target: '< 0.5',
    }),
    compare('@remotemedia/runtime-core main entry, browser bundle, gzip', 'KiB', kib(ours.gzip), kib(classic.gzip), { baselineName: before, target: '< 0.6' }),
    compare('@remotemedia/runtime-core main entry, browser bundle, minified', 'KiB', kib(ours.minified), kib(classicShaken.minified), {
      baselineName: shaken,
      target: '< 1',
    }),
    compare('@remotemedia/runtime-core main entry, browser bundle, gzip', 'KiB', kib(ours.gzip), kib(classicShaken.gzip), {
      baselineName: shaken,
      target: '< 1',
    }),
  ];
  const measurements: Measurement[] = [];
  for (const [part, bytes] of Object.entries(ours.parts)) {
    measurements.push({
      name: `runtime-core main entry: ${part}`,
      unit: 'KiB',
      value: kib(bytes),
      note: `minified; classic zod as before: ${kib(classic.parts[part as keyof Weighed['parts']]).toFixed(1)}, tree-shaken: ${kib(classicShaken.parts[part as keyof Weighed['parts']]).toFixed(1)}`,
    });
  }
  for (const entry of ['@remotemedia/runtime-core/kit', '@remotemedia/protocol', '@remotemedia/transport-webrtc/browser']) {
    const file = sourceOf(entry);
    if (!file) {
      measurements.push({ name: `${entry} (not exported yet)`, unit: 'KiB', value: Number.NaN });
      continue;
    }
    const w = await weigh(file);
    measurements.push({
      name: `${entry}, browser bundle, minified`,
      unit: 'KiB',
      value: kib(w.minified),
      note: `zod ${kib(w.parts.zod).toFixed(1)}, yaml ${kib(w.parts.yaml).toFixed(1)}, other dependencies ${kib(w.parts['other dependencies']).toFixed(1)}, ours ${kib(w.parts.ours).toFixed(1)}`,
    });
    measurements.push({ name: `${entry}, browser bundle, gzip`, unit: 'KiB', value: kib(w.gzip) });
  }
  writeReport('bundle', comparisons, measurements);
}
