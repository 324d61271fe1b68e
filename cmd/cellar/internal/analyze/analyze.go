// Package analyze holds the computations of the cellar command's index that
// do not depend on the engine: what one file contains, what a directory's
// files add up to, and the summary of a whole tree. The command runs them
// inside task functions; the baseline program runs them in a plain loop, so
// that both do exactly the same work.
package analyze

import (
	"bytes"
	"cmp"
	"errors"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"path"
	"slices"
	"strconv"
	"strings"
)

// File is what the index records about one file.
type File struct {
	Lang  string `json:"lang"`
	Lines int    `json:"lines"`
	Bytes int    `json:"bytes"`
	// Go files only, and only when they parse.
	Package  string   `json:"package,omitempty"`
	Test     bool     `json:"test,omitempty"` // a _test.go file
	Imports  []string `json:"imports,omitempty"`
	Exported []string `json:"exported,omitempty"`
	// Failed is true for a Go file that does not parse and for a file that
	// cannot be read; the reason is a [Diagnostic].
	Failed bool `json:"failed,omitempty"`
}

// Equal reports whether f and g are the same, so that the engine compares
// files without encoding them.
func (f File) Equal(g File) bool {
	return f.Lang == g.Lang && f.Lines == g.Lines && f.Bytes == g.Bytes &&
		f.Package == g.Package && f.Test == g.Test && f.Failed == g.Failed &&
		slices.Equal(f.Imports, g.Imports) && slices.Equal(f.Exported, g.Exported)
}

// Diagnostic is a problem found in the tree: a file that does not parse, a
// file or directory that cannot be read. Path is relative to the tree's root
// and slash-separated.
type Diagnostic struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

func (d Diagnostic) String() string { return d.Path + ": " + d.Message }

// languages maps file name extensions to language names.
var languages = map[string]string{
	".go": "Go", ".s": "Assembly", ".c": "C", ".h": "C", ".cc": "C++", ".cpp": "C++",
	".m": "Objective-C", ".py": "Python", ".sh": "Shell", ".bash": "Shell", ".bat": "Batch",
	".rc": "rc", ".pl": "Perl", ".awk": "Awk", ".js": "JavaScript", ".ts": "TypeScript",
	".html": "HTML", ".css": "CSS", ".json": "JSON", ".xml": "XML", ".yaml": "YAML",
	".yml": "YAML", ".toml": "TOML", ".md": "Markdown", ".txt": "Text", ".txtar": "Txtar",
	".mod": "Go module", ".sum": "Go checksums", ".proto": "Protocol Buffers", ".rs": "Rust",
	".java": "Java", ".rb": "Ruby", ".syso": "Object", ".a": "Object", ".o": "Object",
	".zip": "Archive", ".gz": "Archive", ".tar": "Archive", ".png": "Image", ".jpg": "Image",
	".gif": "Image", ".svg": "SVG", ".wasm": "WebAssembly", ".golden": "Golden",
}

// Language returns the language of the file named name, from its extension:
// "Other" when it is not known.
func Language(name string) string {
	if l, ok := languages[strings.ToLower(path.Ext(name))]; ok {
		return l
	}
	return "Other"
}

// Lines counts the lines of data: its newlines, plus one for a last line
// without a newline.
func Lines(data []byte) int {
	n := bytes.Count(data, []byte{'\n'})
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return n
}

// Analyze returns what the index records about the file named name (used
// for its language and in messages) with contents data, and the diagnostic
// of a Go file that does not parse, or nil.
func Analyze(name string, data []byte) (File, *Diagnostic) {
	f := File{Lang: Language(name), Lines: Lines(data), Bytes: len(data)}
	if f.Lang != "Go" {
		return f, nil
	}
	fset := token.NewFileSet()
	af, err := parser.ParseFile(fset, name, data, parser.SkipObjectResolution)
	if err != nil {
		f.Failed = true
		return f, &Diagnostic{Path: name, Message: parseMessage(err)}
	}
	f.Package = af.Name.Name
	f.Test = strings.HasSuffix(name, "_test.go")
	for _, imp := range af.Imports {
		if p, err := strconv.Unquote(imp.Path.Value); err == nil && !slices.Contains(f.Imports, p) {
			f.Imports = append(f.Imports, p)
		}
	}
	slices.Sort(f.Imports)
	f.Exported = exported(af)
	return f, nil
}

