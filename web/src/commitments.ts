// The commitments board: every entity of kind COMMITMENT with where the
// text makes it, its verb, who is called on, targets, instruments,
// deadline and quote; filtered by actor, sorted, and downloaded as CSV
// (exactly the rows shown, columns named by their GraphQL fields).
import './site.css';
import './pages.css';
import type { Kind } from './api';
import COMMITMENTS from './commitments.graphql?raw';
import { explorerLink, h, paint, query, site } from './pages';

interface Named { id: string; name: string; kind: Kind }

interface Evidence {
  id: string; quote: string; start: number; end: number; verb: string | null;
  document: { id: string }; paragraph: { id: string; number: string };
}

interface Commitment {
  id: string;
  name: string;
  calledOn: Named[];
  targets: Named[];
  instruments: Named[];
  facts: { key: string; role: string | null; qualifier: string | null; text: string; date: string | null }[];
  relations: { nodes: { id: string; predicateId: string; subject: { id: string }; evidence: Evidence[] }[] };
}

/** One line of the board, as the CSV writes it. */
interface Row {
  c: Commitment;
  evidence: Evidence | null; // the call's quote, else the first quote of any of its relations
  verb: string; // the call's verb in the text
  deadline: string; // the text's words
  deadlineDate: string; // resolved, where the text allows
}

const board = document.getElementById('board')!;
const count = document.getElementById('count')!;
const filter = document.getElementById('filter') as HTMLInputElement;
const sort = document.getElementById('sort') as HTMLSelectElement;

/** The commitment's row: its call (calls-on from it) gives the quote and verb. */
function toRow(c: Commitment): Row {
  const call = c.relations.nodes.find((r) => r.predicateId === 'calls-on' && r.subject.id === c.id && r.evidence.length);
  const evidence = call?.evidence[0] ?? c.relations.nodes.find((r) => r.evidence.length)?.evidence[0] ?? null;
  const deadline = c.facts.find((f) => f.role === 'deadline');
  return {
    c, evidence,
    verb: call?.evidence[0]?.verb ?? evidence?.verb ?? '',
    deadline: deadline?.text ?? '',
    deadlineDate: deadline?.date ?? '',
  };
}

async function load(): Promise<Row[]> {
  const all: Commitment[] = [];
  let after: string | null = null;
  for (;;) {
    const data: { entities: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: Commitment[] } } =
      await query(COMMITMENTS, { after });
    all.push(...data.entities.nodes);
    if (!data.entities.pageInfo.hasNextPage) break;
    after = data.entities.pageInfo.endCursor;
  }
  return all.map(toRow);
}

const byNumber = new Intl.Collator('en', { numeric: true });
const names = (l: Named[]) => l.map((e) => e.name);

// Rows without the sort key go last; ties fall back to the document order.
const orders: Record<string, (a: Row, b: Row) => number> = {
  document: (a, b) => byNumber.compare(a.evidence?.document.id ?? '~', b.evidence?.document.id ?? '~')
    || byNumber.compare(a.evidence?.paragraph.number ?? '~', b.evidence?.paragraph.number ?? '~')
    || byNumber.compare(a.c.id, b.c.id),
  paragraph: (a, b) => byNumber.compare(a.evidence?.paragraph.number ?? '~', b.evidence?.paragraph.number ?? '~')
    || orders.document!(a, b),
  actor: (a, b) => byNumber.compare(names(a.c.calledOn).sort()[0] ?? '~', names(b.c.calledOn).sort()[0] ?? '~')
    || orders.document!(a, b),
  deadline: (a, b) => byNumber.compare(a.deadlineDate || (a.deadline ? '~' : '~~'), b.deadlineDate || (b.deadline ? '~' : '~~'))
    || orders.document!(a, b),
};

/** The rows the controls keep, in their order. */
function shown(rows: Row[]): Row[] {
  const f = filter.value.trim().toLowerCase();
  const kept = f ? rows.filter((r) => r.c.calledOn.some((e) => e.name.toLowerCase().includes(f))) : rows.slice();
  return kept.sort(orders[sort.value] ?? orders.document!);
}

