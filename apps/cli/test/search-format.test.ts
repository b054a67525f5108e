/** `parley search`'s human output: matched terms marked, untrusted text sanitized. */
import { describe, expect, it } from 'vitest';
import { markSnippet, PLAIN_MARKS, TTY_MARKS } from '../src/commands/search.ts';

describe('search output', () => {
  it('marks the highlighted ranges: bold on a terminal, « » otherwise', () => {
    expect(markSnippet('Das Frühstück ist fertig', [[4, 8]], PLAIN_MARKS)).toBe('Das «Früh»stück ist fertig');
    expect(
      markSnippet(
        'ab cd',
        [
          [0, 2],
          [3, 5],
        ],
        TTY_MARKS,
      ),
    ).toBe('\u001b[1mab\u001b[22m \u001b[1mcd\u001b[22m');
  });

  it('never lets the snippet drive the terminal, nor follows overlapping ranges', () => {
    expect(markSnippet('x\u001b[31mred', [[0, 1]], PLAIN_MARKS)).toBe('«x»\uFFFD[31mred');
    expect(
      markSnippet(
        'abcdef',
        [
          [0, 3],
          [2, 4],
        ],
        PLAIN_MARKS,
      ),
    ).toBe('«abc»def');
  });
});
