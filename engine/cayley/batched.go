package cayley

// Batched marks the reader as one that asks a store for its answers: the
// API gathers a response level's lookups into one call (engine.Batched).
func (r *Reader) Batched() {}
