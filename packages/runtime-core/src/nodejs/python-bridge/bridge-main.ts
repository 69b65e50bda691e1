// The Node.js side of `remotemedia.runtime` (Python calling the runtime, like the Rust system's FFI).
// Python spawns `node bridge-main.(ts|js)` once and multiplexes calls over stdin/stdout with the
// frame protocol of src/nodejs/multiprocess/frame-codec.ts. Exits when stdin ends (its caller is gone).
import { runBridge } from './python-bridge.js';

if (process.env.REMOTEMEDIA_CALLER_CWD) process.chdir(process.env.REMOTEMEDIA_CALLER_CWD);
// stdout carries frames only: stray console output goes to stderr.
console.log = console.error;
console.info = console.error;
await runBridge(process.stdin, process.stdout);
process.exit(0);
