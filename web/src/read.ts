// The reading view: /read/ lists the documents, /read/{document} shows one
// whole, paragraph by paragraph, with every entity mention and every
// evidence quote highlighted in its kind's colours. A click (or Enter) on a
// highlight shows in the side panel what the passage states, with links to
// the explorer. Deep links: #7 marks paragraph 7, #7:char=120,160 the quote
// at those code points (an Evidence id without its document: prefix, with
// ':' for '#').
import './site.css';
import './pages.css';
import type { Kind, Modality } from './api';
import { LOOKS } from './kinds';
import { copyButton, explorerLink, h, paint, query } from './pages';
import READING from './reading.graphql?raw';

interface Named { id: string; name: string; kind: Kind }

interface Paragraph {
  id: string;
  number: string;
  section: string | null;
  parent: { id: string } | null;
  notes: { id: string; number: string }[];
  text: string;
}

interface Span { entity: Named; start: number; end: number }

interface Quotation {
  evidence: { id: string; start: number; end: number; quote: string; verb: string | null; modality: Modality | null };
  relation: { id: string; label: string; subject: Named; object: Named } | null;
  entity: Named | null;
  fact: { key: string; role: string | null; qualifier: string | null; text: string; date: string | null } | null;
}

/** One passage the graph quotes, with everything quoting exactly it. */
interface Quoted { id: string; start: number; end: number; quote: string; items: Quotation[] }

interface Reading { para: Paragraph; spans: Span[]; quoted: Quoted[]; el: HTMLElement }

const text = document.getElementById('text')!;
const panel = document.getElementById('panel')!;
const status = document.getElementById('status')!;

// The last path segment names the document; none (/read/) lists them.
const docID = decodeURIComponent(location.pathname.split('/').pop() ?? '');

const readings = new Map<string, Reading>(); // by paragraph number
let title = '';

function say(message: string, error = false): void {
  status.textContent = message;
  status.classList.toggle('error', error);
  status.hidden = message === '';
}

async function listDocuments(): Promise<void> {
  const data = await query<{ documents: { id: string; title: string; date: string | null }[] }>(
    `query Documents { documents { id title date } }`);
  const list = h('ul', { class: 'documents' });
  for (const d of data.documents) {
    list.append(h('li', {}, h('a', { href: encodeURIComponent(d.id) }, d.title), d.date ? ` (${d.date})` : ''));
  }
  text.append(h('h2', {}, 'Documents'), list);
  say('');
}

const DOCUMENT = `query Document($id: ID!) {
  document(id: $id) { id title date paragraphs { id number section parent { id } notes { id number } text } }
}`;

// The paragraphs are asked for in batches, each within the server's cost
// limit (server/size_test.go runs a batch of the longest paragraphs).
const BATCH = 6;
const PARALLEL = 3;

function batchQuery(n: number): string {
  const vars = Array.from({ length: n }, (_, i) => `$p${i}: ID!`).join(', ');
  const fields = Array.from({ length: n }, (_, i) => `p${i}: paragraph(id: $p${i}) { ...Reading }`).join('\n');
  return `query Reading(${vars}) {\n${fields}\n}\n${READING}`;
}

async function readDocument(id: string): Promise<void> {
  const data = await query<{ document: { id: string; title: string; date: string | null; paragraphs: Paragraph[] } | null }>(DOCUMENT, { id });
  const doc = data.document;
  if (!doc) throw new Error(`no document ${id}`);
  title = doc.title;
  document.title = `digidip · ${doc.title}`;
  document.getElementById('title')!.textContent = doc.title;
  const batches: Paragraph[][] = [];
  for (let i = 0; i < doc.paragraphs.length; i += BATCH) batches.push(doc.paragraphs.slice(i, i + BATCH));
  // a few requests at a time, so that a server's per-client rate limit holds
  const answers: Record<string, { mentionSpans: Span[]; quotations: Quotation[] } | null>[] = [];
  for (let i = 0; i < batches.length; i += PARALLEL) {
    answers.push(...await Promise.all(batches.slice(i, i + PARALLEL).map((ps) =>
      query<Record<string, { mentionSpans: Span[]; quotations: Quotation[] } | null>>(
        batchQuery(ps.length), Object.fromEntries(ps.map((p, j) => [`p${j}`, p.id]))))));
  }
  let section: string | null = null;
  batches.forEach((ps, b) => ps.forEach((para, i) => {
    const got = answers[b]![`p${i}`];
    if (para.section && para.section !== section) text.append(h('h2', { class: 'section' }, para.section));
    section = para.section ?? section;
    const r: Reading = { para, spans: got?.mentionSpans ?? [], quoted: group(got?.quotations ?? []), el: h('section') };
    render(r);
    readings.set(para.number, r);
    text.append(r.el);
  }));
}

