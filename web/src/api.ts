// The explorer's whole conversation with digidip: every GraphQL query it
// sends, with the TypeScript shape of the answer. The explorer is an ordinary
// client of the public API at /graphql; a front-end team can start here.

export const KINDS = [
  'ACTOR', 'COUNTRY', 'REGION', 'PERSON', 'FORUM', 'PARTNERSHIP',
  'INSTRUMENT', 'POLICY', 'COMMITMENT', 'TOPIC', 'EVENT',
] as const;
export type Kind = (typeof KINDS)[number];

export interface Entity {
  id: string;
  name: string;
  kind: Kind;
  degree: number;
}

export interface Edge {
  id: string; // `subject/predicate/object`
  source: string;
  target: string;
  predicate: string; // the enum value, CALLS_ON
  evidenceCount: number;
  modality: Modality | null; // the firmest of its evidence's
  implied: boolean; // the text implies it rather than states it
}

/** How a quote holds its relation, firmest first (the schema's Modality enum). */
export const MODALITIES = ['STATED', 'RECALLED', 'REQUESTED', 'OBLIGATION', 'FUTURE', 'POSSIBLE', 'CONDITIONAL'] as const;
export type Modality = (typeof MODALITIES)[number];

export interface Graph {
  nodes: Entity[];
  edges: Edge[];
  truncated: boolean;
}

export interface Predicate {
  predicate: string;
  id: string; // calls-on
  label: string; // calls on
  definition: string;
}

export interface Evidence {
  id: string; // `council-2023:7#char=120,160`
  quote: string;
  verb: string | null; // the text's own verb in this quote
  modality: Modality | null;
  start: number; // Unicode code points into paragraph.text
  end: number;
  document: { id: string; title: string };
  paragraph: { id: string; number: string; text: string };
}

export interface RelationDetail {
  __typename: 'Relation';
  id: string;
  label: string;
  verb: string | null;
  implied: boolean;
  modality: Modality | null;
  subject: { id: string; name: string };
  object: { id: string; name: string };
  evidence: Evidence[];
}

export interface EntityDetail extends Entity {
  __typename: 'Entity';
  description: string;
  aliases: string[];
  commonNames: string[];
}

export class APIError extends Error {
  constructor(message: string, readonly code?: string, readonly suggestions: string[] = []) {
    super(readable(message));
  }
}

/**
 * An error message as a reader should see it: without the position
 * ("input:2:7: ") that gqlparser puts before some messages, which points
 * into a query the reader never wrote.
 */
export function readable(message: string): string {
  return message.replace(/^(?:input)?:?\d+:\d+:\s*/, '').replace(/\s*\(line \d+, column \d+\)/g, '');
}

// Relative to the page, so the explorer works under a path prefix too.
const endpoint = new URL('graphql', document.baseURI);

interface Response<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string; suggestions?: string[] } }[];
}

async function query<T>(text: string, variables: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query: text, variables }),
    signal: signal ?? null,
  });
  const body = (await res.json()) as Response<T>;
  const first = body.errors?.[0];
  if (first) throw new APIError(first.message, first.extensions?.code, first.extensions?.suggestions ?? []);
  if (!res.ok || !body.data) throw new APIError(`the API answered ${res.status}`);
  return body.data;
}

/** Entities whose name, alias or common name matches, best first. */
export async function search(text: string, kinds: Kind[], signal?: AbortSignal): Promise<(Entity & { description: string })[]> {
  const data = await query<{ search: (Entity & { description: string })[] }>(
    `query Search($text: String!, $kinds: [Kind!]) {
      search(text: $text, kinds: $kinds, first: 8) { id name kind degree description }
    }`,
    { text, kinds: kinds.length ? kinds : null },
    signal,
  );
  return data.search;
}

export interface Selection {
  roots: string[];
  depth: number;
  predicates: string[]; // empty: all
  kinds: Kind[]; // empty: all
}

/**
 * The explorer's drawing size: the most entities it asks for and draws
 * (the server may allow more; a drawing past this stops being legible).
 * `truncated` says when it was not enough.
 */
export const MAX_NODES = 300;

/** The roots and everything within `depth` relations of them, as nodes and edges. */
export async function subgraph(s: Selection, signal?: AbortSignal): Promise<Graph> {
  const data = await query<{ subgraph: Omit<Graph, 'edges'> & { edges: (Omit<Edge, 'implied'> & { relation: { implied: boolean } })[] } }>(
    `query Neighbourhood($roots: [ID!], $depth: Int, $predicates: [Predicate!], $kinds: [Kind!], $max: Int) {
      subgraph(roots: $roots, depth: $depth, predicates: $predicates, kinds: $kinds, maxNodes: $max) {
        nodes { id name kind degree }
        edges { id source target predicate evidenceCount modality relation { implied } }
        truncated
      }
    }`,
    {
      roots: s.roots,
      depth: s.depth,
      predicates: s.predicates.length ? s.predicates : null,
      kinds: s.kinds.length ? s.kinds : null,
      max: MAX_NODES,
    },
    signal,
  );
  return { ...data.subgraph, edges: data.subgraph.edges.map(({ relation, ...e }) => ({ ...e, implied: relation.implied })) };
}

