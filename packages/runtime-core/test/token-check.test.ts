import { describe, expect, it } from 'vitest';
import { createTokenCheck, parseBearer, tokenAllowed } from '../src/kit/index.js';

describe('bearer tokens', () => {
  it('createTokenCheck accepts exactly the configured tokens (unicode included) and agrees with tokenAllowed', () => {
    const tokens = ['s3cret-one', 'zweites-Geheimnis-ü'];
    const check = createTokenCheck(tokens);
    for (const candidate of [...tokens, 's3cret-on', 's3cret-one!', '', 'zweites-Geheimnis-u', undefined]) {
      expect(check(candidate), String(candidate)).toBe(candidate !== undefined && tokens.includes(candidate));
      expect(tokenAllowed(candidate, tokens)).toBe(check(candidate));
    }
    expect(createTokenCheck([])('anything')).toBe(false);
  });

  it('compares code units, so different lone surrogates (both U+FFFD once UTF-8 encoded) do not match', () => {
    expect(createTokenCheck(['key-\uD800'])('key-\uDC00')).toBe(false);
    expect(createTokenCheck(['key-\uD800'])('key-\uD800')).toBe(true);
    expect(new TextEncoder().encode('key-\uD800')).toEqual(new TextEncoder().encode('key-\uDC00'));
  });

  it('parseBearer reads the usual spelling and the unusual ones alike', () => {
    expect(parseBearer('Bearer abc')).toBe('abc');
    expect(parseBearer('Bearer   abc  ')).toBe('abc');
    expect(parseBearer('bearer abc')).toBe('abc');
    expect(parseBearer('  Bearer\tabc')).toBe('abc');
    expect(parseBearer('Bearer ')).toBeUndefined();
    expect(parseBearer('Basic abc')).toBeUndefined();
    expect(parseBearer(undefined)).toBeUndefined();
  });
});
