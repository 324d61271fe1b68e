package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/cellar-go/cellar"
	"github.com/cellar-go/cellar/cmd/cellar/internal/analyze"
)

// Lengths of the report's lists.
const (
	langsMax = 12 // languages
	diagsMax = 20 // diagnostics
	ranMax   = 12 // tasks listed by name after an update; more are counted
)

// reportLines renders the index of the tree at root as the lines of the
// readable report. Each line stands on its own (a section's lines repeat
// what they are about), so that the lines that differ between two reports
// say what changed.
func reportLines(root string, idx analyze.Index) []string {
	s := idx.Summary
	lines := []string{
		"index of " + root,
		fmt.Sprintf("  %d files in %d directories, %d lines, %d bytes", s.Files, s.Dirs, s.Lines, s.Bytes),
		fmt.Sprintf("  Go: %d packages, %d files, %d lines, %d exported identifiers", s.Packages, s.GoFiles, s.GoLines, s.Exported),
		"",
		"languages (files, lines):",
	}
	for _, l := range s.Langs[:min(len(s.Langs), langsMax)] {
		lines = append(lines, fmt.Sprintf("  %-18s %7d files %9d lines", l.Lang, l.Files, l.Lines))
	}
	if n := len(s.Langs) - langsMax; n > 0 {
		lines = append(lines, fmt.Sprintf("  and %d more languages", n))
	}
	lines = append(lines, "", "largest Go packages (lines of Go):")
	for _, p := range s.Largest {
		lines = append(lines, fmt.Sprintf("  %-40s %-12s %5d files %8d lines", p.Dir, p.Name, p.GoFiles, p.GoLines))
	}
	lines = append(lines, "", "most imported packages (importing directories):")
	for _, imp := range s.MostImported {
		lines = append(lines, fmt.Sprintf("  %-40s imported by %5d", imp.Path, imp.Importers))
	}
	lines = append(lines, "", fmt.Sprintf("diagnostics (%d):", len(idx.Diagnostics)))
	for _, d := range idx.Diagnostics[:min(len(idx.Diagnostics), diagsMax)] {
		lines = append(lines, "  "+d.String())
	}
	if n := len(idx.Diagnostics) - diagsMax; n > 0 {
		lines = append(lines, fmt.Sprintf("  and %d more diagnostics", n))
	}
	return lines
}

// diffLines returns the lines of old missing from new and the lines of new
// missing from old, each in their order. Blank lines and section titles are
// left out.
func diffLines(old, new []string) (removed, added []string) {
	count := func(lines []string) map[string]int {
		m := make(map[string]int)
		for _, l := range lines {
			m[l]++
		}
		return m
	}
	inOld, inNew := count(old), count(new)
	for _, l := range old {
		if strings.HasPrefix(l, "  ") && inNew[l] == 0 {
			removed = append(removed, l)
		}
	}
	for _, l := range new {
		if strings.HasPrefix(l, "  ") && inOld[l] == 0 {
			added = append(added, l)
		}
	}
	return removed, added
}

// packageChanges describes the directories whose totals changed between
// old and new.
func packageChanges(old, new []analyze.Package) []string {
	byDir := make(map[string]analyze.Package, len(old))
	for _, p := range old {
		byDir[p.Dir] = p
	}
	var out []string
	seen := make(map[string]bool, len(new))
	for _, p := range new {
		seen[p.Dir] = true
		q, ok := byDir[p.Dir]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("  + %s: new directory, %d files, %d lines", p.Dir, p.Files, p.Lines))
		case !p.Equal(q):
			out = append(out, fmt.Sprintf("  ~ %s: %d files (%+d), %d lines (%+d), %d exported (%+d), %d imports (%+d)",
				p.Dir, p.Files, p.Files-q.Files, p.Lines, p.Lines-q.Lines,
				p.Exported, p.Exported-q.Exported, len(p.Imports), len(p.Imports)-len(q.Imports)))
		}
	}
	for _, q := range old {
		if !seen[q.Dir] {
			out = append(out, fmt.Sprintf("  - %s: directory gone", q.Dir))
		}
	}
	return out
}

// writeChanges writes what an update changed, compared with the index
// printed before: the directories whose totals changed, the report lines
// that changed, and the tasks that re-ran.
func writeChanges(w io.Writer, prev *analyze.Index, res *result) error {
	var b strings.Builder
	pkgs := packageChanges(prev.Packages, res.index.Packages)
	removed, added := diffLines(reportLines("", *prev), reportLines("", res.index))
	if len(pkgs) == 0 && len(removed) == 0 && len(added) == 0 {
		b.WriteString("index unchanged\n")
	} else {
		b.WriteString("index changed:\n")
		for _, l := range pkgs {
			b.WriteString(l + "\n")
		}
		for _, l := range removed {
			b.WriteString("  - " + l[2:] + "\n")
		}
		for _, l := range added {
			b.WriteString("  + " + l[2:] + "\n")
		}
	}
	fmt.Fprintf(&b, "re-ran: %s\n", summarizeRan(res.ran))
	_, err := io.WriteString(w, b.String())
	return err
}

// summarizeRan lists the tasks that ran, with why, or counts them by
// function when there are too many to read.
func summarizeRan(ran []cellar.Execution) string {
	if len(ran) == 0 {
		return "nothing"
	}
	if len(ran) <= ranMax {
		parts := make([]string, len(ran))
		for i, x := range ran {
			parts[i] = x.Task + " (" + x.Cause.String() + ")"
		}
		return strings.Join(parts, ", ")
	}
	counts := make(map[string]int)
	for _, x := range ran {
		counts[x.Function]++
	}
	fns := make([]string, 0, len(counts))
	for fn := range counts {
		fns = append(fns, fn)
	}
	slices.SortFunc(fns, func(a, b string) int { return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b)) })
	parts := make([]string, len(fns))
	for i, fn := range fns {
		parts[i] = fmt.Sprintf("%d %s", counts[fn], fn)
	}
	return fmt.Sprintf("%d tasks: %s", len(ran), strings.Join(parts, ", "))
}
