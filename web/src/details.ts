// The details panel: an entity's description and actions, or a relation's
// evidence (each quote with its document and paragraph, and the paragraph's
// full text with the quote highlighted from the evidence offsets).
import { readURL, type EntityDetail, type Evidence, type Modality, type RelationDetail } from './api';
import { LOOKS, swatch } from './kinds';

export interface EntityActions {
  expand: (id: string) => void;
  reroot: (id: string) => void;
  pathFrom: (id: string, name: string) => void;
  pathTo: (id: string, name: string) => void;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function button(text: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', text);
  b.type = 'button';
  b.addEventListener('click', onClick);
  return b;
}

export function renderEntity(e: EntityDetail, isRoot: boolean, act: EntityActions): HTMLElement {
  const box = el('section', undefined, 'entity');
  const h = el('h2');
  h.tabIndex = -1; // focusable from script, not in the tab order
  h.append(swatch(e.kind), ` ${e.name}`);
  box.append(h, el('p', `${LOOKS[e.kind].label} · ${e.degree} relations · id ${e.id}`, 'meta'), el('p', e.description));
  const names = [...e.aliases, ...e.commonNames].filter((n) => n !== e.name);
  if (names.length) box.append(el('p', `Also: ${names.join('; ')}`, 'meta'));
  const actions = el('p', undefined, 'buttons');
  if (!isRoot) actions.append(button('Expand', () => act.expand(e.id)));
  actions.append(
    button('Re-root here', () => act.reroot(e.id)),
    button('Path from here', () => act.pathFrom(e.id, e.name)),
    button('Path to here', () => act.pathTo(e.id, e.name)),
  );
  box.append(actions);
  return box;
}

export function renderRelation(r: RelationDetail): HTMLElement {
  const box = el('section', undefined, 'relation');
  const h = el('h2', `${r.subject.name} — ${r.verb ?? r.label} → ${r.object.name}`);
  h.tabIndex = -1;
  box.append(h);
  box.append(el('p', `${r.evidence.length} passage${r.evidence.length === 1 ? '' : 's'} state${r.evidence.length === 1 ? 's' : ''} it${r.implied ? ' (implied, not stated outright)' : ''}${r.modality && r.modality !== 'STATED' ? `; none states it as so: at most ${MODALITY_WORDS[r.modality]}` : ''}.`, 'meta'));
  for (const ev of r.evidence) box.append(renderEvidence(ev));
  return box;
}

/** The schema's modalities in the panel's words. */
const MODALITY_WORDS: Record<Modality, string> = {
  STATED: 'stated',
  RECALLED: 'recalled',
  REQUESTED: 'requested',
  OBLIGATION: 'an obligation (should, needs to)',
  FUTURE: 'future',
  POSSIBLE: 'possible',
  CONDITIONAL: 'conditional',
};

function renderEvidence(ev: Evidence): HTMLElement {
  const fig = el('figure', undefined, 'evidence');
  fig.append(el('blockquote', ev.quote));
  const cap = el('figcaption');
  cap.append(el('cite', ev.document.title), `, paragraph ${ev.paragraph.number} (${ev.paragraph.id})`);
  if (ev.modality) {
    const how = el('span', ` · ${MODALITY_WORDS[ev.modality]}${ev.verb ? `: “${ev.verb}”` : ''}`, `modality modality-${ev.modality.toLowerCase()}`);
    cap.append(how);
  }
  const read = el('a', 'show in text', 'read');
  read.href = readURL(ev);
  read.title = `${ev.document.title}, paragraph ${ev.paragraph.number}, in the reading view`;
  cap.append(' · ', read);
  fig.append(cap);
  const text = el('details');
  text.open = true;
  text.append(el('summary', 'The whole paragraph'), highlighted(ev));
  fig.append(text);
  return fig;
}

/**
 * The API counts offsets in Unicode code points; JavaScript strings index
 * UTF-16 code units. Convert, or every quote after an emoji, a "𝔼" or any
 * other astral character is highlighted off by one per such character.
 */
export function codePointsToUTF16(text: string, offset: number): number {
  let units = 0;
  let points = 0;
  for (const ch of text) {
    if (points === offset) break;
    units += ch.length; // 2 for a surrogate pair
    points++;
  }
  return units;
}

function highlighted(ev: Evidence): HTMLElement {
  const p = el('p', undefined, 'paragraph');
  const text = ev.paragraph.text;
  const start = codePointsToUTF16(text, ev.start);
  const end = codePointsToUTF16(text, ev.end);
  if (text.slice(start, end) !== ev.quote) {
    // should not happen: the loader checks every quote against its paragraph
    p.append(text, el('span', ' (the offsets do not match the quote)', 'meta'));
    return p;
  }
  p.append(text.slice(0, start), el('mark', text.slice(start, end)), text.slice(end));
  return p;
}

/**
 * Scrolls each paragraph box (not the page) to its highlighted quote; call
 * it once the panel is in the document, when the boxes have their size.
 */
export function revealQuotes(root: HTMLElement): void {
  for (const mark of root.querySelectorAll<HTMLElement>('.paragraph mark')) {
    const box = mark.parentElement!;
    box.scrollTop = Math.max(0, mark.offsetTop - box.clientHeight / 3);
  }
}

export function renderMessage(text: string): HTMLElement {
  return el('p', text, 'hint');
}
