/** search/: tokens, query terms, highlights and snippets (docs/DESIGN.md §5.6). */
import { describe, expect, it } from 'vitest';
import type { SearchQuery } from '../src/ports/index.ts';
import {
  highlights,
  indexText,
  matchesAll,
  parseQuery,
  SNIPPET_MAX_CHARS,
  snippet,
  tokenize,
} from '../src/search/index.ts';

/** Whether `query` finds `text`, as both stores decide it. */
const finds = (text: string, query: string): boolean =>
  matchesAll(parseQuery(query), indexText(text).split(' '));
/** The highlighted parts of `text`. */
const marked = (text: string, query: string): string[] =>
  highlights(text, parseQuery(query)).map(([a, b]) => text.slice(a, b));

describe('search text', () => {
  it('folds case and accents; every word is a prefix', () => {
    expect(indexText('Un RÉSUMÉ, s’il vous plaît!')).toBe('un resume s il vous plait');
    expect(finds('Mon Résumé', 'resume')).toBe(true);
    expect(finds('Mon Résumé', 'RÉSU')).toBe(true);
    expect(finds('Mon Résumé', 'mon resu')).toBe(true);
    expect(finds('Mon Résumé', 'esum')).toBe(false); // prefixes, not infixes
    expect(finds('Mon Résumé', 'resume cv')).toBe(false); // every term must occur
    expect(marked('Mon Résumé', 'resu')).toEqual(['Résu']);
    expect(marked('Mon Résumé', 'resume')).toEqual(['Résumé']);
  });

  it('German: ß as ss, umlauts without their dots', () => {
    expect(indexText('Grüße aus der Straße, MÜLLER')).toBe('grusse aus der strasse muller');
    expect(finds('Grüße aus der Straße', 'strasse')).toBe(true);
    expect(finds('Grüße aus der Straße', 'STRAẞE')).toBe(true);
    expect(finds('Herr Müller', 'muller')).toBe(true);
    expect(marked('Herr Müller kommt', 'MÜLL')).toEqual(['Müll']);
    expect(marked('Grüße', 'grusse')).toEqual(['Grüße']);
  });

  it('Chinese: one token per character, a substring is a phrase', () => {
    expect(indexText('你好世界')).toBe('你 好 世 界');
    expect(finds('你好世界', '好世')).toBe(true);
    expect(finds('你好世界', '世好')).toBe(false); // a phrase keeps its order
    expect(finds('你好 世界', '好 界')).toBe(true); // two phrases, both anywhere
    expect(parseQuery('好世 界').terms).toEqual([
      { tokens: ['好', '世'], prefix: false },
      { tokens: ['界'], prefix: false },
    ]);
    expect(highlights('说你好世界吧', parseQuery('好世'))).toEqual([[2, 4]]);
  });

  it('Japanese kana and Korean hangul', () => {
    expect(indexText('ありがとう')).toBe('あ り か と う'); // the dakuten is a mark
    expect(finds('どうもありがとうございます', 'ありがとう')).toBe(true);
    expect(finds('カタカナ', 'タカ')).toBe(true);
    expect(finds('ｶﾀｶﾅ', 'カタ')).toBe(true); // half-width folds to full-width
    expect(indexText('안녕하세요')).toBe('안 녕 하 세 요'); // syllables, not jamo
    expect(finds('안녕하세요', '하세')).toBe(true);
    expect(marked('東京でカタカナ', 'カタ')).toEqual(['カタ']);
  });

  it('emoji are tokens of their own; a skin tone does not matter', () => {
    expect(indexText('party🎉time')).toBe('party 🎉 time');
    expect(finds('party🎉time', '🎉')).toBe(true);
    expect(finds('thanks 👍🏽', '👍')).toBe(true);
    expect(finds('thanks 👍', '👍🏽')).toBe(true);
    expect(finds('🇫🇷 flag', '🇫🇷')).toBe(true);
    expect(finds('🇫🇷 flag', '🇩🇪')).toBe(false);
    expect(finds('party', '🎉')).toBe(false);
    expect(marked('a 🎉 b 👍🏽', '👍')).toEqual(['👍🏽']);
  });

  it('FTS syntax characters are plain text', () => {
    const q = parseQuery('"hello" OR wor* NEAR(a b) -x col:y');
    expect(q.terms.map((t) => t.tokens.join(' '))).toEqual([
      'hello',
      'or',
      'wor',
      'near',
      'a',
      'b',
      'x',
      'col',
      'y',
    ]);
    expect(q.terms.every((t) => t.prefix)).toBe(true);
    expect(finds('say hello or world near a b x col y', '"hello" OR wor* NEAR(a b) -x col:y')).toBe(true);
    expect(finds('hello world', 'hello -world')).toBe(true); // "-" excludes nothing
    expect(parseQuery('"*:-()').terms).toEqual([]);
  });

  it('highlights exactly, merged and sorted, in UTF-16 offsets of the original', () => {
    const text = '🎉 Résumé: résumés and RESUME';
    expect(highlights(text, parseQuery('resume'))).toEqual([
      [3, 9],
      [11, 17],
      [23, 29],
    ]);
    expect(highlights('abc abcd', parseQuery('ab abc'))).toEqual([
      [0, 3],
      [4, 7],
    ]);
    const none: SearchQuery = { terms: [] };
    expect(highlights(text, none)).toEqual([]);
  });

  it('cuts a snippet around the first match, with … and the ranges moved', () => {
    const short = snippet('hello\nworld', [[6, 11]]);
    expect(short).toEqual({ text: 'hello world', highlights: [[6, 11]] });
    const long = `${'a '.repeat(200)}needle ${'b '.repeat(200)}`;
    const ranges = highlights(long, parseQuery('needle'));
    const s = snippet(long, ranges);
    expect(s.text.startsWith('…')).toBe(true);
    expect(s.text.endsWith('…')).toBe(true);
    expect(s.text.length).toBeLessThanOrEqual(SNIPPET_MAX_CHARS + 2);
    const [[a, b]] = s.highlights as [[number, number]];
    expect(s.text.slice(a, b)).toBe('needle');
    // Never half a surrogate pair at a cut.
    const emoji = `${'🎉'.repeat(150)} needle`;
    const e = snippet(emoji, highlights(emoji, parseQuery('needle')));
    expect(e.text).not.toMatch(/^…[\uDC00-\uDFFF]/);
    const [[c, d]] = e.highlights as [[number, number]];
    expect(e.text.slice(c, d)).toBe('needle');
  });

  it('indexText is exactly tokenize without offsets, on every kind of text (its fast paths)', () => {
    // A seeded mix: ASCII, Latin with marks (precomposed and combining), ß, Greek with final
    // sigma, CJK, kana (half-width too), Hangul (syllables and jamo), compatibility forms, emoji
    // (ZWJ sequences, skin tones, flags), punctuation and spaces.
    const pool = [
      ...'abcXYZ019^`_-.,!? \n\t',
      'é',
      'e\u0301',
      'Ö',
      'ß',
      'ẞ',
      'Σ',
      'ς',
      'ΟΔΟΣ',
      'İ',
      'ﬁ',
      '①',
      '㈱',
      'Ａ',
      '你',
      '好',
      '世界',
      'ひらがな',
      'カタカナ',
      'ﾊﾝｶｸ',
      '한국어',
      '\u1100\u1161',
      '🎉',
      '👍🏽',
      '👨‍👩‍👧',
      '🇫🇷',
      '☕',
      '©',
      '1️⃣',
      '\u200d',
    ];
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 3_000; i++) {
      let text = '';
      for (let k = 0, len = 1 + next(12); k < len; k++) text += pool[next(pool.length)];
      const slow = tokenize(text)
        .map((t) => t.text)
        .join(' ');
      expect(indexText(text), JSON.stringify(text)).toBe(slow);
    }
    // Final sigma is one letter with σ: ΟΔΟΣ is found by οδος and by οδός.
    expect(indexText('ΟΔΟΣ οδός')).toBe('οδοσ οδοσ');
  });
});