/** Groups quotations by the passage they quote, in text order. */
function group(qs: Quotation[]): Quoted[] {
  const by = new Map<string, Quoted>();
  for (const q of qs) {
    const key = `${q.evidence.start},${q.evidence.end}`;
    let g = by.get(key);
    if (!g) {
      g = { id: q.evidence.id, start: q.evidence.start, end: q.evidence.end, quote: q.evidence.quote, items: [] };
      by.set(key, g);
    }
    g.items.push(q);
  }
  return [...by.values()];
}

/** The fragment of a paragraph or of a passage in it: `7`, `7:char=120,160`. */
function fragment(number: string, start?: number, end?: number): string {
  return start === undefined ? number : `${number}:char=${start},${end}`;
}

function linkTo(frag: string): string {
  return `${location.origin}${location.pathname}#${frag}`;
}

function kindOf(q: Quotation): Kind {
  return (q.relation?.subject ?? q.entity)!.kind;
}

/**
 * Draws a paragraph: its number with its link, and its text cut at every
 * span and quote boundary (and at `cuts`, a deep link's offsets), each
 * piece marked with the mention and quotes covering it.
 */
function render(r: Reading, cuts: number[] = []): void {
  const { para } = r;
  const chars = Array.from(para.text); // code points, as the offsets count
  const bounds = new Set<number>([0, chars.length, ...cuts]);
  for (const s of r.spans) bounds.add(s.start).add(s.end);
  for (const q of r.quoted) bounds.add(q.start).add(q.end);
  const points = [...bounds].filter((n) => n >= 0 && n <= chars.length).sort((a, b) => a - b);
  const body = h('p', { class: 'text' });
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!, b = points[i + 1]!;
    const piece = chars.slice(a, b).join('');
    const span = r.spans.find((s) => s.start <= a && b <= s.end);
    const quotes = r.quoted.filter((q) => q.start <= a && b <= q.end);
    if (!span && !quotes.length) {
      body.append(piece);
      continue;
    }
    const seg = h('span', { class: 'seg', 'data-start': String(a), 'data-end': String(b) }, piece);
    if (span) {
      seg.classList.add('mention');
      seg.dataset.entity = span.entity.id;
      paint(seg, span.entity.kind);
      seg.title = `${span.entity.name} (${LOOKS[span.entity.kind].label})`;
    }
    if (quotes.length) {
      seg.classList.add('quote');
      seg.dataset.quotes = quotes.map((q) => q.id).join(' ');
      seg.style.setProperty('--qkind', LOOKS[kindOf(quotes[0]!.items[0]!)].colour);
    }
    // one stop for the keyboard where each highlight begins
    if ((span && span.start === a) || quotes.some((q) => q.start === a)) {
      seg.tabIndex = 0;
      seg.setAttribute('role', 'button');
    }
    body.append(seg);
  }
  const head = h('div', { class: 'para-head' },
    h('a', { class: 'num', href: `#${fragment(para.number)}`, title: 'Link to this paragraph' }, para.number),
    copyButton(linkTo(fragment(para.number)), 'Copy link'));
  const el = h('section', {
    class: `para${para.parent ? ' sub' : ''}${para.number.startsWith('fn') ? ' note' : ''}`,
    id: para.number, 'data-paragraph': para.id,
  }, head, body);
  if (para.notes.length) {
    el.append(h('p', { class: 'calls' }, 'Notes: ', ...para.notes.flatMap((n, i) => [i ? ', ' : '', h('a', { href: `#${n.number}` }, n.number)])));
  }
  if (r.el.isConnected) r.el.replaceWith(el);
  r.el = el;
}

/** Shows in the panel what the passage at code point `at` of r states. */
function show(r: Reading, at: number): void {
  document.querySelectorAll('.seg.selected').forEach((s) => s.classList.remove('selected'));
  const quotes = r.quoted.filter((q) => q.start <= at && at < q.end);
  for (const q of quotes) {
    r.el.querySelectorAll<HTMLElement>('.seg').forEach((s) => {
      if (Number(s.dataset.start) >= q.start && Number(s.dataset.end) <= q.end) s.classList.add('selected');
    });
  }
  panel.replaceChildren(h('h2', {}, `Paragraph ${r.para.number}`));
  const span = r.spans.find((s) => s.start <= at && at < s.end);
  if (span) {
    const who = h('a', { href: explorerLink(span.entity.id, span.entity.id) }, span.entity.name);
    paint(who, span.entity.kind);
    panel.append(h('p', { class: 'names' }, 'Names ', who, ` (${LOOKS[span.entity.kind].label})`));
  }
  for (const q of quotes) panel.append(quoteBlock(r, q));
  if (!quotes.length) panel.append(h('p', { class: 'hint' }, 'No relation or fact quotes these words.'));
  panel.dataset.shown = r.para.id;
  // On a narrow screen the panel is below the text: bring it into view.
  if (panel.getBoundingClientRect().top > window.innerHeight) panel.scrollIntoView({ block: 'start' });
}

