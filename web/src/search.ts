// A search box that suggests entities as one types (the `search` query),
// built as a WAI-ARIA combobox: arrow keys move through the suggestions,
// Enter picks one, Escape closes the list.
import { search, type Entity, type Kind } from './api';
import { LOOKS, swatch } from './kinds';

export interface Suggestion extends Entity {
  description: string;
}

export interface ComboboxOptions {
  kinds: () => Kind[]; // the kinds to search in; empty: all
  onPick: (s: Suggestion) => void;
}

export class Combobox {
  /** The id of the entity last picked, cleared when the text changes. */
  picked: string | null = null;
  private suggestions: Suggestion[] = [];
  private active = -1;
  private timer = 0;
  private pending: AbortController | null = null;

  constructor(readonly input: HTMLInputElement, private readonly list: HTMLUListElement, private readonly opts: ComboboxOptions) {
    input.addEventListener('input', () => {
      this.picked = null;
      window.clearTimeout(this.timer);
      this.timer = window.setTimeout(() => void this.suggest(), 120);
    });
    input.addEventListener('keydown', (e) => this.onKey(e));
    input.addEventListener('blur', () => this.close());
    // mousedown, not click: a click would blur the input and close the list first
    list.addEventListener('mousedown', (e) => {
      const li = (e.target as Element).closest('li');
      if (!li) return;
      e.preventDefault();
      this.pick(Number(li.dataset.index));
    });
  }

  /** Shows an entity as chosen without searching. */
  set(id: string | null, name: string): void {
    this.input.value = name;
    this.picked = id;
  }

  /** Searches again, for example when the kind to search in changes. */
  refresh(): void {
    if (this.input.value.trim() && document.activeElement === this.input) void this.suggest();
  }

  private async suggest(): Promise<void> {
    const text = this.input.value.trim();
    this.pending?.abort();
    if (!text) return this.close();
    const pending = (this.pending = new AbortController());
    try {
      const found = await search(text, this.opts.kinds(), pending.signal);
      if (pending.signal.aborted) return;
      this.show(found);
    } catch (err) {
      if (!pending.signal.aborted) console.error('search:', err);
    }
  }

  private show(found: Suggestion[]): void {
    this.suggestions = found;
    this.active = -1;
    this.list.replaceChildren(
      ...found.map((s, i) => {
        const li = document.createElement('li');
        li.id = `${this.list.id}-${i}`;
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', 'false');
        li.dataset.index = String(i);
        li.dataset.id = s.id;
        li.title = s.description;
        const name = document.createElement('span');
        name.textContent = s.name;
        const kind = document.createElement('small');
        kind.textContent = LOOKS[s.kind].label;
        li.append(swatch(s.kind), name, kind);
        return li;
      }),
    );
    if (!found.length) {
      const li = document.createElement('li');
      li.className = 'empty';
      li.textContent = 'No entity matches.';
      this.list.append(li);
    }
    this.list.hidden = false;
    this.input.setAttribute('aria-expanded', 'true');
  }

  private close(): void {
    this.list.hidden = true;
    this.input.setAttribute('aria-expanded', 'false');
    this.input.removeAttribute('aria-activedescendant');
    this.active = -1;
  }

  private move(to: number): void {
    const n = this.suggestions.length;
    if (!n) return;
    this.active = (to + n) % n;
    this.list.querySelectorAll('[role=option]').forEach((li, i) => li.setAttribute('aria-selected', String(i === this.active)));
    const li = this.list.children[this.active];
    if (li) {
      this.input.setAttribute('aria-activedescendant', li.id);
      li.scrollIntoView({ block: 'nearest' });
    }
  }

  private onKey(e: KeyboardEvent): void {
    const open = !this.list.hidden;
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        if (open) this.move(this.active + 1);
        else void this.suggest();
        break;
      case 'ArrowUp':
        e.preventDefault();
        if (open) this.move(this.active - 1);
        break;
      case 'Enter':
        e.preventDefault(); // never submit the form
        if (open && this.suggestions.length) this.pick(Math.max(this.active, 0));
        break;
      case 'Escape':
        if (open) {
          e.preventDefault();
          this.close();
        }
        break;
    }
  }

  private pick(i: number): void {
    const s = this.suggestions[i];
    if (!s) return;
    this.set(s.id, s.name);
    this.close();
    this.opts.onPick(s);
  }
}
