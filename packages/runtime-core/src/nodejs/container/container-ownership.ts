// Which containers are this process's: the ones it runs now (removed when it exits normally), and an
// owner label (host, pid, process start time) by which the next start finds what a crash left behind.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { CONTAINER_LABEL, type ContainerEngine, OWNER_LABEL } from './container-engine.js';

/** `<pid>/<start time>` of this process: with the host name, tells a leftover container's owner from a reused pid. */
function processIdentity(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return `${pid}/${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`;
  } catch {
    return undefined;
  }
}

let containersByName = new Map<string, { engine: ContainerEngine }>();
let exitHook = false;
/** Names of the containers this process has running now (all runtimes). */
export function liveContainerNames(): string[] {
  return [...containersByName.keys()];
}

/** Records a container this process started, so a normal exit removes it. */
export function track(name: string, engine: ContainerEngine): void {
  containersByName.set(name, { engine });
  if (exitHook) return;
  exitHook = true;
  // Containers never outlive the runtime when it exits normally; after a crash the next start reaps them.
  process.once('exit', () => {
    const byEngine = new Map<ContainerEngine, string[]>();
    for (const [n, c] of containersByName) byEngine.set(c.engine, [...(byEngine.get(c.engine) ?? []), n]);
    for (const [engine, names] of byEngine) spawnSync(engine.bin, [...engine.globalArgs, ...engine.removeArgs(names)], { stdio: 'ignore', timeout: 20_000 });
    containersByName = new Map();
  });
}

/** The container is gone (removed, or found stopped). */
export function untrack(name: string): void {
  containersByName.delete(name);
}

/** The owner label value of the containers this process starts: `<host>/<pid>/<start time>`. */
export function ownerOfThisProcess(): string {
  return `${hostname()}/${processIdentity(process.pid) ?? process.pid}`;
}

/**
 * Removes the containers labelled as ours whose owner process (on this host) is gone: what a
 * runtime killed outright (SIGKILL, a power cut) left behind. Returns their names.
 */
export async function reapStale(engine: ContainerEngine): Promise<string[]> {
  const ids = (await engine.run(['ps', '-a', '-q', '--filter', `label=${CONTAINER_LABEL}`])).stdout
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!ids.length) return [];
  const r = await engine.run(['inspect', '--format', `{{.Name}}|{{index .Config.Labels "${OWNER_LABEL}"}}`, ...ids]);
  const stale: string[] = [];
  const host = hostname();
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const [rawName, owner = ''] = line.split('|');
    const name = rawName.replace(/^\//, '');
    const [ownerHost, pid, start] = owner.split('/');
    if (ownerHost !== host || !pid) continue; // another machine's (a shared Docker engine)
    if (processIdentity(Number(pid)) === `${pid}/${start}`) continue; // its owner is alive
    stale.push(name);
  }
  if (stale.length) await engine.run(engine.removeArgs(stale));
  return stale;
}
