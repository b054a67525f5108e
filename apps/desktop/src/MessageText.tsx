/**
 * A message body as text. http(s) URLs are styled as links, but become an
 * anchor (rel="noopener noreferrer", target=_blank) only when clicked:
 * nothing is fetched or previewed before the user asks. Everything else,
 * including anything that looks like HTML, is a React text node.
 */
import type { KeyboardEvent, MouseEvent } from 'react';

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/gi;
/** Trailing punctuation that usually ends a sentence, not a URL. */
const TRAILING = /[.,;:!?)\]}]+$/;

export interface TextPart {
  readonly text: string;
  readonly href?: string;
}

/** Splits text into plain parts and http(s) links (parsed with URL; anything else stays text). */
export function splitLinks(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const start = match.index ?? 0;
    const raw = match[0].replace(TRAILING, '');
    let href: string | undefined;
    try {
      const url = new URL(raw);
      if (url.protocol === 'http:' || url.protocol === 'https:') href = url.href;
    } catch {
      href = undefined;
    }
    if (!href) continue;
    if (start > last) parts.push({ text: text.slice(last, start) });
    parts.push({ text: raw, href });
    last = start + raw.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

/** Opens a link in a new window with no opener and no referrer. */
export function openLink(href: string): void {
  const url = new URL(href);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return;
  const a = document.createElement('a');
  a.href = url.href;
  a.target = '_blank';
  a.rel = 'noopener noreferrer';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
}

export function MessageText({ text }: { readonly text: string }) {
  const parts = splitLinks(text);
  const activate = (href: string) => (e: MouseEvent | KeyboardEvent) => {
    if ('key' in e && e.key !== 'Enter' && e.key !== ' ') return;
    e.preventDefault();
    e.stopPropagation();
    openLink(href);
  };
  return (
    <span className="message-text">
      {parts.map((p, i) =>
        p.href ? (
          // biome-ignore lint/a11y/useSemanticElements: an <a href> would be live before the click; this becomes one only when activated
          <span
            // biome-ignore lint/suspicious/noArrayIndexKey: parts never reorder
            key={i}
            className="link"
            role="link"
            tabIndex={0}
            title={`Open ${p.href}`}
            data-href={p.href}
            onClick={activate(p.href)}
            onKeyDown={activate(p.href)}
          >
            {p.text}
          </span>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: parts never reorder
          <span key={i}>{p.text}</span>
        ),
      )}
    </span>
  );
}
