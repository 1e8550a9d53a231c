// The same nodes and edges as the graph, as two tables: every action of the
// graph is a button here, so the view works from the keyboard and with a
// screen reader.
import type { Entity, Graph } from './api';
import { LOOKS, swatch } from './kinds';

export interface TableActions {
  select: (id: string) => void;
  expand: (id: string) => void;
  reroot: (id: string) => void;
}

function cell(tag: 'td' | 'th', ...content: (Node | string)[]): HTMLTableCellElement {
  const c = document.createElement(tag);
  if (tag === 'th') c.scope = 'row';
  c.append(...content);
  return c;
}

function button(text: string, label: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.setAttribute('aria-label', label);
  b.addEventListener('click', onClick);
  return b;
}

function table(caption: string, headers: string[], rows: HTMLTableRowElement[]): HTMLTableElement {
  const t = document.createElement('table');
  t.createCaption().textContent = caption;
  const head = t.createTHead().insertRow();
  for (const h of headers) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = h;
    head.append(th);
  }
  t.createTBody().append(...rows);
  return t;
}

export function renderTables(g: Graph, roots: string[], labels: Map<string, string>, act: TableActions): HTMLElement[] {
  const byId = new Map<string, Entity>(g.nodes.map((n) => [n.id, n]));
  const name = (id: string) => byId.get(id)?.name ?? id;

  const nodeRows = g.nodes.map((n) => {
    const tr = document.createElement('tr');
    tr.dataset.id = n.id;
    const actions = cell('td', button('Details', `Details of ${n.name}`, () => act.select(n.id)));
    if (!roots.includes(n.id)) actions.append(' ', button('Expand', `Expand ${n.name}`, () => act.expand(n.id)));
    actions.append(' ', button('Re-root', `Re-root the view on ${n.name}`, () => act.reroot(n.id)));
    tr.append(
      cell('th', n.name, roots.includes(n.id) ? ' (root)' : ''),
      cell('td', swatch(n.kind), ` ${LOOKS[n.kind].label}`),
      cell('td', String(n.degree)),
      actions,
    );
    return tr;
  });

  const edgeRows = g.edges.map((e) => {
    const tr = document.createElement('tr');
    tr.dataset.id = e.id;
    const label = labels.get(e.predicate) ?? e.predicate;
    const what = `${name(e.source)} ${label} ${name(e.target)}`;
    tr.append(
      cell('th', name(e.source)),
      cell('td', label),
      cell('td', name(e.target)),
      cell('td', String(e.evidenceCount)),
      cell('td', button('Evidence', `Evidence: ${what}`, () => act.select(e.id))),
    );
    return tr;
  });

  return [
    table(`Entities (${g.nodes.length})`, ['Name', 'Kind', 'Relations in all', 'Actions'], nodeRows),
    table(`Relations (${g.edges.length})`, ['Subject', 'Relation', 'Object', 'Passages', 'Actions'], edgeRows),
  ];
}
