// WebAssembly SIMD kernel of the polyphase resampler: out[n] = sum_i row(p_n)[i] * x[j_n + i], four
// taps per f32x4 multiply-add (two accumulators, eight taps per iteration). Samples are float32 already; coefficients are stored as float32 and
// summed in four float32 lanes, which keeps the measured quality of the double-precision JS loop
// (see the resampler tests) at about 4x its speed. The module is assembled here from its opcodes,
// so nothing is fetched or compiled at build time.

/** One process-wide instance: a fixed memory (never grown: growing detaches its buffer, which slows every typed array in V8). */
const MEMORY_PAGES = 256; // 16 MiB
const TABLE_BYTES = 8 * 1024 * 1024; // filter tables live in the first half, scratch in the second

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
};
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

// Opcodes used below.
const LOCAL_GET = 0x20,
  LOCAL_SET = 0x21,
  LOCAL_TEE = 0x22,
  I32_CONST = 0x41,
  I32_ADD = 0x6a,
  I32_SUB = 0x6b,
  I32_MUL = 0x6c,
  I32_SHL = 0x74;
const I32_LT_U = 0x49,
  I32_GE_U = 0x4f,
  I32_EQZ = 0x45,
  F32_ADD = 0x92,
  F32_STORE = 0x38,
  BLOCK = 0x02,
  LOOP = 0x03,
  IF = 0x04,
  BR_IF = 0x0d,
  END = 0x0b,
  VOID = 0x40;
const SIMD = 0xfd,
  V128_LOAD = [SIMD, 0x00, 0x00, 0x00],
  V128_LOAD_16 = [SIMD, 0x00, 0x00, 0x10],
  V128_CONST_0 = [SIMD, 0x0c, ...new Array<number>(16).fill(0)];
const F32X4_MUL = [SIMD, ...uleb(0xe6)],
  F32X4_ADD = [SIMD, ...uleb(0xe4)],
  EXTRACT = (lane: number) => [SIMD, 0x1f, lane];

// fir(hist, table, taps, count, j, p, stepWhole, stepFrac, L, out, outStride): byte offsets except
// taps (a multiple of 8), count, j (first frame index into hist), p (first phase) and the steps.
const [HIST, TABLE, TAPS, COUNT, J, P, STEP_WHOLE, STEP_FRAC, L, OUT, STRIDE] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const [ACC, ACC2, HP, RP, RE, N] = [11, 12, 13, 14, 15, 16];
const get = (i: number) => [LOCAL_GET, i];
const set = (i: number) => [LOCAL_SET, i];
const body: number[] = [
  0x02,
  0x02,
  0x7b,
  0x04,
  0x7f, // locals: 2 v128, 4 i32
  BLOCK,
  VOID,
  ...get(COUNT),
  I32_EQZ,
  BR_IF,
  0,
  LOOP,
  VOID,
  ...get(HIST),
  ...get(J),
  I32_CONST,
  2,
  I32_SHL,
  I32_ADD,
  ...set(HP),
  ...get(TABLE),
  ...get(P),
  ...get(TAPS),
  I32_MUL,
  I32_CONST,
  2,
  I32_SHL,
  I32_ADD,
  LOCAL_TEE,
  RP,
  ...get(TAPS),
  I32_CONST,
  2,
  I32_SHL,
  I32_ADD,
  ...set(RE),
  ...V128_CONST_0,
  ...set(ACC),
  ...V128_CONST_0,
  ...set(ACC2),
  // Two accumulators, 8 taps per iteration: the adds of one do not wait for the other's.
  LOOP,
  VOID,
  ...get(ACC),
  ...get(HP),
  ...V128_LOAD,
  ...get(RP),
  ...V128_LOAD,
  ...F32X4_MUL,
  ...F32X4_ADD,
  ...set(ACC),
  ...get(ACC2),
  ...get(HP),
  ...V128_LOAD_16,
  ...get(RP),
  ...V128_LOAD_16,
  ...F32X4_MUL,
  ...F32X4_ADD,
  ...set(ACC2),
  ...get(HP),
  I32_CONST,
  32,
  I32_ADD,
  ...set(HP),
  ...get(RP),
  I32_CONST,
  32,
  I32_ADD,
  LOCAL_TEE,
  RP,
  ...get(RE),
  I32_LT_U,
  BR_IF,
  0,
  END,
  ...get(ACC),
  ...get(ACC2),
  ...F32X4_ADD,
  ...set(ACC),
  ...get(OUT),
  ...get(ACC),
  ...EXTRACT(0),
  ...get(ACC),
  ...EXTRACT(1),
  F32_ADD,
  ...get(ACC),
  ...EXTRACT(2),
  ...get(ACC),
  ...EXTRACT(3),
  F32_ADD,
  F32_ADD,
  F32_STORE,
  0x02,
  0x00,
  ...get(OUT),
  ...get(STRIDE),
  I32_ADD,
  ...set(OUT),
  ...get(J),
  ...get(STEP_WHOLE),
  I32_ADD,
  ...set(J),
  ...get(P),
  ...get(STEP_FRAC),
  I32_ADD,
  LOCAL_TEE,
  P,
  ...get(L),
  I32_GE_U,
  IF,
  VOID,
  ...get(P),
  ...get(L),
  I32_SUB,
  ...set(P),
  ...get(J),
  I32_CONST,
  1,
  I32_ADD,
  ...set(J),
  END,
  ...get(N),
  I32_CONST,
  1,
  I32_ADD,
  LOCAL_TEE,
  N,
  ...get(COUNT),
  I32_LT_U,
  BR_IF,
  0,
  END,
  END,
  END,
];

