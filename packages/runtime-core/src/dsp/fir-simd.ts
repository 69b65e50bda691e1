// WebAssembly SIMD kernels of the polyphase resampler, assembled here from their opcodes, so nothing is
// fetched or compiled at build time. Samples are float32 already; coefficients are stored as float32 and
// summed in float32 lanes, which keeps the measured quality of the double-precision JS loop (see the
// resampler tests).
// - `fir`: out[n] = sum_i row(p_n)[i] * x[j_n + i], any polyphase filter. Four f32x4 accumulators: with two,
//   each iteration waited for the previous add (latency-bound at ~8 GMAC/s); four chains reach ~12.
// - `firSym`: one symmetric row (integer decimation such as 48k -> 16k): out[n] = sum_k c[k] * (x[mid_n + k]
//   + x[mid_n - k]), half the multiplies. The mirrored half is loaded forwards and its lanes reversed. Four
//   outputs share each coefficient load, one accumulator each (loads, ~2 per cycle here, bound this loop).

/** One process-wide instance: a fixed memory (never grown: growing detaches its buffer, which slows every typed array in V8). */
const MEMORY_PAGES = 256; // 16 MiB
const TABLE_BYTES = 8 * 1024 * 1024; // filter tables live in the first half, scratch in the second
/** Coefficients per inner-loop iteration: rows (and folded halves) are padded with zeros to a multiple of this. */
export const FIR_BLOCK = 16;

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
type Code = number | Code[];
const code = (...parts: Code[]): number[] => (parts as unknown[]).flat(Infinity) as number[];

// Opcodes used below.
const I32_CONST = 0x41,
  I32_ADD = 0x6a,
  I32_SUB = 0x6b,
  I32_MUL = 0x6c,
  I32_SHL = 0x74,
  I32_LT_U = 0x49,
  I32_GE_U = 0x4f,
  I32_EQZ = 0x45,
  F32_ADD = 0x92,
  F32_STORE = [0x38, 0x02, 0x00],
  BLOCK = [0x02, 0x40],
  LOOP = [0x03, 0x40],
  IF = [0x04, 0x40],
  BR_IF = 0x0d,
  END = 0x0b;
const SIMD = 0xfd,
  V128_CONST_0 = [SIMD, 0x0c, ...new Array<number>(16).fill(0)],
  F32X4_MUL = [SIMD, ...uleb(0xe6)],
  F32X4_ADD = [SIMD, ...uleb(0xe4)],
  // i8x16.shuffle of a vector with itself: f32 lanes 3, 2, 1, 0.
  REVERSE_LANES = [SIMD, 0x0d, 12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3];
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const tee = (i: number) => [0x22, i];
const i32 = (n: number) => [I32_CONST, ...sleb(n)];
const load = (addr: number, offset: number) => [...get(addr), SIMD, 0x00, 0x00, ...uleb(offset)];
const addTo = (local: number, n: number) => code(get(local), i32(n), I32_ADD, set(local));
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(byte & 0x40)) || (n === -1 && byte & 0x40)) return [...out, byte];
    out.push(byte | 0x80);
  }
}
const locals = (v128: number, i32s: number) => [0x02, v128, 0x7b, i32s, 0x7f];
/** The four lanes of `acc` summed and stored at `out`. */
const storeLaneSum = (acc: number, out: number) =>
  code(
    get(out),
    [0, 1, 2, 3].map((lane) => [...get(acc), SIMD, 0x1f, lane]).flatMap((l, i) => (i % 2 ? [...l, F32_ADD] : l)),
    F32_ADD,
    F32_STORE,
  );
/** acc = (a0 + a1) + (a2 + a3) over four accumulators, then stored as one sum at `out`. */
const storeAccumulatorSum = (acc: number, out: number) =>
  code(get(acc), get(acc + 1), F32X4_ADD, get(acc + 2), get(acc + 3), F32X4_ADD, F32X4_ADD, set(acc), storeLaneSum(acc, out));
const zeroAccs = (acc: number) => code([0, 1, 2, 3].map((u) => [...V128_CONST_0, ...set(acc + u)]));

// fir(hist, table, taps, count, j, p, stepWhole, stepFrac, L, out, outStride): byte offsets except
// taps (a multiple of FIR_BLOCK), count, j (first frame index into hist), p (first phase) and the steps.
const [HIST, TABLE, TAPS, COUNT, J, P, STEP_WHOLE, STEP_FRAC, L, OUT, STRIDE] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const [ACC, HP, RP, RE, N] = [11, 15, 16, 17, 18];
const firBody = code(
  locals(4, 4),
  BLOCK,
  get(COUNT),
  I32_EQZ,
  BR_IF,
  0,
  LOOP,
  code(get(HIST), get(J), i32(2), I32_SHL, I32_ADD, set(HP)),
  code(get(TABLE), get(P), get(TAPS), I32_MUL, i32(2), I32_SHL, I32_ADD, tee(RP), get(TAPS), i32(2), I32_SHL, I32_ADD, set(RE)),
  zeroAccs(ACC),
  LOOP,
  [0, 1, 2, 3].map((u) => code(get(ACC + u), load(HP, 16 * u), load(RP, 16 * u), F32X4_MUL, F32X4_ADD, set(ACC + u))),
  addTo(HP, 64),
  code(get(RP), i32(64), I32_ADD, tee(RP), get(RE), I32_LT_U, BR_IF, 0),
  END,
  storeAccumulatorSum(ACC, OUT),
  code(get(OUT), get(STRIDE), I32_ADD, set(OUT)),
  code(get(J), get(STEP_WHOLE), I32_ADD, set(J)),
  code(get(P), get(STEP_FRAC), I32_ADD, tee(P), get(L), I32_GE_U, IF),
  code(get(P), get(L), I32_SUB, set(P), addTo(J, 1)),
  END,
  code(get(N), i32(1), I32_ADD, tee(N), get(COUNT), I32_LT_U, BR_IF, 0),
  END,
  END,
  END,
);

