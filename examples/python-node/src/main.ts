// `pnpm --filter @remotemedia/example-python-node start`: runs pipeline.yaml (TS -> Python -> TS) on 1, 2, 3.
import { fileURLToPath } from 'node:url';
import type { ManifestSource } from '@remotemedia/runtime-core';
import { createNodeRunner, loadManifestFile } from '@remotemedia/runtime-core/node';

export const NODES_MODULE = fileURLToPath(new URL('../nodes/example_nodes.py', import.meta.url));
export const PIPELINE = fileURLToPath(new URL('../pipeline.yaml', import.meta.url));

/** Runs the example pipeline and returns its JSON outputs. */
export async function runExample(inputs: number[]): Promise<unknown[]> {
  const runner = createNodeRunner({ python: { modules: [NODES_MODULE] } });
  try {
    const manifest = (await loadManifestFile(PIPELINE)) as ManifestSource;
    const outputs = await runner.execute(
      manifest,
      inputs.map((value) => ({ kind: 'json', value }) as const),
    );
    return outputs.map((o) => (o.data.kind === 'json' ? o.data.value : o.data));
  } finally {
    await runner.shutdown();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await runExample([1, 2, 3])); // [ 40, 90, 160 ]
}
