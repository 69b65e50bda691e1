// Node.js-only entry: filesystem helpers and (later) native and multiprocess nodes.
export { loadManifestFile } from './load-manifest-file.js';