function quoteBlock(r: Reading, q: Quoted): HTMLElement {
  const frag = fragment(r.para.number, q.start, q.end);
  const list = h('ul', { class: 'states' });
  for (const it of q.items) {
    if (it.relation) {
      const rel = it.relation;
      const subject = h('a', { href: explorerLink(rel.subject.id, rel.id) }, rel.subject.name);
      const object = h('a', { href: explorerLink(rel.object.id, rel.id) }, rel.object.name);
      paint(subject, rel.subject.kind);
      paint(object, rel.object.kind);
      const how = [it.evidence.verb ? `“${it.evidence.verb}”` : '', it.evidence.modality?.toLowerCase() ?? ''].filter(Boolean).join(', ');
      list.append(h('li', { 'data-relation': rel.id }, subject, ' ', h('em', {}, rel.label), ' ', object,
        how ? h('span', { class: 'how' }, ` (${how})`) : null));
    } else if (it.entity && it.fact) {
      const f = it.fact;
      const who = h('a', { href: explorerLink(it.entity.id, it.entity.id) }, it.entity.name);
      paint(who, it.entity.kind);
      const what = [f.key, f.role && f.role !== f.key ? f.role : '', f.qualifier ?? ''].filter(Boolean).join(', ');
      list.append(h('li', { 'data-fact': `${it.entity.id} ${f.key}` }, who, ` ${what}: ${f.text}`, f.date ? ` → ${f.date}` : ''));
    }
  }
  return h('section', { class: 'quoted', 'data-evidence': q.id },
    h('blockquote', {}, q.quote),
    h('p', { class: 'cite' }, h('a', { href: `#${frag}` }, `¶ ${frag}`), ' ', copyButton(linkTo(frag), 'Copy link')),
    list);
}

/** Follows the fragment: marks (and scrolls to) a paragraph or a passage. */
function follow(): void {
  document.querySelectorAll('.marked, .target').forEach((el) => el.classList.remove('marked', 'target'));
  const hash = decodeURIComponent(location.hash.slice(1));
  if (!hash) return;
  const m = /^(.+?)(?::char=(\d+),(\d+))?$/.exec(hash);
  const r = m && readings.get(m[1]!);
  if (!m || !r) {
    const numbers = [...readings.keys()];
    say(`${title} has no paragraph “${m?.[1] ?? hash}”: its paragraphs are ${numbers.slice(0, 12).join(', ')}${numbers.length > 12 ? ', …' : ''}.`, true);
    return;
  }
  say('');
  r.el.classList.add('marked');
  if (m[2] === undefined) {
    r.el.scrollIntoView({ block: 'start' });
    return;
  }
  const start = Number(m[2]), end = Number(m[3]), length = Array.from(r.para.text).length;
  if (!(start < end && end <= length)) {
    say(`Paragraph ${r.para.number} has ${length} characters: no passage ${start} to ${end}.`, true);
    r.el.scrollIntoView({ block: 'start' });
    return;
  }
  render(r, [start, end]);
  r.el.classList.add('marked');
  const marked = markRange(r, start, end);
  (marked[0] ?? r.el).scrollIntoView({ block: 'center' });
  show(r, start);
}

/**
 * Marks the text of [start, end) in r; pieces of plain text in that range
 * are wrapped so that the mark covers exactly the passage.
 */
function markRange(r: Reading, start: number, end: number): HTMLElement[] {
  const out: HTMLElement[] = [];
  const body = r.el.querySelector('.text')!;
  let at = 0;
  for (const node of [...body.childNodes]) {
    const len = Array.from(node.textContent ?? '').length;
    if (at >= start && at + len <= end && len > 0) {
      let el = node as HTMLElement;
      if (node.nodeType === Node.TEXT_NODE) {
        el = h('span', { class: 'seg plain', 'data-start': String(at), 'data-end': String(at + len) }, node.textContent ?? '');
        node.replaceWith(el);
      }
      el.classList.add('target');
      out.push(el);
    }
    at += len;
  }
  return out;
}

function activate(ev: Event): void {
  const seg = (ev.target as HTMLElement).closest<HTMLElement>('.seg');
  const para = seg?.closest<HTMLElement>('.para');
  const r = para && [...readings.values()].find((x) => x.el === para);
  if (!seg || !r) return;
  show(r, Number(seg.dataset.start));
}

text.addEventListener('click', activate);
text.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' || ev.key === ' ') {
    if ((ev.target as HTMLElement).classList.contains('seg')) {
      ev.preventDefault();
      activate(ev);
    }
  }
});
window.addEventListener('hashchange', follow);

async function main(): Promise<void> {
  try {
    if (docID === '') {
      panel.hidden = true;
      await listDocuments();
    } else {
      await readDocument(docID);
      say('');
      follow();
    }
  } catch (err) {
    say(`Could not load the text: ${(err as Error).message}`, true);
  } finally {
    text.setAttribute('aria-busy', 'false');
  }
}

void main();
