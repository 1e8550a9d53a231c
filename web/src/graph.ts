// The graph drawn with Cytoscape.js: nodes coloured and shaped by kind,
// edges labelled by predicate. A click on a node expands it, a double click
// re-roots the view on it, a click on an edge asks for its evidence.
import cytoscape, { type Core, type ElementDefinition, type StylesheetJson } from 'cytoscape';
import type { Graph } from './api';
import { LOOKS } from './kinds';

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

const style: StylesheetJson = [
  {
    selector: 'node',
    style: {
      label: 'data(name)',
      'background-color': 'data(colour)',
      shape: 'data(shape)' as never, // a per-node shape from the kind
      width: 'mapData(degree, 1, 30, 30, 70)',
      height: 'mapData(degree, 1, 30, 30, 70)',
      'border-width': 1,
      'border-color': '#333',
      'font-size': 13,
      'text-valign': 'bottom',
      'text-margin-y': 4,
      'text-wrap': 'ellipsis',
      'text-max-width': '150px',
      'text-outline-color': '#fff',
      'text-outline-width': 2,
      color: '#111',
    },
  },
  { selector: 'node.root', style: { 'border-width': 4, 'border-color': '#111', 'font-weight': 'bold' } },
  { selector: 'node:selected', style: { 'border-width': 4, 'border-color': '#e6550d', 'overlay-opacity': 0 } },
  {
    selector: 'edge',
    style: {
      label: 'data(label)',
      width: 'mapData(evidenceCount, 1, 5, 1.2, 4)',
      'line-color': '#999',
      'target-arrow-color': '#999',
      'target-arrow-shape': 'triangle',
      'curve-style': 'bezier',
      'font-size': 10,
      color: '#444',
      'text-rotation': 'autorotate',
      'text-background-color': '#fff',
      'text-background-opacity': 0.85,
      'text-background-padding': '1px',
      'min-zoomed-font-size': 6,
    },
  },
  // How firmly the text holds an edge: solid for what it states or recalls,
  // dotted for what it asks or requires, dashed for what is only to come,
  // possible or conditional.
  { selector: 'edge[modality = "REQUESTED"], edge[modality = "OBLIGATION"]', style: { 'line-style': 'dotted' } },
  { selector: 'edge[modality = "FUTURE"], edge[modality = "POSSIBLE"], edge[modality = "CONDITIONAL"]', style: { 'line-style': 'dashed', 'line-dash-pattern': [6, 4] } },
  { selector: 'edge.path', style: { 'line-color': '#e6550d', 'target-arrow-color': '#e6550d', width: 3 } },
  { selector: 'edge:selected', style: { 'line-color': '#e6550d', 'target-arrow-color': '#e6550d', width: 4, color: '#000' } },
];

export class GraphView {
  readonly cy: Core;

  constructor(container: HTMLElement, events: GraphEvents) {
    holdCytoscapeStylePlace();
    this.cy = cytoscape({ container, style, minZoom: 0.2, maxZoom: 3, boxSelectionEnabled: false });
    // `onetap` waits to know a click is not the first of a double click, so
    // that a double click only re-roots.
    this.cy.on('onetap', 'node', (e) => events.onNodeClick(e.target.id() as string));
    this.cy.on('dbltap', 'node', (e) => events.onNodeDoubleClick(e.target.id() as string));
    this.cy.on('tap', 'edge', (e) => events.onEdgeClick(e.target.id() as string));
  }

  /**
   * Draws a graph. Nodes already on screen keep their place and new ones
   * start beside a neighbour, so expanding a node does not reshuffle the view.
   */
  show(g: Graph, opts: { roots: string[]; labels: Map<string, string>; pathEdges?: Set<string>; selected: string | null }): void {
    const cy = this.cy;
    // the page around may have moved or resized the container since the last
    // draw; Cytoscape only notices after a debounce, too late for this fit
    cy.resize();
    const keep = new Set([...g.nodes.map((n) => n.id), ...g.edges.map((e) => e.id)]);
    const fresh = cy.elements().length === 0;
    cy.batch(() => {
      cy.elements().filter((el) => !keep.has(el.id())).remove();
      const added: ElementDefinition[] = [];
      for (const n of g.nodes) {
        const data = { id: n.id, name: n.name, kind: n.kind, degree: n.degree, colour: LOOKS[n.kind].colour, shape: LOOKS[n.kind].shape };
        const existing = cy.getElementById(n.id);
        if (existing.nonempty()) existing.data(data);
        else added.push({ group: 'nodes', data, position: this.startingPoint(n.id, g) });
      }
      for (const e of g.edges) {
        if (cy.getElementById(e.id).nonempty()) continue;
        const label = opts.labels.get(e.predicate) ?? e.predicate;
        added.push({ group: 'edges', data: { id: e.id, source: e.source, target: e.target, label, evidenceCount: e.evidenceCount, modality: e.modality ?? 'STATED' } });
      }
      cy.add(added);
      cy.nodes().removeClass('root');
      for (const r of opts.roots) cy.getElementById(r).addClass('root');
      cy.edges().removeClass('path');
      for (const id of opts.pathEdges ?? []) cy.getElementById(id).addClass('path');
      cy.elements().unselect();
      if (opts.selected) cy.getElementById(opts.selected).select();
    });
    if (fresh) {
      // concentric rings around the roots first: a deterministic start for the force layout
      cy.layout({ name: 'concentric', concentric: (n) => (opts.roots.includes(n.id()) ? 2 : 1), levelWidth: () => 1, animate: false }).run();
    }
    cy.layout({ name: 'cose', randomize: false, animate: false, nodeDimensionsIncludeLabels: true, idealEdgeLength: () => 100, nodeRepulsion: () => 400000, gravity: 0.25, numIter: 2000 }).run();
    cy.fit(undefined, 30);
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

  /** A point beside an already placed neighbour, or the centre. */
  private startingPoint(id: string, g: Graph): { x: number; y: number } {
    for (const e of g.edges) {
      const other = e.source === id ? e.target : e.target === id ? e.source : null;
      const placed = other ? this.cy.getElementById(other) : null;
      if (placed?.nonempty()) {
        const p = placed.position();
        // spread the newcomers around their neighbour, deterministically
        const a = (hash(id) % 360) * (Math.PI / 180);
        return { x: p.x + 80 * Math.cos(a), y: p.y + 80 * Math.sin(a) };
      }
    }
    return { x: 0, y: 0 };
  }

  png(): Blob {
    return this.cy.png({ output: 'blob', full: true, scale: 2, bg: '#ffffff' });
  }

  resize(): void {
    this.cy.resize();
    this.cy.fit(undefined, 30);
  }
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return Math.abs(h);
}