// parseMessage returns the first error of err, which the parser reports as
// a list, with the count of the others.
func parseMessage(err error) string {
	var list scanner.ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		return err.Error()
	}
	msg := list[0].Pos.String() + ": " + list[0].Msg
	if n := len(list) - 1; n > 0 {
		msg += " (and " + strconv.Itoa(n) + " more)"
	}
	// The position repeats the file name, which the diagnostic has already.
	if _, after, ok := strings.Cut(msg, ".go:"); ok {
		msg = "line " + after
	}
	return msg
}

// exported returns the exported top-level identifiers of f, methods as
// Type.Method, sorted.
func exported(f *ast.File) []string {
	var names []string
	add := func(id *ast.Ident) {
		if id != nil && id.IsExported() {
			names = append(names, id.Name)
		}
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				add(d.Name)
				continue
			}
			if recv := receiverType(d.Recv); recv != "" && ast.IsExported(recv) && d.Name.IsExported() {
				names = append(names, recv+"."+d.Name.Name)
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					add(s.Name)
				case *ast.ValueSpec:
					for _, n := range s.Names {
						add(n)
					}
				}
			}
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// receiverType returns the name of the type of a method's receiver.
func receiverType(fl *ast.FieldList) string {
	if len(fl.List) == 0 {
		return ""
	}
	t := fl.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
		case *ast.IndexExpr:
			t = x.X
		case *ast.IndexListExpr:
			t = x.X
		case *ast.ParenExpr:
			t = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}

// LangCount is the files and lines of one language.
type LangCount struct {
	Lang  string `json:"lang"`
	Files int    `json:"files"`
	Lines int    `json:"lines"`
}

// Package is what the index records about one directory: the totals of its
// files (not of its subdirectories) and, when it holds Go files, the Go
// package they make up.
type Package struct {
	Dir     string      `json:"dir"`
	Name    string      `json:"name,omitempty"` // the package clause of its non-test Go files
	Files   int         `json:"files"`
	Lines   int         `json:"lines"`
	Bytes   int         `json:"bytes"`
	GoFiles int         `json:"go_files"`
	GoLines int         `json:"go_lines"`
	Langs   []LangCount `json:"langs,omitempty"` // by lines, then name
	// Imports is the set of import paths of its Go files, tests included.
	Imports  []string `json:"imports,omitempty"`
	Exported int      `json:"exported"`
	Failed   int      `json:"failed,omitempty"` // files with a diagnostic
}

// Equal reports whether p and q are the same.
func (p Package) Equal(q Package) bool {
	return p.Dir == q.Dir && p.Name == q.Name && p.Files == q.Files && p.Lines == q.Lines &&
		p.Bytes == q.Bytes && p.GoFiles == q.GoFiles && p.GoLines == q.GoLines &&
		p.Exported == q.Exported && p.Failed == q.Failed &&
		slices.Equal(p.Langs, q.Langs) && slices.Equal(p.Imports, q.Imports)
}

// IsGo reports whether the directory holds a Go package.
func (p Package) IsGo() bool { return p.GoFiles > 0 }

// Aggregate returns the package of directory dir, whose files are files.
func Aggregate(dir string, files []File) Package {
	p := Package{Dir: dir}
	langs := make(map[string]*LangCount)
	imports := make(map[string]bool)
	names := make(map[string]int)
	for _, f := range files {
		p.Files++
		p.Lines += f.Lines
		p.Bytes += f.Bytes
		addLang(langs, f.Lang, 1, f.Lines)
		if f.Failed {
			p.Failed++
		}
		if f.Lang != "Go" {
			continue
		}
		p.GoFiles++
		p.GoLines += f.Lines
		p.Exported += len(f.Exported)
		for _, imp := range f.Imports {
			imports[imp] = true
		}
		if f.Package != "" && !f.Test {
			names[f.Package]++
		}
	}
	p.Langs = sortLangs(langs)
	for imp := range imports {
		p.Imports = append(p.Imports, imp)
	}
	slices.Sort(p.Imports)
	// The most frequent package clause, for directories such as testdata
	// whose files are separate programs.
	best := 0
	for name, n := range names {
		if n > best || n == best && name < p.Name {
			p.Name, best = name, n
		}
	}
	return p
}

