// The explorer page: wires the search, the controls, the graph, the table
// and the details panel to one state, which lives in the URL (state.ts).
import './explore.css';
import * as api from './api';
import { renderEntity, renderMessage, renderRelation, revealQuotes, type EntityActions } from './details';
import { GraphView } from './graph';
import { LOOKS, swatch } from './kinds';
import { Combobox } from './search';
import { format, inPathMode, parse, type ViewState } from './state';
import { renderTables } from './table';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

let state: ViewState = parse(location.search);
let labels = new Map<string, string>(); // predicate → how it reads
let shown: api.Graph = { nodes: [], edges: [], truncated: false };
let shownKey = ''; // what `shown` was loaded for
let loading: AbortController | null = null;
let renders = 0; // renders overlap when the user is quick: only the last one finishes

const view = $<HTMLElement>('view');
const graph = new GraphView($('graph'), {
  onNodeClick: (id) => (inPathMode(state) || state.roots.includes(id) ? go({ sel: id }) : go({ roots: [...state.roots, id], sel: id })),
  onNodeDoubleClick: (id) => reroot(id),
  onEdgeClick: (id) => go({ sel: id }),
});

declare global {
  interface Window {
    /** The explorer's Cytoscape.js instance, for tests and the browser console. */
    explorer: { cy: GraphView['cy'] };
  }
}
window.explorer = { cy: graph.cy };

// ---- state changes --------------------------------------------------------

/** Moves to a new state: a new history entry, then a render. */
function go(change: Partial<ViewState>): void {
  state = { ...state, ...change };
  const qs = format(state);
  if (qs !== location.search.slice(1)) history.pushState(null, '', qs ? `?${qs}` : location.pathname);
  void render();
}

function reroot(id: string): void {
  go({ roots: [id], sel: id, from: null, to: null });
}

window.addEventListener('popstate', () => {
  state = parse(location.search);
  void render();
});

// ---- controls ---------------------------------------------------------------

const search = new Combobox($('search'), $('search-list'), {
  kinds: () => {
    const k = $<HTMLSelectElement>('search-kind').value;
    return k ? [k as api.Kind] : [];
  },
  onPick: (s) => reroot(s.id),
});
$('search-kind').addEventListener('change', () => search.refresh());
$('search-form').addEventListener('submit', (e) => e.preventDefault());

const pathFrom = new Combobox($('path-from'), $('path-from-list'), { kinds: () => [], onPick: () => {} });
const pathTo = new Combobox($('path-to'), $('path-to-list'), { kinds: () => [], onPick: () => {} });
$('path-show').addEventListener('click', () => {
  if (!pathFrom.picked || !pathTo.picked) {
    setStatus('Pick both ends of the path from the suggestions first.');
    return;
  }
  go({ from: pathFrom.picked, to: pathTo.picked, sel: null });
});
$('path-clear').addEventListener('click', () => go({ from: null, to: null, sel: null }));

$('depth').addEventListener('change', (e) => go({ depth: Number((e.target as HTMLSelectElement).value) }));

function checked(box: HTMLElement): string[] {
  const all = [...box.querySelectorAll<HTMLInputElement>('input[type=checkbox]')];
  const on = all.filter((c) => c.checked).map((c) => c.value);
  return on.length === all.length ? [] : on; // all of them: no filter
}

function buildFilters(preds: api.Predicate[]): void {
  const kinds = $('kinds');
  const searchKind = $<HTMLSelectElement>('search-kind');
  for (const k of api.KINDS) {
    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.value = k;
    const count = document.createElement('span');
    count.className = 'count';
    count.dataset.kind = k;
    label.append(box, swatch(k), ` ${LOOKS[k].label} `, count);
    kinds.append(label);
    searchKind.append(new Option(LOOKS[k].label, k));
  }
  kinds.addEventListener('change', () => go({ kinds: checked(kinds) as api.Kind[] }));

  const predBox = $('predicates');
  for (const p of preds) {
    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.value = p.predicate;
    label.title = p.definition;
    label.append(box, ` ${p.label}`);
    predBox.append(label);
  }
  predBox.addEventListener('change', () => go({ predicates: checked(predBox) }));
}

function syncControls(): void {
  $<HTMLSelectElement>('depth').value = String(state.depth);
  $<HTMLSelectElement>('depth').disabled = inPathMode(state);
  for (const c of $('kinds').querySelectorAll<HTMLInputElement>('input')) c.checked = !state.kinds.length || state.kinds.includes(c.value as api.Kind);
  for (const c of $('predicates').querySelectorAll<HTMLInputElement>('input')) c.checked = !state.predicates.length || state.predicates.includes(c.value);
  $('predicates-count').textContent = state.predicates.length ? `(${state.predicates.length} of ${labels.size})` : '(all)';
  $('show-graph').setAttribute('aria-pressed', String(!state.table));
  $('show-table').setAttribute('aria-pressed', String(state.table));
  $('graph').hidden = state.table;
  $('table').hidden = !state.table;
}

$('show-graph').addEventListener('click', () => {
  go({ table: false });
  graph.resize(); // it was drawn while hidden
});
$('show-table').addEventListener('click', () => go({ table: true }));