export interface Path {
  length: number;
  nodes: Entity[];
  steps: { relation: { id: string; predicate: string; modality: Modality | null; implied: boolean; subject: { id: string }; object: { id: string }; evidence: { id: string }[] } }[];
}

/** The longest path the explorer looks for. */
export const MAX_HOPS = 6;

/** The shortest paths between two entities, following relations either way. */
export async function paths(from: string, to: string, predicates: string[], signal?: AbortSignal): Promise<Path[]> {
  const data = await query<{ path: Path[] }>(
    `query Path($from: ID!, $to: ID!, $maxHops: Int, $predicates: [Predicate!]) {
      path(from: $from, to: $to, maxHops: $maxHops, predicates: $predicates, first: 5) {
        length
        nodes { id name kind degree }
        steps { relation { id predicate modality implied subject { id } object { id } evidence { id } } }
      }
    }`,
    { from, to, maxHops: MAX_HOPS, predicates: predicates.length ? predicates : null },
    signal,
  );
  return data.path;
}

/**
 * An entity or a relation by id, through the Relay `node` field: one query
 * for whatever the user selected.
 */
export async function node(id: string, signal?: AbortSignal): Promise<EntityDetail | RelationDetail | null> {
  const data = await query<{ node: EntityDetail | RelationDetail | null }>(
    `query Selected($id: ID!) {
      node(id: $id) {
        __typename
        ... on Entity { id name kind degree description aliases commonNames }
        ... on Relation {
          id label verb implied modality
          subject { id name }
          object { id name }
          evidence { id quote verb modality start end document { id title } paragraph { id number text } }
        }
      }
    }`,
    { id },
    signal,
  );
  return data.node;
}

/** The best-connected entities: starting points when an id in the URL names none. */
export async function mostConnected(n: number): Promise<Entity[]> {
  const data = await query<{ entities: { nodes: Entity[] } }>(
    `query MostConnected($n: Int) { entities(first: $n, sort: [{ degree: DESC }]) { nodes { id name kind degree } } }`,
    { n },
  );
  return data.entities.nodes;
}

/**
 * The reading view's address of a quote: `read/council-2023#7:char=120,160`
 * for the evidence `council-2023:7#char=120,160` (its paragraph and its
 * span, which the reading view scrolls to and highlights).
 */
export function readURL(ev: Pick<Evidence, 'id' | 'start' | 'end' | 'document'>): string {
  const prefix = `${ev.document.id}:`;
  const local = ev.id.startsWith(prefix) ? ev.id.slice(prefix.length) : ev.id;
  const paragraph = local.split('#')[0];
  return new URL(`read/${encodeURIComponent(ev.document.id)}#${paragraph}:char=${ev.start},${ev.end}`, document.baseURI).href;
}

/** Every predicate with its label, for the filter and the edge labels. */
export async function predicates(): Promise<Predicate[]> {
  const data = await query<{ predicates: Predicate[] }>(
    `query Predicates { predicates { predicate id label definition } }`,
    {},
  );
  return data.predicates;
}

/** The formats of GET /export, as its `format` parameter names them. */
export const EXPORT_FORMATS: { format: string; label: string }[] = [
  { format: 'graphml', label: 'GraphML (yEd, NetworkX)' },
  { format: 'gexf', label: 'GEXF (Gephi)' },
  { format: 'cytoscape', label: 'Cytoscape.js JSON' },
  { format: 'csv', label: 'CSV (zip)' },
  { format: 'nquads', label: 'N-Quads' },
  { format: 'jsonld', label: 'JSON-LD' },
  { format: 'trig', label: 'TriG' },
];

/** The shortest paths between two entities, as an export selects them. */
export interface PathSelection {
  from: string;
  to: string;
  predicates: string[];
}

/** The URL of GET /export for what `subgraph` gives: same roots, depth, filters, node limit. */
export function exportURL(format: string, s: Selection): string {
  // Without roots the export is the whole graph, and takes no depth.
  const q = new URLSearchParams({ format });
  if (s.roots.length) {
    q.set('roots', s.roots.join(','));
    q.set('depth', String(s.depth));
  }
  q.set('maxNodes', String(MAX_NODES));
  if (s.predicates.length) q.set('predicates', s.predicates.join(','));
  if (s.kinds.length) q.set('kinds', s.kinds.join(','));
  return exportHref(q);
}

/** The URL of GET /export for what `path` gives: the shortest paths between two entities. */
export function exportPathsURL(format: string, p: PathSelection): string {
  const q = new URLSearchParams({ format, from: p.from, to: p.to, maxHops: String(MAX_HOPS) });
  if (p.predicates.length) q.set('predicates', p.predicates.join(','));
  return exportHref(q);
}

function exportHref(q: URLSearchParams): string {
  return new URL(`export?${q.toString().replace(/%2C/g, ',')}`, document.baseURI).href;
}
