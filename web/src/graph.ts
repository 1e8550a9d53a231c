// The graph drawn with Cytoscape.js: nodes coloured and shaped by kind and
// sized by degree, edges labelled by predicate and styled by how firmly the
// text holds them. A click on a node expands it, a double click re-roots the
// view on it, a click on (or near) an edge asks for its evidence.
import cytoscape, { type Core, type EdgeSingular, type ElementDefinition, type NodeSingular, type Position, type StylesheetJson } from 'cytoscape';
import fcose, { type FcoseLayoutOptions } from 'cytoscape-fcose';
import type { Graph } from './api';
import { LOOKS } from './kinds';

cytoscape.use(fcose);

export interface GraphEvents {
  onNodeClick: (id: string) => void;
  onNodeDoubleClick: (id: string) => void;
  onEdgeClick: (id: string) => void;
}

// Cytoscape puts a one-line <style> in <head> unless an element with this id
// exists. Under a Content-Security-Policy without 'unsafe-inline' that style
// is refused (and reported), so we hold the place; explore.css gives the
// container the `position: relative` that style would have set.
function holdCytoscapeStylePlace(): void {
  const id = '__________cytoscape_stylesheet';
  if (document.getElementById(id)) return;
  const meta = document.createElement('meta');
  meta.id = id;
  document.head.prepend(meta);
}

/** The colour of implied relations: lighter than any stated line. */
export const IMPLIED_COLOUR = '#c6c6c6';

const style: StylesheetJson = [
  {
    selector: 'node',
    style: {
      label: 'data(name)',
      'background-color': 'data(colour)',
      shape: 'data(shape)' as never, // a per-node shape from the kind
      width: 'mapData(degree, 1, 50, 18, 60)',
      height: 'mapData(degree, 1, 50, 18, 60)',
      'border-width': 1,
      'border-color': '#333',
      'text-valign': 'bottom',
      'text-wrap': 'ellipsis',
      'text-outline-color': '#fff',
      color: '#111',
    },
  },
  // drawn last, so that no other node covers a root's label
  { selector: 'node.root', style: { 'border-width': 4, 'border-color': '#111', 'font-weight': 'bold', 'z-index': 10 } },
  { selector: 'node:selected', style: { 'border-width': 4, 'border-color': '#e6550d', 'overlay-opacity': 0 } },
  {
    selector: 'edge',
    style: {
      // no label until placeLabels gives one: measuring 600 labels would
      // cost the first draw of a large view about as much as its layout
      label: '',
      width: 'mapData(evidenceCount, 1, 5, 1.2, 4)',
      'line-color': '#8c8c8c',
      'target-arrow-color': '#8c8c8c',
      'target-arrow-shape': 'triangle',
      'curve-style': 'bezier',
      color: '#444',
      // horizontal, not along the line: a rotated label takes a much larger box from its neighbours
      'text-rotation': 'none',
      'text-background-color': '#fff',
      'text-background-opacity': 0.85,
      'text-background-padding': '1px',
      // the grey halo a press shows: as wide as the band a click hits (onBackgroundTap)
      'overlay-padding': 6,
    },
  },
  // How firmly the text holds an edge: solid for what it states or recalls,
  // dotted for what it asks or requires, dashed for what is only to come,
  // possible or conditional.
  { selector: 'edge[modality = "REQUESTED"], edge[modality = "OBLIGATION"]', style: { 'line-style': 'dotted' } },
  { selector: 'edge[modality = "FUTURE"], edge[modality = "POSSIBLE"], edge[modality = "CONDITIONAL"]', style: { 'line-style': 'dashed', 'line-dash-pattern': [6, 4] } },
  // Implied relations, whatever their modality: light and thin.
  { selector: 'edge[?implied]', style: { 'line-color': IMPLIED_COLOUR, 'target-arrow-color': IMPLIED_COLOUR, width: 1, 'arrow-scale': 0.8, color: '#777' } },
  { selector: 'edge.labelled', style: { label: 'data(label)' } },
  { selector: 'edge.path', style: { 'line-color': '#e6550d', 'target-arrow-color': '#e6550d', width: 3 } },
  { selector: 'edge:selected', style: { 'line-color': '#e6550d', 'target-arrow-color': '#e6550d', width: 4, color: '#000' } },
  // node labels placeLabels hides (measured, not drawn)
  { selector: '.nolabel', style: { 'text-opacity': 0, 'text-background-opacity': 0 } },
];

