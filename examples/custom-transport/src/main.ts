// `node --conditions=@remotemedia/source --import tsx src/main.ts` serves every built-in node over
// stdin/stdout; STDIO_TOKENS=a,b turns on auth.
import { createNodeRunner } from '@remotemedia/runtime-core/node';
import { serveStdio } from './stdio-server.js';

const tokens = (process.env.STDIO_TOKENS ?? '').split(',').filter(Boolean);
await serveStdio({ pipeline: createNodeRunner(), authTokens: tokens });
