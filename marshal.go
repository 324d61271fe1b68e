package cellar

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/cellar-go/cellar/internal/engine"
)

// Vc handles marshal to text ("vc/1/<engine>/<task>/<slot>") and to 13
// bytes (a version byte and three little-endian uint32s), so that they can
// be stored in values that are themselves encoded, or sent to another part
// of the program. They stay valid only within the engine that made them:
// unmarshaling checks the form, and reading a handle of another engine, or
// of a task the engine does not have, fails with [ErrForeign] or
// [ErrInvalidVc], never with another task's value.

const handleVersion = 1

func appendText(b []byte, r engine.Raw) []byte {
	b = append(b, "vc/1/"...)
	b = strconv.AppendUint(b, uint64(r.Eng), 10)
	b = append(b, '/')
	b = strconv.AppendUint(b, uint64(r.Task), 10)
	b = append(b, '/')
	return strconv.AppendUint(b, uint64(r.Slot), 10)
}

func parseText(text []byte) (engine.Raw, error) {
	parts := strings.Split(string(text), "/")
	if len(parts) != 5 || parts[0] != "vc" || parts[1] != "1" {
		return engine.Raw{}, fmt.Errorf("%w: %q", ErrBadHandle, text)
	}
	var n [3]uint32
	for i, p := range parts[2:] {
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil || (len(p) > 1 && p[0] == '0') {
			return engine.Raw{}, fmt.Errorf("%w: %q", ErrBadHandle, text)
		}
		n[i] = uint32(v)
	}
	return checkForm(engine.Raw{Eng: n[0], Task: n[1], Slot: n[2]})
}

func appendBinary(b []byte, r engine.Raw) []byte {
	b = append(b, handleVersion)
	b = binary.LittleEndian.AppendUint32(b, r.Eng)
	b = binary.LittleEndian.AppendUint32(b, r.Task)
	return binary.LittleEndian.AppendUint32(b, r.Slot)
}

func parseBinary(data []byte) (engine.Raw, error) {
	if len(data) != 13 || data[0] != handleVersion {
		return engine.Raw{}, fmt.Errorf("%w: %d bytes", ErrBadHandle, len(data))
	}
	return checkForm(engine.Raw{
		Eng:  binary.LittleEndian.Uint32(data[1:]),
		Task: binary.LittleEndian.Uint32(data[5:]),
		Slot: binary.LittleEndian.Uint32(data[9:]),
	})
}

// checkForm rejects what no engine makes: a handle with a zero engine or
// task (other than the zero handle), or a reserved slot; and local outputs,
// which are never marshaled.
func checkForm(r engine.Raw) (engine.Raw, error) {
	if r.IsZero() {
		return r, nil
	}
	if r.Eng == 0 || r.Task == 0 || r.Slot == ^uint32(0) || r.IsLocal() {
		return engine.Raw{}, fmt.Errorf("%w: vc/1/%d/%d/%d", ErrBadHandle, r.Eng, r.Task, r.Slot)
	}
	return r, nil
}

// MarshalText implements encoding.TextMarshaler. A local Vc (see
// [Vc.IsLocal]) has no encoding: marshaling it fails with
// [ErrNonLocalValue].
func (v Vc[T]) MarshalText() ([]byte, error) {
	if v.r.IsLocal() {
		return nil, errLocalMarshal
	}
	return appendText(nil, v.r), nil
}

var errLocalMarshal = fmt.Errorf("%w (marshaled)", ErrNonLocalValue)

// UnmarshalText implements encoding.TextUnmarshaler.
func (v *Vc[T]) UnmarshalText(text []byte) error {
	r, err := parseText(text)
	if err == nil {
		v.r = r
	}
	return err
}

// MarshalBinary implements encoding.BinaryMarshaler. Like MarshalText, it
// fails with [ErrNonLocalValue] for a local Vc.
func (v Vc[T]) MarshalBinary() ([]byte, error) {
	if v.r.IsLocal() {
		return nil, errLocalMarshal
	}
	return appendBinary(nil, v.r), nil
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (v *Vc[T]) UnmarshalBinary(data []byte) error {
	r, err := parseBinary(data)
	if err == nil {
		v.r = r
	}
	return err
}

// MarshalText implements encoding.TextMarshaler.
func (r ResolvedVc[T]) MarshalText() ([]byte, error) { return appendText(nil, r.r), nil }

// UnmarshalText implements encoding.TextUnmarshaler. It rejects handles of
// task outputs: a ResolvedVc names a cell.
func (r *ResolvedVc[T]) UnmarshalText(text []byte) error {
	x, err := parseText(text)
	return r.set(x, err)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (r ResolvedVc[T]) MarshalBinary() ([]byte, error) { return appendBinary(nil, r.r), nil }

// UnmarshalBinary implements encoding.BinaryUnmarshaler. It rejects
// handles of task outputs: a ResolvedVc names a cell.
func (r *ResolvedVc[T]) UnmarshalBinary(data []byte) error {
	x, err := parseBinary(data)
	return r.set(x, err)
}

func (r *ResolvedVc[T]) set(x engine.Raw, err error) error {
	if err != nil {
		return err
	}
	if !x.IsZero() && !x.IsCell() {
		return fmt.Errorf("%w: a task's output is not a resolved cell", ErrBadHandle)
	}
	r.r = x
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (o OperationVc[T]) MarshalText() ([]byte, error) { return appendText(nil, o.r), nil }

// UnmarshalText implements encoding.TextUnmarshaler. It rejects handles of
// cells: an OperationVc names a task's output.
func (o *OperationVc[T]) UnmarshalText(text []byte) error {
	x, err := parseText(text)
	return o.set(x, err)
}

// MarshalBinary implements encoding.BinaryMarshaler.
func (o OperationVc[T]) MarshalBinary() ([]byte, error) { return appendBinary(nil, o.r), nil }

// UnmarshalBinary implements encoding.BinaryUnmarshaler. It rejects
// handles of cells: an OperationVc names a task's output.
func (o *OperationVc[T]) UnmarshalBinary(data []byte) error {
	x, err := parseBinary(data)
	return o.set(x, err)
}

func (o *OperationVc[T]) set(x engine.Raw, err error) error {
	if err != nil {
		return err
	}
	if x.IsCell() {
		return fmt.Errorf("%w: a cell is not an operation", ErrBadHandle)
	}
	o.r = x
	return nil
}
