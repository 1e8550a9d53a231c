// How each kind of entity looks: a colour and a shape, so that kinds stay
// apart for readers who do not see the colours (and in a grey print).
import type { Kind } from './api';

type Shape = 'ellipse' | 'round-rectangle' | 'hexagon' | 'star' | 'diamond' | 'pentagon'
  | 'triangle' | 'rectangle' | 'tag' | 'barrel' | 'vee';

export interface Look {
  label: string;
  colour: string;
  shape: Shape; // a Cytoscape.js node shape
}

export const LOOKS: Record<Kind, Look> = {
  ACTOR: { label: 'Actor', colour: '#1f77b4', shape: 'ellipse' },
  COUNTRY: { label: 'Country', colour: '#2ca02c', shape: 'round-rectangle' },
  REGION: { label: 'Region', colour: '#17becf', shape: 'hexagon' },
  PERSON: { label: 'Person', colour: '#e377c2', shape: 'star' },
  FORUM: { label: 'Forum', colour: '#ff7f0e', shape: 'diamond' },
  PARTNERSHIP: { label: 'Partnership', colour: '#d62728', shape: 'pentagon' },
  INSTRUMENT: { label: 'Instrument', colour: '#bcbd22', shape: 'triangle' },
  POLICY: { label: 'Policy', colour: '#9467bd', shape: 'rectangle' },
  COMMITMENT: { label: 'Commitment', colour: '#8c564b', shape: 'tag' },
  TOPIC: { label: 'Topic', colour: '#7f7f7f', shape: 'barrel' },
  EVENT: { label: 'Event', colour: '#393b79', shape: 'vee' },
};

// The shapes in a 20×20 box, drawn as Cytoscape.js draws them.
function regular(sides: number): string {
  const points: string[] = [];
  for (let i = 0; i < sides; i++) {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / sides;
    points.push(`${(10 + 9 * Math.cos(a)).toFixed(1)},${(10 + 9 * Math.sin(a)).toFixed(1)}`);
  }
  return points.join(' ');
}

const outlines: Record<Shape, { tag: 'circle' | 'rect' | 'polygon' | 'path'; attrs: Record<string, string> }> = {
  ellipse: { tag: 'circle', attrs: { cx: '10', cy: '10', r: '9' } },
  'round-rectangle': { tag: 'rect', attrs: { x: '1', y: '3', width: '18', height: '14', rx: '4' } },
  rectangle: { tag: 'rect', attrs: { x: '1', y: '3', width: '18', height: '14' } },
  hexagon: { tag: 'polygon', attrs: { points: '1,10 5.5,2 14.5,2 19,10 14.5,18 5.5,18' } },
  pentagon: { tag: 'polygon', attrs: { points: regular(5) } },
  star: { tag: 'polygon', attrs: { points: '10,1 12.6,7 19,7.3 14,11.5 15.6,18.5 10,14.8 4.4,18.5 6,11.5 1,7.3 7.4,7' } },
  diamond: { tag: 'polygon', attrs: { points: '10,1 19,10 10,19 1,10' } },
  triangle: { tag: 'polygon', attrs: { points: '10,1 19,18 1,18' } },
  tag: { tag: 'polygon', attrs: { points: '1,3 14,3 19,10 14,17 1,17' } },
  barrel: { tag: 'path', attrs: { d: 'M3,2 H17 Q20,10 17,18 H3 Q0,10 3,2 Z' } },
  vee: { tag: 'polygon', attrs: { points: '1,2 10,8 19,2 10,19' } },
};

/** A small picture of the kind's node, for the legend and the lists. */
export function swatch(kind: Kind): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 20 20');
  svg.setAttribute('class', 'swatch');
  svg.setAttribute('aria-hidden', 'true');
  const look = LOOKS[kind];
  const outline = outlines[look.shape];
  const el = document.createElementNS(ns, outline.tag);
  for (const [k, v] of Object.entries(outline.attrs)) el.setAttribute(k, v);
  el.setAttribute('fill', look.colour);
  el.setAttribute('stroke', '#333');
  svg.append(el);
  return svg;
}