func addLang(m map[string]*LangCount, lang string, files, lines int) {
	c := m[lang]
	if c == nil {
		c = &LangCount{Lang: lang}
		m[lang] = c
	}
	c.Files += files
	c.Lines += lines
}

func sortLangs(m map[string]*LangCount) []LangCount {
	out := make([]LangCount, 0, len(m))
	for _, c := range m {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b LangCount) int {
		return cmp.Or(cmp.Compare(b.Lines, a.Lines), cmp.Compare(a.Lang, b.Lang))
	})
	return out
}

// PackageSize is a package in the list of the largest.
type PackageSize struct {
	Dir     string `json:"dir"`
	Name    string `json:"name"`
	GoFiles int    `json:"go_files"`
	GoLines int    `json:"go_lines"`
}

// ImportCount is an import path with the number of packages importing it.
type ImportCount struct {
	Path      string `json:"path"`
	Importers int    `json:"importers"`
}

// TopN is the length of the summary's lists.
const TopN = 10

// Summary is the index of a whole tree.
type Summary struct {
	Files    int         `json:"files"`
	Dirs     int         `json:"dirs"`
	Packages int         `json:"packages"` // directories with Go files
	Lines    int         `json:"lines"`
	Bytes    int         `json:"bytes"`
	GoFiles  int         `json:"go_files"`
	GoLines  int         `json:"go_lines"`
	Exported int         `json:"exported"`
	Failed   int         `json:"failed"` // files with a diagnostic
	Langs    []LangCount `json:"langs"`
	// Largest lists the Go packages with the most lines of Go, at most TopN.
	Largest []PackageSize `json:"largest"`
	// MostImported lists the import paths imported by the most packages,
	// at most TopN.
	MostImported []ImportCount `json:"most_imported"`
}

// Equal reports whether s and t are the same.
func (s Summary) Equal(t Summary) bool {
	return s.Files == t.Files && s.Dirs == t.Dirs && s.Packages == t.Packages &&
		s.Lines == t.Lines && s.Bytes == t.Bytes && s.GoFiles == t.GoFiles &&
		s.GoLines == t.GoLines && s.Exported == t.Exported && s.Failed == t.Failed &&
		slices.Equal(s.Langs, t.Langs) && slices.Equal(s.Largest, t.Largest) &&
		slices.Equal(s.MostImported, t.MostImported)
}

// Summarize returns the summary of a tree whose directories are pkgs.
func Summarize(pkgs []Package) Summary {
	s := Summary{Dirs: len(pkgs)}
	langs := make(map[string]*LangCount)
	importers := make(map[string]int)
	for _, p := range pkgs {
		s.Files += p.Files
		s.Lines += p.Lines
		s.Bytes += p.Bytes
		s.GoFiles += p.GoFiles
		s.GoLines += p.GoLines
		s.Exported += p.Exported
		s.Failed += p.Failed
		for _, l := range p.Langs {
			addLang(langs, l.Lang, l.Files, l.Lines)
		}
		for _, imp := range p.Imports {
			importers[imp]++
		}
		if p.IsGo() {
			s.Packages++
			s.Largest = append(s.Largest, PackageSize{Dir: p.Dir, Name: p.Name, GoFiles: p.GoFiles, GoLines: p.GoLines})
		}
	}
	s.Langs = sortLangs(langs)
	slices.SortFunc(s.Largest, func(a, b PackageSize) int {
		return cmp.Or(cmp.Compare(b.GoLines, a.GoLines), cmp.Compare(a.Dir, b.Dir))
	})
	s.Largest = slices.Clip(s.Largest[:min(len(s.Largest), TopN)])
	for imp, n := range importers {
		s.MostImported = append(s.MostImported, ImportCount{Path: imp, Importers: n})
	}
	slices.SortFunc(s.MostImported, func(a, b ImportCount) int {
		return cmp.Or(cmp.Compare(b.Importers, a.Importers), cmp.Compare(a.Path, b.Path))
	})
	s.MostImported = slices.Clip(s.MostImported[:min(len(s.MostImported), TopN)])
	return s
}

// Skip reports whether a directory named name is left out of the index:
// hidden directories such as .git.
func Skip(name string) bool { return strings.HasPrefix(name, ".") && name != "." }
