// @echogarden/rnnoise-wasm ships no types: an Emscripten module factory.
declare module '@echogarden/rnnoise-wasm' {
  const factory: (moduleArg?: Record<string, unknown>) => Promise<unknown>;
  export default factory;
}
