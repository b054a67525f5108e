/**
 * Copying and saving from a message. The app's origin is http://127.0.0.1, a secure context,
 * so the async Clipboard API is there; the textarea fallback covers a browser that denies it.
 */
import { attachmentUrl, type MessageAttachment } from '../attachments.ts';

export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    // denied (no permission, no focus): the old way below
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  document.execCommand('copy');
  area.remove();
}

/** Downloads the decrypted file under its own name (the daemon sends it as an attachment). */
export function saveAttachment(a: Pick<MessageAttachment, 'id' | 'contact' | 'name'>): void {
  const link = document.createElement('a');
  link.href = attachmentUrl(a, true);
  link.download = a.name;
  document.body.append(link);
  link.click();
  link.remove();
}
