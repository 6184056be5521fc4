import { describe, expect, it } from 'vitest';
import { Overlay } from './overlay';

type Doc = Record<string, string>;
const set = (key: string, value: string) => (d: Doc) => ({ ...d, [key]: value });

describe('Overlay', () => {
  it('replays a saved change over the answer of a load that started before it', () => {
    const o = new Overlay<Doc>({ title: 'old' });
    const load = o.startLoad();
    o.apply(set('title', 'new'));
    expect(o.loaded(load, { title: 'old', other: 'fresh' })).toBe(true);
    expect(o.value).toEqual({ title: 'new', other: 'fresh' });
  });

  it('forgets a change once a load started after it was saved has answered', () => {
    const o = new Overlay<Doc>({ title: 'old' });
    o.apply(set('title', 'new'));
    o.loaded(o.startLoad(), { title: 'renamed elsewhere' });
    expect(o.value).toEqual({ title: 'renamed elsewhere' });
  });

  it('keeps an optimistic change over every answer until it settles, then as saved', () => {
    const o = new Overlay<Doc>({ title: 'old' });
    const change = o.begin(set('title', 'new '));
    const during = o.startLoad();
    o.loaded(during, { title: 'old' });
    expect(o.value).toEqual({ title: 'new ' });
    change.settle(set('title', 'new'));
    expect(o.value).toEqual({ title: 'new' });
    o.loaded(o.startLoad(), { title: 'new' });
    expect(o.value).toEqual({ title: 'new' });
  });

  it('drops a cancelled change', () => {
    const o = new Overlay<Doc>({ title: 'old' });
    o.begin(set('title', 'new')).cancel();
    expect(o.value).toEqual({ title: 'old' });
  });

  it('drops an answer older than the one shown', () => {
    const o = new Overlay<Doc>({});
    const first = o.startLoad();
    const second = o.startLoad();
    expect(o.loaded(second, { title: 'newer' })).toBe(true);
    expect(o.loaded(first, { title: 'older' })).toBe(false);
    expect(o.value).toEqual({ title: 'newer' });
  });

  it('applies changes in the order they were made, whatever order they settle in', () => {
    const o = new Overlay<Doc>({});
    const first = o.begin(set('title', 'a'));
    const second = o.begin(set('title', 'b'));
    second.settle();
    first.settle();
    expect(o.value).toEqual({ title: 'b' });
  });
});
