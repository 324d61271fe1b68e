package handle

import "strconv"

// Handle names one value in one [Table]: a slot index, the generation of
// the slot's occupant and the table's id, packed into 64 bits. The zero
// Handle is the null handle and names nothing.
//
// A Handle is a plain integer and holds no Go pointer: it may be stored in
// a global, written to a file, or passed through C or WebAssembly as an
// i64. Whatever its origin, a [Table] validates it before use.
type Handle uint64

// The bit layout of a [Handle], from the least significant bit:
//
//	bits  0..31  slot index   (IndexBits)
//	bits 32..51  generation   (GenerationBits); 0 is never issued
//	bits 52..63  table id     (TableIDBits); 0 for tables made without an id
const (
	// IndexBits is the width of the slot index.
	IndexBits = 32
	// GenerationBits is the width of the generation. A slot whose
	// generation reaches MaxGeneration is retired when its occupant is
	// deleted, so generations never wrap.
	GenerationBits = 20
	// TableIDBits is the width of the table id.
	TableIDBits = 64 - IndexBits - GenerationBits

	// MaxIndex is the largest slot index.
	MaxIndex = 1<<IndexBits - 1
	// MaxGeneration is the last generation a slot is used with.
	MaxGeneration = 1<<GenerationBits - 1
	// MaxTableID is the largest table id.
	MaxTableID = 1<<TableIDBits - 1
)

const (
	genShift = IndexBits
	idShift  = IndexBits + GenerationBits
	genMask  = uint64(MaxGeneration) << genShift
	idMask   = uint64(MaxTableID) << idShift
	genOne   = uint64(1) << genShift
)

// Make assembles a handle from its parts. It panics if a part is out of
// range; it does not check that any table issued the result. Tables issue
// handles with a generation of at least 1, so Make(id, i, 0) is never valid.
func Make(tableID uint16, index uint32, generation uint32) Handle {
	if tableID > MaxTableID {
		panic("handle: table id " + strconv.Itoa(int(tableID)) + " out of range")
	}
	if generation > MaxGeneration {
		panic("handle: generation " + strconv.FormatUint(uint64(generation), 10) + " out of range")
	}
	return Handle(uint64(tableID)<<idShift | uint64(generation)<<genShift | uint64(index))
}

// Index returns the slot index of h.
func (h Handle) Index() uint32 { return uint32(h) }

// Generation returns the generation of h: which occupant of the slot it
// names. Issued handles have a generation of 1 to [MaxGeneration].
func (h Handle) Generation() uint32 { return uint32(uint64(h) & genMask >> genShift) }

// TableID returns the id of the table h claims to come from.
func (h Handle) TableID() uint16 { return uint16(uint64(h) >> idShift) }

// IsNull reports whether h is the null handle.
func (h Handle) IsNull() bool { return h == 0 }

// String formats h as "index.generation@table", or "null".
func (h Handle) String() string {
	if h == 0 {
		return "null"
	}
	b := make([]byte, 0, 24)
	b = strconv.AppendUint(b, uint64(h.Index()), 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, uint64(h.Generation()), 10)
	b = append(b, '@')
	b = strconv.AppendUint(b, uint64(h.TableID()), 10)
	return string(b)
}
