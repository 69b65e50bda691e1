/** Zeroth-order modified Bessel function of the first kind (power series; converges fast for the betas used). */
export function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 200; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** Kaiser's beta for a stopband attenuation in dB. */
export function kaiserBeta(attenuationDb: number): number {
  if (attenuationDb > 50) return 0.1102 * (attenuationDb - 8.7);
  if (attenuationDb >= 21) return 0.5842 * (attenuationDb - 21) ** 0.4 + 0.07886 * (attenuationDb - 21);
  return 0;
}

/** Taps Kaiser's formula asks for, given attenuation and transition width (as a fraction of the sample rate). */
export function kaiserLength(attenuationDb: number, transitionWidth: number): number {
  return Math.ceil((attenuationDb - 7.95) / (2.285 * 2 * Math.PI * transitionWidth)) + 1;
}

/**
 * A Kaiser-windowed sinc low-pass of `length` taps centred on tap `center`.
 * `cutoff` is the -6 dB point as a fraction of the sample rate (0..0.5); DC gain is `gain`.
 */
export function windowedSinc(length: number, center: number, cutoff: number, beta: number, gain: number): Float64Array {
  const h = new Float64Array(length);
  const half = length / 2;
  const i0Beta = besselI0(beta);
  for (let i = 0; i < length; i++) {
    const t = i - center;
    const x = 2 * cutoff * t;
    const sinc = t === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const r = t / half;
    const w = Math.abs(r) >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - r * r)) / i0Beta;
    h[i] = 2 * cutoff * sinc * w * gain;
  }
  return h;
}

export function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
