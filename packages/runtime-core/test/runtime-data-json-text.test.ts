import { describe, expect, it } from 'vitest';
import { type TransportData } from '@remotemedia/runtime-core';
import {
  runtimeDataToJson,
  runtimeDataToJsonText,
  transportDataFromJson,
  transportDataListToJsonText,
  transportDataToJson,
} from '@remotemedia/runtime-core/kit';
import { sampleOfEveryKind } from '@remotemedia/runtime-core/testing';

describe('JSON text of RuntimeData (payloads spliced in, not escaped)', () => {
  it('parses to what JSON.stringify of the JSON form gives, for every kind, with and without metadata and sequence', () => {
    const items: TransportData[] = [];
    for (const data of Object.values(sampleOfEveryKind())) {
      expect(JSON.parse(runtimeDataToJsonText(data))).toEqual(JSON.parse(JSON.stringify(runtimeDataToJson(data))));
      items.push({ data, metadata: {} }, { data, metadata: { 'rm-node-id': 'a"b\\c\n', ü: '🌍' }, sequence: 7 });
    }
    const text = transportDataListToJsonText(items);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(items.map(transportDataToJson))));
    // And reads back into the same data.
    expect((JSON.parse(text) as unknown[]).map((o, i) => transportDataFromJson(o, `items[${i}]`))).toEqual(items);
    expect(transportDataListToJsonText([])).toBe('[]');
  });

  it('keeps a stream id that needs escaping intact, and the payload comes first', () => {
    const audio = { kind: 'audio' as const, samples: new Float32Array([0.5, -1]), sampleRate: 8000, channels: 1, streamId: 'mic "1"\n' };
    const text = runtimeDataToJsonText(audio);
    expect(text.startsWith('{"samples":"')).toBe(true);
    expect(JSON.parse(text)).toEqual({
      kind: 'audio',
      samples: (runtimeDataToJson(audio) as { samples: string }).samples,
      sampleRate: 8000,
      channels: 1,
      streamId: 'mic "1"\n',
    });
  });
});
