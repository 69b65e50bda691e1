import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../fixtures/grpc-server-process.ts', import.meta.url));

export interface ServerProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** SIGKILL: no goodbye, connections just drop. */
  kill(): Promise<void>;
}

/** Starts a gRPC server process; resolves once it listens (bounded: fails after 20 s). */
export function startGrpcServerProcess(token: string, port = 0): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--conditions=@remotemedia/source', '--import', 'tsx', script, token, String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('gRPC server process did not start within 20 s'));
    }, 20_000);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /LISTENING (\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const url = m[1];
      resolve({
        url,
        port: Number(new URL(url).port),
        child,
        kill: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGKILL');
          }),
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gRPC server process exited with ${code} before listening: ${out}`));
    });
  });
}
