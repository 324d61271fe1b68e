package cellar

// CheckInvariants reports every problem the engine's invariant checker finds
// in e's graph (see internal/engine/invariants.go), for tests.
func CheckInvariants(e *Engine) error { return e.core.CheckInvariants() }
