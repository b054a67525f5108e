/**
 * Hostile text a stranger could send: HTML/script injection, event
 * handlers, javascript:/data: URLs, template and markdown tricks, Unicode
 * oddities. Every one that executes would set `window.__xss` or open a
 * dialog; the browser test asserts neither happens and that each renders
 * verbatim as text.
 */
const ACTIONS = ['window.__xss=1', 'alert(1)', 'top.__xss=1', 'confirm(1)', 'prompt(1)'];

const TEMPLATES: readonly ((a: string) => string)[] = [
  (a) => `<script>${a}</script>`,
  (a) => `<img src=x onerror="${a}">`,
  (a) => `<svg onload=${a}>`,
  (a) => `<svg><script>${a}</script></svg>`,
  (a) => `<iframe srcdoc="<script>${a}</script>"></iframe>`,
  (a) => `<iframe src="javascript:${a}"></iframe>`,
  (a) => `<a href="javascript:${a}">click me</a>`,
  (a) => `javascript:${a}`,
  (a) => `JaVaScRiPt:${a}//https://example.com`,
  (a) => `data:text/html,<script>${a}</script>`,
  (a) => `https://example.com/"><script>${a}</script>`,
  (a) => `https://example.com/?q=<img src=x onerror=${a}>`,
  (a) => `"><img src=x onerror=${a}>`,
  (a) => `'><body onload=${a}>`,
  (a) => `<details open ontoggle=${a}>`,
  (a) => `<input autofocus onfocus=${a}>`,
  (a) => `<video><source onerror="${a}"></video>`,
  (a) => `<math><mtext><table><mglyph><style><img src=x onerror=${a}>`,
  (a) => `<style>@import 'javascript:${a}';</style>`,
  (a) => `<div style="background:url(javascript:${a})">x</div>`,
  (a) => `<object data="javascript:${a}"></object>`,
  (a) => `<embed src="javascript:${a}">`,
  (a) => `<form action="javascript:${a}"><button>go</button></form>`,
  (a) => `<meta http-equiv="refresh" content="0;url=javascript:${a}">`,
  (a) => `<base href="javascript:${a}//">`,
  (a) => `{{constructor.constructor('${a}')()}}`,
  (a) => `\${${a}}`,
  (a) => `[click](javascript:${a})`,
  (a) => `![x](x" onerror="${a})`,
  (a) => `&lt;script&gt;${a}&lt;/script&gt;`,
  (a) => `<scr<script>ipt>${a}</scr</script>ipt>`,
  (a) => `\u202e<script>${a}</script>\u202d`,
  (a) => `<noscript><p title="</noscript><img src=x onerror=${a}>">`,
  (a) => `<template><script>${a}</script></template>`,
  (a) => `<x onclick=${a}>click</x> https://example.com/ok`,
  (a) => `%3Cscript%3E${a}%3C/script%3E`,
  (a) => `<img src="x" onerror="&#x77;indow.__xss=1">${a}`,
  (a) => `<a href="&#106;avascript:${a}">x</a>`,
  (a) => `vbscript:${a} <a href="vbscript:${a}">x</a>`,
  (a) => `<svg><a xlink:href="javascript:${a}"><text>x</text></a></svg>`,
];

/** `count` distinct payloads (each tagged with its index so it can be found verbatim). */
export function xssPayloads(count: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) {
    const template = TEMPLATES[i % TEMPLATES.length] as (a: string) => string;
    const action = ACTIONS[Math.floor(i / TEMPLATES.length) % ACTIONS.length] as string;
    out.push(`${template(action)} #${i}`);
  }
  return out;
}

/** Short payloads that fit a contact name (≤ 64 characters, no control characters). */
export const NAME_PAYLOADS: readonly string[] = [
  '<img src=x onerror=window.__xss=1>',
  '<script>alert(1)</script>',
  '"><svg onload=alert(1)>',
  "'><iframe src=javascript:alert(1)>",
  '<b onmouseover=alert(1)>Mallory</b>',
  'javascript:alert(1)',
  '{{constructor.constructor("alert(1)")()}}',
  '\u202eevil<script>x</script>',
];