/** How far from an edge (in screen pixels) a click still selects it. */
const EDGE_HIT_PX = 14;

/** Below this many edges in view, every edge's label competes for a place. */
const FEW_EDGES = 60;

interface Box {
  x1: number;
  x2: number;
  y1: number;
  y2: number;
}

const LABEL_BOX = { includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false } as const;

export class GraphView {
  readonly cy: Core;
  private readonly container: HTMLElement;
  private labelTimer = 0;

  constructor(container: HTMLElement, events: GraphEvents) {
    holdCytoscapeStylePlace();
    this.container = container;
    this.cy = cytoscape({ container, style, minZoom: 0.1, maxZoom: 4, boxSelectionEnabled: false });
    // `onetap` waits to know a click is not the first of a double click, so
    // that a double click only re-roots.
    this.cy.on('onetap', 'node', (e) => events.onNodeClick(e.target.id() as string));
    this.cy.on('dbltap', 'node', (e) => events.onNodeDoubleClick(e.target.id() as string));
    this.cy.on('tap', 'edge', (e) => events.onEdgeClick(e.target.id() as string));
    this.cy.on('tap', (e) => {
      if (e.target !== this.cy) return;
      const near = this.edgeNear(e.position);
      if (near) events.onEdgeClick(near);
    });
    // labels are placed for one viewport and one selection: redo them after a change
    this.cy.on('viewport resize select unselect', () => this.scheduleLabels());
  }

  /**
   * Draws a graph. Nodes already on screen stay exactly where they are and
   * new ones start beside a neighbour and settle around them, so expanding a
   * node does not reshuffle the view.
   */
  show(g: Graph, opts: { roots: string[]; labels: Map<string, string>; pathEdges?: Set<string>; selected: string | null }): void {
    const cy = this.cy;
    // the page around may have moved or resized the container since the last
    // draw; Cytoscape only notices after a debounce, too late for this fit
    cy.resize();
    const keep = new Set([...g.nodes.map((n) => n.id), ...g.edges.map((e) => e.id)]);
    const placed = new Map<string, Position>();
    let added = 0;
    performance.mark('explorer:add-start');
    cy.batch(() => {
      cy.elements().filter((el) => !keep.has(el.id())).remove();
      cy.nodes().forEach((n) => {
        placed.set(n.id(), { ...n.position() });
      });
      const fresh: ElementDefinition[] = [];
      const around = new Map<string, string[]>();
      const link = (a: string, b: string) => {
        const list = around.get(a);
        if (list) list.push(b);
        else around.set(a, [b]);
      };
      for (const e of g.edges) {
        link(e.source, e.target);
        link(e.target, e.source);
      }
      for (const n of g.nodes) {
        const data = { id: n.id, name: n.name, kind: n.kind, degree: n.degree, colour: LOOKS[n.kind].colour, shape: LOOKS[n.kind].shape };
        const existing = cy.getElementById(n.id);
        if (existing.nonempty()) existing.data(data);
        else fresh.push({ group: 'nodes', data, position: this.startingPoint(n.id, around.get(n.id) ?? [], fresh.length) });
      }
      added = fresh.length;
      for (const e of g.edges) {
        if (cy.getElementById(e.id).nonempty()) continue;
        const label = opts.labels.get(e.predicate) ?? e.predicate;
        fresh.push({ group: 'edges', data: { id: e.id, source: e.source, target: e.target, label, evidenceCount: e.evidenceCount, modality: e.modality ?? 'STATED', implied: e.implied } });
      }
      cy.add(fresh);
      cy.nodes().removeClass('root');
      for (const r of opts.roots) cy.getElementById(r).addClass('root');
      cy.edges().removeClass('path');
      for (const id of opts.pathEdges ?? []) cy.getElementById(id).addClass('path');
      cy.elements().unselect();
      if (opts.selected) cy.getElementById(opts.selected).select();
    });
    performance.measure('explorer:add', 'explorer:add-start');
    performance.mark('explorer:layout-start');
    if (added > 0) this.layout(placed);
    performance.measure('explorer:layout', 'explorer:layout-start');
    cy.fit(undefined, 30);
    performance.mark('explorer:labels-start');
    this.placeLabels();
    performance.measure('explorer:labels', 'explorer:labels-start');
  }

