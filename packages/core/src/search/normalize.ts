/**
 * Text into search tokens, the same way for what is indexed and for what is asked (docs/DESIGN.md
 * §5.6 "Search"): NFKD, combining marks (\p{M}) dropped, NFC again (so Hangul jamo become
 * syllables again), lower case, `ß` as `ss`, final `ς` as `σ`. Letters, digits and symbols — the classes SQLite's
 * `unicode61 categories 'L* N* Co So Sk'` tokenizer keeps — form words; anything else separates
 * them. Every Han, Hiragana, Katakana and Hangul character and every emoji is a token of its own
 * (CJK unigrams: a substring of a Chinese text is a phrase of single-character tokens), an emoji
 * without its skin tone, so 👍🏽 is found by 👍.
 *
 * Each token remembers where it came from in the original text (UTF-16 offsets), character by
 * character, so matches can be highlighted in the text the user wrote ("resume" → "Résumé").
 */

/** One token of a text: its normalized form and the original range of each of its characters. */
export interface SearchToken {
  /** Normalized: lower case, no marks; never contains a space. */
  readonly text: string;
  /** UTF-16 offset in the original text where the token starts. */
  readonly start: number;
  /** For each UTF-16 unit of `text`, the original offset where it ends (so a prefix maps back). */
  readonly ends: readonly number[];
  /** A CJK character or an emoji: a token of its own, matched exactly, joined into phrases. */
  readonly unigram: boolean;
}

/** The original end of a token (exclusive). */
export const tokenEnd = (t: SearchToken): number => t.ends[t.ends.length - 1] ?? t.start;

const UNIGRAM_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const EMOJI = /[\p{Extended_Pictographic}\p{Regional_Indicator}]/u;
/** What unicode61 with categories 'L* N* Co So Sk' keeps in a token. */
const WORD_CHAR = /[\p{L}\p{N}\p{Co}\p{So}\p{Sk}]/u;
const MARKS = /\p{M}/gu;
/** Fitzpatrick skin tone modifiers: 👍🏽 is found by 👍. */
const SKIN_TONES = /[\u{1F3FB}-\u{1F3FF}]/gu;

const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });

/** One grapheme, normalized (may be empty, or longer than the original: "ﬁ" → "fi"). */
function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(MARKS, '')
    .normalize('NFC')
    .toLowerCase()
    .replaceAll('ß', 'ss')
    .replaceAll('ς', 'σ');
}

/** The search tokens of `text`, in order. */
export function tokenize(text: string): SearchToken[] {
  const tokens: SearchToken[] = [];
  let word: { text: string; start: number; ends: number[] } | undefined;
  const endWord = (): void => {
    if (word) tokens.push({ ...word, unigram: false });
    word = undefined;
  };
  for (const { segment, index } of graphemes.segment(text)) {
    const end = index + segment.length;
    if (EMOJI.test(segment)) {
      endWord();
      const emoji = [...segment.replace(SKIN_TONES, '')].filter((c) => WORD_CHAR.test(c)).join('');
      if (emoji)
        tokens.push({ text: emoji, start: index, ends: emoji.split('').map(() => end), unigram: true });
      continue;
    }
    for (const c of fold(segment)) {
      if (UNIGRAM_SCRIPT.test(c)) {
        endWord();
        tokens.push({ text: c, start: index, ends: c.split('').map(() => end), unigram: true });
      } else if (WORD_CHAR.test(c)) {
        word ??= { text: '', start: index, ends: [] };
        word.text += c;
        for (let i = 0; i < c.length; i++) word.ends.push(end);
      } else endWord();
    }
  }
  endWord();
  return tokens;
}

/** Text that is all ASCII: its words are runs of the ASCII letters, digits, ^ and ` (what WORD_CHAR keeps). */
const ASCII = /^\p{ASCII}*$/u;
const ASCII_WORD = /[0-9a-z^`]+/g;
const ANY_EMOJI = /[\p{Extended_Pictographic}\p{Regional_Indicator}]/u;
/** In folded text: one CJK character, or a run of the other word characters. */
const FOLDED_TOKEN =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]|(?:(?![\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}])[\p{L}\p{N}\p{Co}\p{So}\p{Sk}])+/gu;

/**
 * What the index stores for `text`: its tokens separated by single spaces — exactly
 * `tokenize(text)`'s texts, without the offsets, and fast, since every message sent and received
 * is indexed in its transaction: ASCII in one pass; other text without emoji folded as a whole
 * (the same as grapheme by grapheme: normalization and lower case act within a grapheme, final
 * sigma aside, which fold() maps to σ either way); text with emoji through tokenize().
 *
 * @example indexText('Grüße, 你好 🎉!') === 'grusse 你 好 🎉'
 */
export function indexText(text: string): string {
  if (ASCII.test(text)) return (text.toLowerCase().match(ASCII_WORD) ?? []).join(' ');
  if (ANY_EMOJI.test(text))
    return tokenize(text)
      .map((t) => t.text)
      .join(' ');
  return (fold(text).match(FOLDED_TOKEN) ?? []).join(' ');
}
