import { readFileSync } from 'node:fs';
import { TRANSPORT_HTTP_VERSION } from '@remotemedia/transport-http';
import { expect, it } from 'vitest';

it('TRANSPORT_HTTP_VERSION equals package.json', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  expect(TRANSPORT_HTTP_VERSION).toBe(pkg.version);
});