  /**
   * fCoSE: a spectral start then a force-directed polish, quick enough for
   * 300 nodes. On a first draw it places everything; after that the nodes
   * already placed are fixed and only the newcomers move.
   */
  private layout(placed: Map<string, Position>): void {
    const fixed = [...placed].map(([nodeId, position]) => ({ nodeId, position }));
    const options: FcoseLayoutOptions = {
      name: 'fcose',
      animate: false,
      fit: false,
      randomize: fixed.length === 0,
      // without a random start fCoSE wants its slower cooling
      quality: fixed.length === 0 ? 'default' : 'proof',
      nodeDimensionsIncludeLabels: false,
      uniformNodeDimensions: false,
      packComponents: false,
      nodeRepulsion: () => 20000,
      idealEdgeLength: () => 90,
      edgeElasticity: () => 0.45,
      nestingFactor: 0.1,
      gravity: 0.3,
      gravityRange: 3.8,
      // fCoSE's spectral start is already close: a polish from less energy
      // settles in about two thirds of the time, with the same picture
      initialEnergyOnIncremental: 0.15,
      numIter: 1000, // fCoSE's default is 2500; the EU at depth 2 settles well before 1000
      tile: true,
      ...(fixed.length ? { fixedNodeConstraint: fixed } : {}),
    };
    // the same view draws the same picture each time (a shared link, a
    // screenshot, a test): fCoSE's random start comes from a seeded stream
    const seed = hash(this.cy.nodes().map((n) => n.id()).sort().join(' '));
    seeded(seed, () => this.cy.layout(options).run());
    this.cy.batch(() => {
      // fCoSE meets a fixed-node constraint up to rounding: put them back exactly
      for (const [id, p] of placed) this.cy.getElementById(id).position(p);
    });
  }

  private scheduleLabels(): void {
    this.container.dataset.labels = 'pending';
    window.clearTimeout(this.labelTimer);
    this.labelTimer = window.setTimeout(() => this.placeLabels(), 80);
  }

  /**
   * Shows the labels that fit: a legible size whatever the zoom, then
   * greedily the roots, the selection and the path first, then nodes by
   * degree and edges by evidence, each only where it overlaps no label
   * already shown (nor a root). Zooming in makes room for more.
   */
  placeLabels(): void {
    window.clearTimeout(this.labelTimer);
    const cy = this.cy;
    // zoomed out, the labels grow in the model so that they keep 12 px on screen
    const k = 1 / Math.min(cy.zoom(), 1);
    const view = { x1: 0, y1: 0, x2: cy.width(), y2: cy.height() };
    const selected = cy.$(':selected');
    const near = selected.nodes().connectedEdges();
    // the roots and the selected node keep their label whatever it covers;
    // the selected edge and a path's edges come next, and give way to them
    const forced = (el: NodeSingular | EdgeSingular) => el.isNode() && (el.hasClass('root') || el.selected());
    const first = (el: EdgeSingular) => el.selected() || el.hasClass('path');
    const edgesCompete = cy.edges().length <= FEW_EDGES || cy.zoom() >= 1;
    const byId = (a: { id(): string }, b: { id(): string }) => (a.id() < b.id() ? -1 : 1);
    const nodes = cy.nodes().toArray().sort((a, b) => b.data('degree') - a.data('degree') || byId(a, b));
    const edges = cy.edges().toArray()
      .filter((e) => first(e) || near.contains(e) || edgesCompete)
      .sort((a, b) => Number(first(b)) - Number(first(a)) || Number(near.contains(b)) - Number(near.contains(a)) || b.data('evidenceCount') - a.data('evidenceCount') || byId(a, b));
    const all = [...nodes, ...edges];
    const show = new Set<string>();
    cy.batch(() => {
      cy.nodes().style({ 'font-size': 12 * k, 'text-max-width': `${150 * k}px`, 'text-outline-width': 2 * k, ...BELOW(k) });
      cy.edges().style({ 'font-size': 10 * k, 'text-background-padding': `${k}px` });
      cy.nodes().removeClass('nolabel'); // measured as shown
      cy.edges().removeClass('labelled');
      for (const e of edges) e.addClass('labelled');
    });
    // No label covers a root or the selected node either. Each label is
    // measured once, where it sits by default; its other places are worked
    // out from that box, since restyling an element to measure it again
    // costs about as much as the layout on a large view.
    const z = cy.zoom();
    const shown: Box[] = [];
    for (const n of nodes.filter(forced)) shown.push(n.renderedBoundingBox(NODE_BOX));
    const free = (b: Box) => !shown.some((s) => overlaps(s, b, MARGIN_PX));
    const moved = new Map<NodeSingular, Place>();
    // the selection first, then the roots by degree
    const mustShow = all.filter(forced).sort((a, b) => Number(b.selected()) - Number(a.selected()));
    for (const el of [...mustShow, ...all.filter((el) => !forced(el))]) {
      const b = el.renderedBoundingBox(LABEL_BOX);
      if (!(b.w > 0)) continue;
      if (!forced(el) && !overlaps(b, view)) continue;
      const places = el.isNode() ? placesAround(el.renderedBoundingBox(NODE_BOX), b, k, z, forced(el)) : [{ box: b }];
      let place = places.find((p) => free(p.box));
      if (!place) {
        if (!forced(el)) continue;
        place = places[0]!; // a root's label shows, over another if nothing within four lines is free
      }
      shown.push(place.box);
      show.add(el.id());
      if (place.style && el.isNode()) moved.set(el, place.style);
    }
    cy.batch(() => {
      for (const [n, style] of moved) n.style(style);
      cy.nodes().forEach((n) => {
        if (!show.has(n.id())) n.addClass('nolabel');
      });
      for (const e of edges) if (!show.has(e.id())) e.removeClass('labelled');
    });
    // The boxes were worked out, not measured where they went: check them
    // as drawn, and hide a label that a rounding made touch an earlier one.
    const kept: Box[] = [];
    const touching: (NodeSingular | EdgeSingular)[] = [];
    for (const el of [...mustShow, ...all.filter((el) => !forced(el))]) {
      if (!show.has(el.id())) continue;
      const b = el.renderedBoundingBox(LABEL_BOX);
      if (!forced(el) && kept.some((s) => overlaps(s, b))) touching.push(el);
      else kept.push(b);
    }
    cy.batch(() => {
      for (const el of touching) {
        if (el.isNode()) el.addClass('nolabel');
        else el.removeClass('labelled');
      }
    });
    this.container.dataset.labels = 'placed';
  }