$('png').addEventListener('click', () => {
  if (!shown.nodes.length) return;
  const a = document.createElement('a');
  a.href = URL.createObjectURL(graph.png());
  a.download = `digidip-${(inPathMode(state) ? [state.from, state.to] : state.roots).join('-')}.png`;
  a.click();
  window.setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
});

function syncExports(): void {
  const list = $('exports');
  const paths = inPathMode(state);
  const empty = !paths && !state.roots.length;
  list.replaceChildren(
    ...api.EXPORT_FORMATS.map(({ format: f, label }) => {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.textContent = label;
      a.dataset.format = f;
      if (empty) {
        a.setAttribute('aria-disabled', 'true');
      } else {
        a.href = paths ? api.exportPathsURL(f, { from: state.from!, to: state.to!, predicates: state.predicates }) : api.exportURL(f, state);
        a.download = ''; // the server names the file (Content-Disposition)
      }
      li.append(a);
      return li;
    }),
  );
}

// ---- rendering ----------------------------------------------------------------

function setStatus(text: string): void {
  $('status').textContent = text;
  $('status').title = text; // the whole text, when one line cuts it
}

const nameOf = (id: string | null) => shown.nodes.find((n) => n.id === id)?.name ?? id ?? '';

async function load(signal: AbortSignal): Promise<{ g: api.Graph; status: string; pathEdges?: Set<string> }> {
  if (inPathMode(state)) {
    const found = await api.paths(state.from!, state.to!, state.predicates, signal);
    const nodes = new Map<string, api.Entity>();
    const edges = new Map<string, api.Edge>();
    for (const p of found) {
      for (const n of p.nodes) nodes.set(n.id, n);
      for (const { relation: r } of p.steps) {
        edges.set(r.id, { id: r.id, source: r.subject.id, target: r.object.id, predicate: r.predicate, evidenceCount: r.evidence.length, modality: r.modality, implied: r.implied });
      }
    }
    const g = { nodes: [...nodes.values()], edges: [...edges.values()], truncated: false };
    const name = (id: string) => nodes.get(id)?.name ?? id;
    const status = found.length
      ? `${found.length} shortest path${found.length > 1 ? 's' : ''} of ${found[0]!.length} step${found[0]!.length > 1 ? 's' : ''} from ${name(state.from!)} to ${name(state.to!)}.`
      : `No path of at most ${api.MAX_HOPS} steps from ${state.from} to ${state.to}.`;
    return { g, status, pathEdges: new Set(edges.keys()) };
  }
  const g = await api.subgraph(state, signal);
  const roots = state.roots.map((r) => g.nodes.find((n) => n.id === r)?.name ?? r);
  let status = `${roots.join(', ')}: ${g.nodes.length} entities and ${g.edges.length} relations within ${state.depth} step${state.depth === 1 ? '' : 's'}.`;
  if (g.truncated) status += ` Cut at ${api.MAX_NODES} entities, the explorer's drawing size: lower the depth or filter.`;
  return { g, status };
}