function entityLinks(l: Named[]): (Node | string)[] {
  return l.flatMap((e, i) => {
    const a = h('a', { href: explorerLink(e.id, e.id), class: 'entity' }, e.name);
    paint(a, e.kind);
    return i ? ['; ', a] : [a];
  });
}

function quoteLink(ev: Evidence): string {
  const frag = ev.id.slice(ev.id.indexOf(':') + 1).replace('#', ':');
  return site(`read/${encodeURIComponent(ev.document.id)}#${frag}`);
}

const COLUMNS = ['Commitment', 'Document', '¶', 'Verb', 'Called on', 'Targets', 'Instruments', 'Deadline', 'Quote'];

function draw(rows: Row[]): void {
  const body = h('tbody');
  for (const r of rows) {
    const ev = r.evidence;
    const name = h('a', { href: explorerLink(r.c.id, r.c.id) }, r.c.name);
    const cells: (Node | string | (Node | string)[])[] = [
      name,
      ev?.document.id ?? '',
      ev?.paragraph.number ?? '',
      r.verb,
      entityLinks(r.c.calledOn),
      entityLinks(r.c.targets),
      entityLinks(r.c.instruments),
      r.deadlineDate ? `${r.deadline} (${r.deadlineDate})` : r.deadline,
      ev ? h('a', { href: quoteLink(ev), class: 'quote' }, `“${ev.quote}”`) : '',
    ];
    const tr = h('tr', { 'data-id': r.c.id });
    cells.forEach((c, i) => {
      const td = h('td', { 'data-label': COLUMNS[i]! });
      td.append(...(Array.isArray(c) ? c : [c]));
      tr.append(td);
    });
    body.append(tr);
  }
  const head = h('tr', {}, ...COLUMNS.map((c) => h('th', { scope: 'col' }, c)));
  board.replaceChildren(h('table', { class: 'board' }, h('thead', {}, head), body));
}

// CSV columns are the GraphQL fields each value comes from.
const CSV_COLUMNS = ['id', 'name', 'evidence.document.id', 'evidence.paragraph.number', 'evidence.verb',
  'calledOn.name', 'targets.name', 'instruments.name', 'deadline.text', 'deadline.date', 'evidence.quote', 'evidence.id'];

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csv(rows: Row[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows) {
    const ev = r.evidence;
    lines.push([r.c.id, r.c.name, ev?.document.id ?? '', ev?.paragraph.number ?? '', r.verb,
      names(r.c.calledOn).join('; '), names(r.c.targets).join('; '), names(r.c.instruments).join('; '),
      r.deadline, r.deadlineDate, ev?.quote ?? '', ev?.id ?? ''].map(csvCell).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

let rows: Row[] = [];

function update(): void {
  const list = shown(rows);
  draw(list);
  count.textContent = `${list.length} of ${rows.length} commitments`;
  // the controls live in the URL, so a filtered board can be shared
  const q = new URLSearchParams();
  if (filter.value.trim()) q.set('actor', filter.value.trim());
  if (sort.value !== 'document') q.set('sort', sort.value);
  history.replaceState(null, '', `${location.pathname}${q.size ? `?${q}` : ''}`);
}

document.getElementById('csv')!.addEventListener('click', () => {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([csv(shown(rows))], { type: 'text/csv;charset=utf-8' }));
  a.download = 'digidip-commitments.csv';
  a.click();
  window.setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
});
filter.addEventListener('input', update);
sort.addEventListener('change', update);
document.getElementById('controls')!.addEventListener('submit', (ev) => ev.preventDefault());

async function main(): Promise<void> {
  const q = new URLSearchParams(location.search);
  filter.value = q.get('actor') ?? '';
  if (q.get('sort') && orders[q.get('sort')!]) sort.value = q.get('sort')!;
  try {
    rows = await load();
    update();
  } catch (err) {
    count.textContent = `Could not load the commitments: ${(err as Error).message}`;
    count.classList.add('error');
  } finally {
    board.setAttribute('aria-busy', 'false');
  }
}

void main();