// firSym(mid, coefs, coefBytes, groups, stepBytes, out, outStride): `groups` x 4 outputs, the four sharing each
// coefficient load (loads bound a one-output loop: 12 per 32 taps). `mid` is the byte offset of the first
// output's centre sample, stepBytes the distance between centres; coefs[0] is half the centre tap (it meets
// x[mid] twice); coefBytes is a multiple of 4 * FIR_BLOCK. One accumulator per output; each iteration takes 8
// coefficients (two vectors) for all four.
const [MID, CO, CB, GROUPS, STEP, S_OUT, S_STRIDE] = [0, 1, 2, 3, 4, 5, 6];
const [G_ACC, C0, C1, TMP, K, F, B, G_N] = [7, 11, 12, 13, 14, 15, 16, 17];
const foldInto = (acc: number, coef: number, fwdOffset: number, bwdOffset: number) =>
  code(get(acc), get(coef), load(F, fwdOffset), load(B, bwdOffset), tee(TMP), get(TMP), REVERSE_LANES, F32X4_ADD, F32X4_MUL, F32X4_ADD, set(acc));
const firSymBody = code(
  locals(7, 4),
  BLOCK,
  get(GROUPS),
  I32_EQZ,
  BR_IF,
  0,
  LOOP,
  code(i32(0), set(K)),
  zeroAccs(G_ACC),
  LOOP,
  // This iteration's two coefficient vectors (F serves as their address first).
  code(get(CO), get(K), I32_ADD, set(F), load(F, 0), set(C0), load(F, 16), set(C1)),
  // F: x[mid_o + k] upwards; B: the lowest address of the 8 mirrored samples x[mid_o - k - 7 .. mid_o - k].
  code(get(MID), get(K), I32_ADD, set(F), get(MID), get(K), I32_SUB, i32(28), I32_SUB, set(B)),
  [0, 1, 2, 3].map((o) =>
    code(
      foldInto(G_ACC + o, C0, 0, 16),
      foldInto(G_ACC + o, C1, 16, 0),
      o < 3 ? code(get(F), get(STEP), I32_ADD, set(F), get(B), get(STEP), I32_ADD, set(B)) : [],
    ),
  ),
  code(get(K), i32(32), I32_ADD, tee(K), get(CB), I32_LT_U, BR_IF, 0),
  END,
  [0, 1, 2, 3].map((o) => code(storeLaneSum(G_ACC + o, S_OUT), get(S_OUT), get(S_STRIDE), I32_ADD, set(S_OUT))),
  code(get(MID), get(STEP), i32(2), I32_SHL, I32_ADD, set(MID)),
  code(get(G_N), i32(1), I32_ADD, tee(G_N), get(GROUPS), I32_LT_U, BR_IF, 0),
  END,
  END,
  END,
);

const moduleBytes = new Uint8Array(
  code(
    [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    section(1, [2, 0x60, 11, ...new Array<number>(11).fill(0x7f), 0, 0x60, 7, ...new Array<number>(7).fill(0x7f), 0]),
    section(3, [2, 0, 1]),
    section(5, [1, 0x00, ...uleb(MEMORY_PAGES)]),
    section(7, [3, ...name('fir'), 0x00, 0, ...name('firSym'), 0x00, 1, ...name('mem'), 0x02, 0]),
    section(10, [2, ...[firBody, firSymBody].flatMap((b) => [...uleb(b.length), ...b])]),
  ),
);

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
  /** Writes 4 x `groups` outputs. */
  firSym(mid: number, coefs: number, coefBytes: number, groups: number, stepBytes: number, out: number, outStride: number): void;
  /** Byte offset of a filter table (float32, padded to a multiple of FIR_BLOCK per row), shared by every resampler with the same key; undefined when the table space is full. */
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
    const f32 = new Float32Array(memory.buffer);
    const tables = new Map<string, number>();
    let used = 0;
    kernel = {
      f32,
      scratch: TABLE_BYTES,
      scratchBytes: memory.buffer.byteLength - TABLE_BYTES,
      fir: instance.exports.fir as FirKernel['fir'],
      firSym: instance.exports.firSym as FirKernel['firSym'],
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
