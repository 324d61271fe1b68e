//go:build race

package handle

// raceEnabled reports whether the race detector is on; it changes what
// allocates.
const raceEnabled = true