  /**
   * Resolves once Cytoscape has painted the last change: only then do its
   * hit tests (what a click lands on) know where the elements are.
   */
  painted(): Promise<void> {
    return new Promise((resolve) => {
      this.cy.one('render', () => resolve());
      window.setTimeout(resolve, 1000); // nothing changed, so no paint is coming
    });
  }

  clear(): void {
    this.cy.elements().remove();
  }

  /**
   * The edge within EDGE_HIT_PX of a point (model coordinates) that missed
   * everything: Cytoscape's own hit band is a few pixels around a line, too
   * thin to click a 1 px edge without care.
   */
  private edgeNear(p: Position): string | null {
    const limit = EDGE_HIT_PX / this.cy.zoom();
    let best: string | null = null;
    let bestDist = limit;
    this.cy.edges().forEach((e) => {
      const d = distanceToEdge(p, e);
      if (d < bestDist) {
        best = e.id();
        bestDist = d;
      }
    });
    return best;
  }

  /**
   * A point beside an already placed neighbour, or on a spiral around the
   * centre (the i-th newcomer): nodes on one point make edges Cytoscape
   * cannot draw, and it warns of each while the layout measures them.
   */
  private startingPoint(id: string, neighbours: string[], i: number): Position {
    for (const other of neighbours) {
      const placed = this.cy.getElementById(other);
      if (placed.nonempty()) {
        const p = placed.position();
        // spread the newcomers around their neighbour, deterministically
        const a = (hash(id) % 360) * (Math.PI / 180);
        return { x: p.x + 80 * Math.cos(a), y: p.y + 80 * Math.sin(a) };
      }
    }
    return { x: 20 * Math.sqrt(i) * Math.cos(i * 2.4), y: 20 * Math.sqrt(i) * Math.sin(i * 2.4) };
  }

  png(): Blob {
    return this.cy.png({ output: 'blob', full: true, scale: 2, bg: '#ffffff' });
  }

  resize(): void {
    this.cy.resize();
    this.cy.fit(undefined, 30);
    this.placeLabels();
  }
}

type Place = Record<string, string | number>;

/** How far apart (in screen pixels) labels are kept, against rounding. */
const MARGIN_PX = 1;

const NODE_BOX = { includeLabels: false, includeOverlays: false } as const;

