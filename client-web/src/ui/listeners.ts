// A set of callbacks with an unsubscribe handle: how contexts tell views that
// the document or the people in the room changed.
export class Listeners<T = void> {
  private readonly set = new Set<(value: T) => void>();

  /** Adds a listener; the returned function removes it. */
  add(listener: (value: T) => void): () => void {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }

  emit(value: T): void {
    for (const listener of this.set) listener(value);
  }

  get size(): number {
    return this.set.size;
  }
}
