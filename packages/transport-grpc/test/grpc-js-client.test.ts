// A client built on a different gRPC implementation (@grpc/grpc-js + proto-loader reading the
// .proto files at run time): proves the wire format, statuses, health and reflection are standard.
import { fromBinary } from '@bufbuild/protobuf';
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import * as grpc from '@grpc/grpc-js';
import { PipelineErrorSchema } from '@remotemedia/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ExecuteResponse,
  type ExecutionClient,
  type HealthClient,
  type HealthResponse,
  type ReflectionClient,
  type ReflectionResponse,
  type StreamResponse,
  type StreamingClient,
  grpcJsClient,
} from './grpc-js-clients.js';
import { TOKEN, f32le, passThrough, startServer } from './helpers.js';

/** google.rpc.Status from grpc-status-details-bin -> its Any details (type url, bytes). */
function statusDetails(bin: Buffer): Array<{ typeUrl: string; value: Uint8Array }> {
  const r = new BinaryReader(bin);
  const out: Array<{ typeUrl: string; value: Uint8Array }> = [];
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    if (field !== 3) {
      r.skip(wireType);
      continue;
    }
    const any = new BinaryReader(r.bytes());
    let typeUrl = '';
    let value: Uint8Array = new Uint8Array();
    while (any.pos < any.len) {
      const [f, w] = any.tag();
      if (f === 1) typeUrl = any.string();
      else if (f === 2) value = any.bytes();
      else any.skip(w);
    }
    out.push({ typeUrl, value });
  }
  return out;
}

