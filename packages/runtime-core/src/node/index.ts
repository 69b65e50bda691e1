// Node.js-only entry: filesystem helpers, native and multiprocess nodes.
export { loadManifestFile } from './load-manifest-file.js';
export { createNodeRegistry, createNodeRunner, type NodeRunnerOptions } from './create-node-runner.js';
export { nodeAudioNodes } from './audio/index.js';
export * from './multiprocess/index.js';
