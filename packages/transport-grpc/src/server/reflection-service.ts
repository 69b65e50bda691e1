import { type DescFile, type MessageInitShape, type Registry, createRegistry, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import type { HandlerContext, ServiceImpl } from '@connectrpc/connect';
import { reflectionV1, reflectionV1alpha } from '@remotemedia/protocol/grpc';

type Request = reflectionV1.ServerReflectionRequest | reflectionV1alpha.ServerReflectionRequest;
const NOT_FOUND = 5;

/**
 * gRPC server reflection (v1 and v1alpha share one message shape), answered from the descriptors
 * embedded in the generated code, so grpcurl-class tools work without our .proto files.
 */
export class ReflectionIndex {
  readonly #registry: Registry;
  readonly #byName = new Map<string, DescFile>();
  constructor(
    files: readonly DescFile[],
    readonly serviceNames: readonly string[],
  ) {
    const visit = (f: DescFile) => {
      if (this.#byName.has(f.proto.name)) return;
      this.#byName.set(f.proto.name, f);
      f.dependencies.forEach(visit);
    };
    files.forEach(visit);
    this.#registry = createRegistry(...this.#byName.values());
  }

  /** One response, as a message init shared by v1 and v1alpha (same field layout). */
  answer(req: Request): MessageInitShape<typeof reflectionV1.ServerReflectionResponseSchema> {
    const r = req.messageRequest;
    const originalRequest = {
      host: req.host,
      messageRequest:
        r.case === 'fileContainingExtension'
          ? { case: r.case, value: { containingType: r.value.containingType, extensionNumber: r.value.extensionNumber } }
          : r,
    } as MessageInitShape<typeof reflectionV1.ServerReflectionRequestSchema>;
    const base = { validHost: req.host, originalRequest };
    switch (r.case) {
      case 'listServices':
        return { ...base, messageResponse: { case: 'listServicesResponse' as const, value: { service: this.serviceNames.map((name) => ({ name })) } } };
      case 'fileByFilename': {
        const file = this.#byName.get(r.value);
        return file ? this.#files(base, file) : this.#error(base, `file "${r.value}" not found`);
      }
      case 'fileContainingSymbol': {
        const file = this.#fileOfSymbol(r.value);
        return file ? this.#files(base, file) : this.#error(base, `symbol "${r.value}" not found`);
      }
      case 'fileContainingExtension':
        return this.#error(base, `extension ${r.value.extensionNumber} of "${r.value.containingType}" not found`);
      case 'allExtensionNumbersOfType': {
        if (!this.#registry.getMessage(r.value)) return this.#error(base, `type "${r.value}" not found`);
        return { ...base, messageResponse: { case: 'allExtensionNumbersResponse' as const, value: { baseTypeName: r.value, extensionNumber: [] } } };
      }
      default:
        return { ...base, messageResponse: { case: 'errorResponse' as const, value: { errorCode: 3, errorMessage: 'empty reflection request' } } };
    }
  }

  #fileOfSymbol(symbol: string): DescFile | undefined {
    const direct = this.#registry.get(symbol);
    if (direct && 'file' in direct) return direct.file;
    // `pkg.Service.Method` or `pkg.Message.field`: look up the parent.
    const parent = this.#registry.get(symbol.slice(0, Math.max(0, symbol.lastIndexOf('.'))));
    if (parent?.kind === 'service' && parent.methods.some((m) => `${parent.typeName}.${m.name}` === symbol)) return parent.file;
    if (parent?.kind === 'message' && parent.fields.some((f) => `${parent.typeName}.${f.name}` === symbol)) return parent.file;
    return undefined;
  }

  /** The file and every file it depends on, transitively (what grpcurl needs to build the descriptors). */
  #files(base: object, file: DescFile) {
    const seen = new Map<string, DescFile>();
    const visit = (f: DescFile) => {
      if (seen.has(f.proto.name)) return;
      seen.set(f.proto.name, f);
      f.dependencies.forEach(visit);
    };
    visit(file);
    const fileDescriptorProto = [...seen.values()].map((f) => toBinary(FileDescriptorProtoSchema, f.proto));
    return { ...base, messageResponse: { case: 'fileDescriptorResponse' as const, value: { fileDescriptorProto } } };
  }

  #error(base: object, message: string) {
    return { ...base, messageResponse: { case: 'errorResponse' as const, value: { errorCode: NOT_FOUND, errorMessage: message } } };
  }
}

export function reflectionServiceV1(index: ReflectionIndex): ServiceImpl<typeof reflectionV1.ServerReflection> {
  return {
    async *serverReflectionInfo(requests: AsyncIterable<reflectionV1.ServerReflectionRequest>, _call: HandlerContext) {
      for await (const req of requests) yield index.answer(req);
    },
  };
}

export function reflectionServiceV1alpha(index: ReflectionIndex): ServiceImpl<typeof reflectionV1alpha.ServerReflection> {
  return {
    async *serverReflectionInfo(requests: AsyncIterable<reflectionV1alpha.ServerReflectionRequest>, _call: HandlerContext) {
      for await (const req of requests) yield index.answer(req) as MessageInitShape<typeof reflectionV1alpha.ServerReflectionResponseSchema>;
    },
  };
}
