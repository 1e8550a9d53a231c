// What the reading view (/read/) and the commitments board (/commitments)
// share: where the site's root is, how they ask the API, and small DOM
// helpers. Both pages are ordinary clients of the public API at /graphql.
import { APIError } from './api';
import type { Kind } from './api';
import { LOOKS } from './kinds';

/**
 * The site's root, from the page's `data-root` (`../` under /read/), so
 * that the pages also work behind a reverse proxy's path prefix.
 */
export const root = new URL(document.body.dataset.root ?? './', document.baseURI);

/** A URL of the site, relative to its root: `explore?roots=…`. */
export function site(path: string): string {
  return new URL(path, root).href;
}

interface Response<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string; suggestions?: string[] } }[];
}

/** One GraphQL query; the first error becomes an APIError. */
export async function query<T>(text: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(site('graphql'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query: text, variables }),
  });
  const body = (await res.json()) as Response<T>;
  const first = body.errors?.[0];
  if (first) throw new APIError(first.message, first.extensions?.code, first.extensions?.suggestions ?? []);
  if (!res.ok || !body.data) throw new APIError(`the API answered ${res.status}`);
  return body.data;
}

/** An element with attributes and children (strings become text). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs: Record<string, string> = {}, ...children: (Node | string | null)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) if (c !== null) el.append(c);
  return el;
}

/**
 * Paints an element in a kind's colour through a custom property (set
 * through the CSSOM, which the Content-Security-Policy allows, unlike a
 * style attribute).
 */
export function paint(el: HTMLElement, kind: Kind): void {
  el.style.setProperty('--kind', LOOKS[kind].colour);
}

/** The explorer's link for an entity, with a relation (or itself) selected. */
export function explorerLink(root: string, sel: string): string {
  return site(`explore?roots=${encodeURIComponent(root)}&sel=${encodeURIComponent(sel).replace(/%2F/g, '/')}`);
}

/** A button that copies text to the clipboard and says so. */
export function copyButton(text: string, label: string): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'copy', title: text }, label);
  b.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      b.textContent = 'Copied';
    } catch {
      // no clipboard (an insecure origin, a refusal): show the link to copy by hand
      window.prompt('Copy this link:', text);
    }
    window.setTimeout(() => { b.textContent = label; }, 1500);
  });
  return b;
}