// A node's label below it (its default place), at label scale k.
const BELOW = (k: number): Place => ({ 'text-valign': 'bottom', 'text-halign': 'center', 'text-margin-y': 3 * k, 'text-margin-x': 0 });

/**
 * The places a node's label may take, best first, with the rendered box it
 * would have in each: below the node (where it was measured, box `below`),
 * above, right, left; and for a label that must show, one to four lines
 * below or above, then beside a line higher or lower. Zoom z turns the
 * model's margins into screen pixels.
 */
function placesAround(node: Box, below: Box, k: number, z: number, must: boolean): { box: Box; style?: Place }[] {
  const w = below.x2 - below.x1, h = below.y2 - below.y1;
  const gap = below.y1 - node.y2; // the label's distance from the node, as drawn
  const mid = (node.y1 + node.y2) / 2;
  const at = (x1: number, y1: number): Box => ({ x1, y1, x2: x1 + w, y2: y1 + h });
  const above = at(below.x1, node.y1 - gap - h);
  const right = node.x2 + gap + k * z, left = node.x1 - gap - k * z - w;
  const places: { box: Box; style?: Place }[] = [
    { box: below },
    { box: above, style: { 'text-valign': 'top', 'text-halign': 'center', 'text-margin-y': -3 * k, 'text-margin-x': 0 } },
    { box: at(right, mid - h / 2), style: { 'text-valign': 'center', 'text-halign': 'right', 'text-margin-y': 0, 'text-margin-x': 4 * k } },
    { box: at(left, mid - h / 2), style: { 'text-valign': 'center', 'text-halign': 'left', 'text-margin-y': 0, 'text-margin-x': -4 * k } },
  ];
  if (!must) return places;
  const line = h / z + 2 * k; // one line, in the model
  for (let j = 1; j <= 4; j++) {
    places.push({ box: at(below.x1, below.y1 + j * line * z), style: { ...BELOW(k), 'text-margin-y': 3 * k + j * line } });
    places.push({ box: at(below.x1, above.y1 - j * line * z), style: { 'text-valign': 'top', 'text-halign': 'center', 'text-margin-y': -3 * k - j * line, 'text-margin-x': 0 } });
  }
  for (const dy of [-line, line]) {
    places.push({ box: at(right, mid - h / 2 + dy * z), style: { 'text-valign': 'center', 'text-halign': 'right', 'text-margin-y': dy, 'text-margin-x': 4 * k } });
    places.push({ box: at(left, mid - h / 2 + dy * z), style: { 'text-valign': 'center', 'text-halign': 'left', 'text-margin-y': dy, 'text-margin-x': -4 * k } });
  }
  return places;
}

function overlaps(a: Box, b: Box, margin = 0): boolean {
  return a.x1 < b.x2 + margin && b.x1 < a.x2 + margin && a.y1 < b.y2 + margin && b.y1 < a.y2 + margin;
}

/** The distance from a point to an edge as drawn: a line, or a curve through its control points. */
function distanceToEdge(p: Position, e: EdgeSingular): number {
  const s = e.sourceEndpoint();
  const t = e.targetEndpoint();
  const controls = e.controlPoints() ?? [];
  const points: Position[] = [s];
  if (controls.length === 1) {
    // one control point: a quadratic Bézier curve, walked in short steps
    const c = controls[0]!;
    for (let i = 1; i < 16; i++) {
      const u = i / 16;
      points.push({ x: (1 - u) ** 2 * s.x + 2 * (1 - u) * u * c.x + u ** 2 * t.x, y: (1 - u) ** 2 * s.y + 2 * (1 - u) * u * c.y + u ** 2 * t.y });
    }
  } else {
    points.push(...controls);
  }
  points.push(t);
  let d = Infinity;
  for (let i = 0; i + 1 < points.length; i++) d = Math.min(d, distanceToSegment(p, points[i]!, points[i + 1]!));
  return d;
}

function distanceToSegment(p: Position, a: Position, b: Position): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = dx * dx + dy * dy;
  const u = len === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len));
  return Math.hypot(p.x - (a.x + u * dx), p.y - (a.y + u * dy));
}

/**
 * Runs fn with Math.random drawing from a small seeded generator
 * (mulberry32), then puts Math.random back.
 */
function seeded<T>(seed: number, fn: () => T): T {
  const random = Math.random;
  let a = seed >>> 0;
  Math.random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  try {
    return fn();
  } finally {
    Math.random = random;
  }
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return Math.abs(h);
}
