/** A pending local change: settle() once the server saved it (optionally as the server answered), cancel() if it failed. */
export interface PendingChange<T> {
  settle: (saved?: (value: T) => T) => void;
  cancel: () => void;
}

interface Change<T> {
  apply: (value: T) => T;
  /** Clock value when the server had it; undefined while in flight. */
  savedAt?: number;
}

/**
 * The latest server snapshot with local changes replayed on top, so that a load answered before
 * a change reached the server cannot undo it on screen. Loads are numbered as they start; a change
 * is replayed over every snapshot from a load that started before the change was saved, and a
 * snapshot from a load older than the one shown is dropped. Changes must be idempotent: they are
 * replayed on snapshots that may already contain them.
 */
export class Overlay<T> {
  private clock = 0;
  private snapshot: T;
  private snapshotLoad = 0;
  private changes: Change<T>[] = [];

  constructor(initial: T) {
    this.snapshot = initial;
  }

  /** The snapshot with every change it may lack applied, oldest change first. */
  get value(): T {
    return this.changes.reduce((value, change) => change.apply(value), this.snapshot);
  }

  /** Numbers a load as it starts; hand the number to loaded() with its answer. */
  startLoad(): number {
    return ++this.clock;
  }

  /** Takes a load's answer; returns false (and ignores it) when a later-started load's answer is already shown. */
  loaded(load: number, snapshot: T): boolean {
    if (load < this.snapshotLoad) return false;
    this.snapshot = snapshot;
    this.snapshotLoad = load;
    this.changes = this.changes.filter((c) => c.savedAt === undefined || c.savedAt > load);
    return true;
  }

  /** A change the server already has (or a purely local one). */
  apply(change: (value: T) => T): void {
    this.begin(change).settle();
  }

  /** An optimistic change, shown at once and kept over every snapshot until it settles or is cancelled. */
  begin(change: (value: T) => T): PendingChange<T> {
    const entry: Change<T> = { apply: change };
    this.changes.push(entry);
    return {
      settle: (saved = change) => {
        entry.apply = saved;
        entry.savedAt = ++this.clock;
      },
      cancel: () => {
        this.changes = this.changes.filter((c) => c !== entry);
      },
    };
  }
}