async function render(): Promise<void> {
  const mine = ++renders;
  syncControls();
  const key = JSON.stringify([state.roots, state.depth, state.kinds, state.predicates, state.from, state.to]);
  if (key !== shownKey) {
    loading?.abort();
    const request = (loading = new AbortController());
    view.setAttribute('aria-busy', 'true');
    $('notice').hidden = true;
    $('graph').hidden = state.table;
    try {
      if (!state.roots.length && !inPathMode(state)) {
        shown = { nodes: [], edges: [], truncated: false };
        graph.clear();
        setStatus('Search an entity to draw its neighbourhood.');
      } else {
        const { g, status, pathEdges } = await load(request.signal);
        if (request.signal.aborted) return;
        shown = g;
        const roots = inPathMode(state) ? [state.from!, state.to!] : state.roots;
        setStatus(status); // before drawing: the graph's box must not move after it
        const painted = graph.painted();
        // how long laying out and painting takes, for tests and the browser's performance panel
        performance.mark('explorer:draw-start');
        graph.show(g, { roots, labels, selected: state.sel, ...(pathEdges ? { pathEdges } : {}) });
        performance.mark('explorer:paint-start');
        await painted;
        performance.measure('explorer:paint', 'explorer:paint-start');
        performance.measure('explorer:draw', 'explorer:draw-start');
      }
      shownKey = key;
    } catch (err) {
      if (request.signal.aborted) return;
      if (err instanceof api.APIError && err.code === 'NOT_FOUND') {
        shown = { nodes: [], edges: [], truncated: false };
        graph.clear();
        await showNotFound(err);
      } else {
        setStatus(`Could not load the view: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  } else {
    graph.cy.elements().unselect();
    if (state.sel) graph.cy.getElementById(state.sel).select();
  }
  if (inPathMode(state)) {
    pathFrom.set(state.from, nameOf(state.from));
    pathTo.set(state.to, nameOf(state.to));
  }
  syncCounts();
  syncExports();
  const roots = inPathMode(state) ? [state.from!, state.to!] : state.roots;
  $('table').replaceChildren(...renderTables(shown, roots, labels, { select: selectFromList, expand: expandFromList, reroot }));
  await renderDetails();
  if (mine !== renders) return;
  view.setAttribute('aria-busy', 'false');
  // what is on screen, for tests: the query string it was drawn for
  view.dataset.rendered = format(state);
}

/**
 * An id in the URL that names no entity: say so, offer the entities it may
 * have meant (or the best-connected ones) and hand over to the search box,
 * rather than leave an empty canvas.
 */
async function showNotFound(err: api.APIError): Promise<void> {
  const wanted = /"([^"]+)"/.exec(err.message)?.[1] ?? (inPathMode(state) ? `${state.from}, ${state.to}` : state.roots.join(', '));
  setStatus(`No entity has the id ${wanted}.`);
  const words = wanted.replace(/[-_]+/g, ' ');
  let offered: api.Entity[] = [];
  let close = true; // whether what is offered resembles the id
  try {
    const found = await api.search(words, []);
    const named = await Promise.all(err.suggestions.filter((id) => !found.some((f) => f.id === id)).map((id) => api.node(id)));
    offered = [...named.filter((n): n is api.EntityDetail => n?.__typename === 'Entity'), ...found].slice(0, 8);
    if (!offered.length) {
      close = false;
      offered = await api.mostConnected(8);
    }
  } catch {
    // the suggestions are a help: the message and the search box stand without them
  }
  const notice = $('notice');
  const h = document.createElement('h2');
  h.textContent = `No entity has the id “${wanted}”.`;
  const intro = document.createElement('p');
  intro.textContent = !offered.length ? 'Search above for a name.'
    : close ? 'Did you mean one of these? Or search above.'
    : 'Nothing is named like it. Start from one of the best-connected entities, or search above.';
  const list = document.createElement('ul');
  list.className = 'suggestions';
  for (const e of offered) {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = `?roots=${encodeURIComponent(e.id)}`;
    a.dataset.id = e.id;
    a.append(swatch(e.kind), ` ${e.name}`);
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      reroot(e.id);
    });
    li.append(a);
    list.append(li);
  }
  notice.replaceChildren(h, intro, list);
  notice.hidden = false;
  $('graph').hidden = true;
  // the search box, holding the words of the id, ready to be corrected
  const box = $<HTMLInputElement>('search');
  box.value = words;
  box.focus();
}

function syncCounts(): void {
  const counts = new Map<string, number>();
  for (const n of shown.nodes) counts.set(n.kind, (counts.get(n.kind) ?? 0) + 1);
  for (const span of $('kinds').querySelectorAll<HTMLElement>('.count')) {
    const n = counts.get(span.dataset.kind ?? '');
    span.textContent = n ? `(${n})` : '';
  }
}

// A selection made from the table (keyboard, screen reader) moves the focus
// to the details it opens, so that they are read next.
let focusDetails = false;

function selectFromList(id: string): void {
  focusDetails = true;
  go({ sel: id });
}

function expandFromList(id: string): void {
  go({ roots: [...state.roots, id], sel: id, from: null, to: null });
}

const entityActions: EntityActions = {
  expand: expandFromList,
  reroot,
  pathFrom: (id, name) => {
    pathFrom.set(id, name);
    $('path-to').focus();
  },
  pathTo: (id, name) => {
    pathTo.set(id, name);
    $('path-show').focus();
  },
};

const HINT = 'Click a node to expand it, double-click it to make it the only root. Click a relation to read the words that state it.';
let detailsFor: string | undefined; // what the panel shows now

async function renderDetails(): Promise<void> {
  const panel = $('details');
  const key = `${state.sel}|${state.roots.includes(state.sel ?? '')}`; // an entity's actions depend on whether it is a root
  if (key === detailsFor) return;
  detailsFor = key;
  if (!state.sel) {
    panel.replaceChildren(renderMessage(HINT));
    return;
  }
  const id = state.sel;
  const focus = focusDetails;
  focusDetails = false;
  try {
    const n = await api.node(id);
    if (state.sel !== id) return; // the user moved on
    if (!n) {
      panel.replaceChildren(renderMessage(`Nothing has the id ${id}.`));
    } else if (n.__typename === 'Relation') {
      panel.replaceChildren(renderRelation(n));
      revealQuotes(panel);
    } else {
      panel.replaceChildren(renderEntity(n, state.roots.includes(n.id), entityActions));
    }
    if (focus) panel.querySelector<HTMLElement>('h2')?.focus();
  } catch (err) {
    panel.replaceChildren(renderMessage(`Could not load ${id}: ${err instanceof Error ? err.message : String(err)}`));
  }
}

// ---- start ------------------------------------------------------------------

async function start(): Promise<void> {
  try {
    const preds = await api.predicates();
    labels = new Map(preds.map((p) => [p.predicate, p.label]));
    buildFilters(preds);
  } catch (err) {
    setStatus(`The API does not answer: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  await render();
  const root = shown.nodes.find((n) => n.id === state.roots[0]);
  if (root) search.set(root.id, root.name);
}

void start();
