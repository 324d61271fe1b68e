//go:build !race && !cellar_checks

package engine

// checksEnabled reports whether this build checks the engine as it runs
// (see checks_on.go); this one does not, and every check is a no-op the
// compiler removes.
const checksEnabled = false

var checks checkState

type checkState struct{}

func (checkState) skipFastPath() bool            { return false }
func (checkState) readOutsideTask(*Engine) error { return nil }
func (checkState) enterTask(*Engine)             {}
func (checkState) exitTask(*Engine)              {}
