// The view's whole state lives in the URL's query string, so a view can be
// shared as a link and a reload (or the Back button) brings it back.
//
//   ?roots=global-gateway,ndici-global-europe&depth=1&kinds=ACTOR,FORUM
//    &predicates=FUNDS&sel=ndici-global-europe/funds/global-gateway
//    &from=d4d-hub&to=european-commission&view=table
import { KINDS, type Kind, type Selection } from './api';

export interface ViewState extends Selection {
  sel: string | null; // the selected entity or relation id
  from: string | null; // a path's ends: when both are set the view shows paths
  to: string | null;
  table: boolean; // the table instead of the graph
}

export const MAX_DEPTH = 3;

function list(q: URLSearchParams, key: string): string[] {
  return (q.get(key) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

export function parse(search: string): ViewState {
  const q = new URLSearchParams(search);
  const depth = Number.parseInt(q.get('depth') ?? '', 10);
  return {
    roots: [...new Set(list(q, 'roots'))],
    depth: Number.isInteger(depth) ? Math.min(Math.max(depth, 0), MAX_DEPTH) : 1,
    kinds: list(q, 'kinds').filter((k): k is Kind => (KINDS as readonly string[]).includes(k)),
    predicates: list(q, 'predicates'),
    sel: q.get('sel') || null,
    from: q.get('from') || null,
    to: q.get('to') || null,
    table: q.get('view') === 'table',
  };
}

/** The query string of a state; defaults are left out to keep links short. */
export function format(s: ViewState): string {
  const q = new URLSearchParams();
  if (s.roots.length) q.set('roots', s.roots.join(','));
  if (s.depth !== 1) q.set('depth', String(s.depth));
  if (s.kinds.length) q.set('kinds', s.kinds.join(','));
  if (s.predicates.length) q.set('predicates', s.predicates.join(','));
  if (s.from) q.set('from', s.from);
  if (s.to) q.set('to', s.to);
  if (s.sel) q.set('sel', s.sel);
  if (s.table) q.set('view', 'table');
  // Ids and enum values are URL-safe; keep commas and slashes readable.
  return q.toString().replace(/%2C/g, ',').replace(/%2F/g, '/');
}

export function inPathMode(s: ViewState): boolean {
  return s.from !== null && s.to !== null;
}
