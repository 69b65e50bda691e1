// Browser tests: Debian's Chromium driven by playwright-core, and client code bundled for it from
// source (the `@remotemedia/source` condition), so tests need no build and no download.
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';

/** Where scripts/system-packages.txt installs Chromium. */
export const CHROMIUM = '/usr/bin/chromium';
/** Flags every headless test run takes (`--no-sandbox`: tests run as root in CI). */
export const HEADLESS_CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'];

/** Headless Chromium with the common flags plus `extraArgs` (e.g. `--allow-loopback-in-peer-connection`). */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...HEADLESS_CHROMIUM_ARGS, ...extraArgs] });
}

/** `contents` (TypeScript, imports resolved from `resolveDir`) bundled as one ES module for a page. */
export async function bundleForBrowser(contents: string, resolveDir: string): Promise<string> {
  const result = await build({
    stdin: { contents, resolveDir, loader: 'ts' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@remotemedia/source'],
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}