describe('@grpc/grpc-js client against the server', () => {
  let ctx: Awaited<ReturnType<typeof startServer>>;
  let execution: ExecutionClient;
  let streaming: StreamingClient;
  const auth = () => {
    const m = new grpc.Metadata();
    m.set('authorization', `Bearer ${TOKEN}`);
    return m;
  };

  beforeAll(async () => {
    ctx = await startServer();
    execution = grpcJsClient<ExecutionClient>('remotemedia/v1/pipeline.proto', 'remotemedia.v1.PipelineExecutionService', ctx.port);
    streaming = grpcJsClient<StreamingClient>('remotemedia/v1/pipeline.proto', 'remotemedia.v1.StreamingPipelineService', ctx.port);
  });
  afterAll(async () => {
    execution?.close();
    streaming?.close();
    await ctx?.server.close();
  });

  it('ExecutePipeline returns every output, audio as float32 bytes', async () => {
    const samples = f32le([0.5, -0.25, 1, 0]);
    const res = await new Promise<ExecuteResponse>((resolve, reject) =>
      execution.ExecutePipeline(
        {
          manifest: JSON.stringify(passThrough()),
          inputs: [
            { data: { audio: { samples, sampleRate: 16000, channels: 1 } }, sequence: 1, metadata: { k: 'v' } },
            { data: { text: { text: 'héllo', channel: 'c' } } },
          ],
        },
        auth(),
        (err, value) => (err ? reject(err) : resolve(value!)),
      ),
    );
    expect(res.outputs).toHaveLength(2);
    expect(Buffer.from(res.outputs[0].data.audio!.samples).equals(samples)).toBe(true);
    expect(res.outputs[0].data.audio?.sampleRate).toBe(16000);
    expect(res.outputs[0].metadata).toMatchObject({ k: 'v' });
    expect(res.outputs[1].data.text).toMatchObject({ text: 'héllo', channel: 'c' });
  });

  it('StreamPipeline: init -> ready -> results -> metrics -> closed', async () => {
    const call = streaming.StreamPipeline(auth());
    const responses: StreamResponse[] = [];
    const done = new Promise<void>((resolve, reject) => {
      call.on('data', (r: StreamResponse) => responses.push(r));
      call.on('end', resolve);
      call.on('error', reject);
    });
    call.write({ init: { manifest: JSON.stringify(passThrough('stream')) } });
    for (let i = 0; i < 10; i++) call.write({ data: { data: { json: { json: JSON.stringify({ i }) } }, sequence: i } });
    call.write({ end: {} });
    call.end();
    await done;
    expect(responses[0].response).toBe('ready');
    expect(responses[0].ready?.sessionId).toMatch(/[0-9a-f-]{36}/);
    const results = responses.filter((r) => r.response === 'result').map((r) => r.result!);
    expect(results.map((r) => (JSON.parse(r.data.json!.json) as { i: number }).i)).toEqual([...Array(10).keys()]);
    expect(results.map((r) => r.sequence)).toEqual([...Array(10).keys()]);
    const { metrics } = responses.find((r) => r.response === 'metrics')!;
    expect(metrics?.inputs).toBe(10);
    expect(metrics?.nodes[0].nodeId).toBe('p');
    expect(responses.at(-1)).toMatchObject({ response: 'closed', closed: { results: 10 } });
  });

  it('a bad manifest is INVALID_ARGUMENT with a PipelineError detail listing every problem', async () => {
    const bad = {
      version: 'v1',
      metadata: { name: 'bad' },
      nodes: [
        { id: 'a', nodeType: 'NoSuchNode' },
        { id: 'b', nodeType: 'Calculator', params: { operation: 'pow' } },
      ],
    };
    const error = await new Promise<grpc.ServiceError>((resolve) =>
      execution.ExecutePipeline({ manifest: JSON.stringify(bad), inputs: [] }, auth(), (err) => resolve(err!)),
    );
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    const [bin] = error.metadata.get('grpc-status-details-bin') as Buffer[];
    const details = statusDetails(bin);
    const detail = details.find((d) => d.typeUrl.endsWith('remotemedia.v1.PipelineError'));
    expect(detail).toBeDefined();
    const pe = fromBinary(PipelineErrorSchema, detail!.value);
    expect(pe.code).toBe(3);
    expect(pe.details.map((d) => d.path)).toEqual(expect.arrayContaining(['nodes[0].nodeType', 'nodes[1].params.operation']));
  });

  it('rejects missing and wrong tokens with UNAUTHENTICATED', async () => {
    const call = (md: grpc.Metadata) =>
      new Promise<grpc.ServiceError>((resolve) =>
        execution.ExecutePipeline({ manifest: JSON.stringify(passThrough()), inputs: [] }, md, (err) => resolve(err!)),
      );
    expect((await call(new grpc.Metadata())).code).toBe(grpc.status.UNAUTHENTICATED);
    const wrong = new grpc.Metadata();
    wrong.set('authorization', 'Bearer nope');
    const err = await call(wrong);
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(err.details).not.toContain('nope');
  });

  it('grpc.health.v1: Check and Watch without credentials', async () => {
    const health = grpcJsClient<HealthClient>('grpc/health/v1/health.proto', 'grpc.health.v1.Health', ctx.port);
    const check = await new Promise<HealthResponse>((resolve, reject) => health.Check({ service: '' }, (e, r) => (e ? reject(e) : resolve(r!))));
    expect(check.status).toBe('SERVING');
    const known = await new Promise<HealthResponse>((resolve, reject) =>
      health.Check({ service: 'remotemedia.v1.StreamingPipelineService' }, (e, r) => (e ? reject(e) : resolve(r!))),
    );
    expect(known.status).toBe('SERVING');
    const unknown = await new Promise<grpc.ServiceError>((resolve) => health.Check({ service: 'no.Such' }, (e) => resolve(e!)));
    expect(unknown.code).toBe(grpc.status.NOT_FOUND);
    const watch = health.Watch({ service: '' });
    const first = await new Promise<HealthResponse>((resolve, reject) => {
      watch.once('data', resolve);
      watch.once('error', reject);
    });
    expect(first.status).toBe('SERVING');
    watch.cancel();
    health.close();
  });

  it.each(['v1', 'v1alpha'])('server reflection %s lists the services and serves descriptors', async (version) => {
    const client = grpcJsClient<ReflectionClient>(`grpc/reflection/${version}/reflection.proto`, `grpc.reflection.${version}.ServerReflection`, ctx.port);
    const call = client.ServerReflectionInfo();
    const responses: ReflectionResponse[] = [];
    const done = new Promise<void>((resolve, reject) => {
      call.on('data', (r: ReflectionResponse) => responses.push(r));
      call.on('end', resolve);
      call.on('error', reject);
    });
    call.write({ listServices: '' });
    call.write({ fileContainingSymbol: 'remotemedia.v1.StreamingPipelineService' });
    call.write({ fileContainingSymbol: 'remotemedia.v1.PipelineExecutionService.ExecutePipeline' });
    call.write({ fileByFilename: 'remotemedia/v1/data.proto' });
    call.write({ fileContainingSymbol: 'no.such.Symbol' });
    call.end();
    await done;
    client.close();
    expect(responses[0].listServicesResponse?.service.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        'remotemedia.v1.PipelineExecutionService',
        'remotemedia.v1.StreamingPipelineService',
        'grpc.health.v1.Health',
        `grpc.reflection.${version}.ServerReflection`,
      ]),
    );
    const names = (r: ReflectionResponse) => r.fileDescriptorResponse!.fileDescriptorProto.map((b) => fromBinary(FileDescriptorProtoSchema, b).name);
    expect(names(responses[1])).toEqual(expect.arrayContaining(['remotemedia/v1/pipeline.proto', 'remotemedia/v1/data.proto', 'remotemedia/v1/metrics.proto']));
    const pipelineFile = fromBinary(FileDescriptorProtoSchema, responses[1].fileDescriptorResponse!.fileDescriptorProto[0]);
    expect(pipelineFile.service.map((s) => s.name)).toEqual(['PipelineExecutionService', 'StreamingPipelineService']);
    expect(names(responses[2])[0]).toBe('remotemedia/v1/pipeline.proto');
    expect(names(responses[3])[0]).toBe('remotemedia/v1/data.proto');
    expect(responses[4].errorResponse?.errorCode).toBe(grpc.status.NOT_FOUND);
  });
});
