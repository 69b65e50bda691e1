import { describe, expect, it } from 'vitest';
import { createTokenCheck, parseBearer, tokenAllowed } from '../src/index.js';

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
