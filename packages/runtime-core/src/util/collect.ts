/** Reads an AsyncIterable to the end (Array.fromAsync needs Node 22). */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}