const moduleBytes = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00,
  ...section(1, [1, 0x60, 11, ...new Array<number>(11).fill(0x7f), 0]),
  ...section(3, [1, 0]),
  ...section(5, [1, 0x00, ...uleb(MEMORY_PAGES)]),
  ...section(7, [2, ...name('fir'), 0x00, 0, ...name('mem'), 0x02, 0]),
  ...section(10, [1, ...uleb(body.length), ...body]),
]);

export interface FirKernel {
  /** float32 view of the whole memory. */
  readonly f32: Float32Array;
  /** Byte offset where scratch starts and how many bytes it has. */
  readonly scratch: number;
  readonly scratchBytes: number;
  fir(
    hist: number,
    table: number,
    taps: number,
    count: number,
    j: number,
    p: number,
    stepWhole: number,
    stepFrac: number,
    L: number,
    out: number,
    outStride: number,
  ): void;
  /** Byte offset of a filter table (rows of `taps` float32, `taps` a multiple of 8), shared by every resampler with the same key; undefined when the table space is full. */
  table(key: string, build: () => Float32Array): number | undefined;
}

let kernel: FirKernel | null | undefined;

/** The SIMD kernel, or undefined where WebAssembly SIMD is missing or REMOTEMEDIA_RESAMPLER_SIMD=0. */
export function firKernel(): FirKernel | undefined {
  if (kernel !== undefined) return kernel ?? undefined;
  kernel = null;
  if (typeof process !== 'undefined' && process.env?.REMOTEMEDIA_RESAMPLER_SIMD === '0') return undefined;
  try {
    if (typeof WebAssembly === 'undefined' || !WebAssembly.validate(moduleBytes)) return undefined;
    const instance = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes));
    const memory = instance.exports.mem as WebAssembly.Memory;
    const fir = instance.exports.fir as FirKernel['fir'];
    const f32 = new Float32Array(memory.buffer);
    const tables = new Map<string, number>();
    let used = 0;
    kernel = {
      f32,
      scratch: TABLE_BYTES,
      scratchBytes: memory.buffer.byteLength - TABLE_BYTES,
      fir,
      table(key, build) {
        const at = tables.get(key);
        if (at !== undefined) return at;
        const t = build();
        if (used + t.byteLength > TABLE_BYTES) return undefined;
        f32.set(t, used / 4);
        tables.set(key, used);
        used += t.byteLength;
        return tables.get(key);
      },
    };
  } catch {
    kernel = null;
  }
  return kernel ?? undefined;
}
