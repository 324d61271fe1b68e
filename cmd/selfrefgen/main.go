// Command selfrefgen generates the constructors, views and lifecycle
// methods of self-referencing structs: the counterpart of the ouroboros
// #[self_referencing] and rental! macros, built on package
// github.com/cellar-go/cellar/selfref.
//
// Mark a struct with a //selfref:generate line in its doc comment, give it
// a selfref.Lifecycle field, tag each field that borrows others with
// `borrows:"a, mut b"`, and run the generator from go generate:
//
//	//go:generate go run github.com/cellar-go/cellar/cmd/selfrefgen
//
//	// Index is a file and the line index built over it.
//	//
//	//selfref:generate pub_extras
//	type Index struct {
//		life  selfref.Lifecycle
//		file  *os.File
//		lines *LineIndex `borrows:"file"`
//	}
//
// Usage:
//
//	selfrefgen [-check] [file.go ...]
//
// With no file arguments it processes $GOFILE, the file that holds the
// //go:generate line. For each file x.go it writes x_selfref.go next to it
// (x_selfref_test.go for x_test.go). With -check it writes nothing and
// exits with status 1 if a generated file is missing or differs from what
// it would write, which suits CI.
//
// Flags come before the files, and each file is a .go file: anything else
// is a usage error (status 2), reported before any file is written, so
// that "selfrefgen x.go -check" does not write x_selfref.go.
//
// Errors in the input are reported as file:line:column: message, and
// nothing is written for that file: a field borrowed before it is
// declared, a malformed borrows tag (tags are parsed strictly, so that a
// typo cannot make a borrowing field a head), a generated name that would
// clash with another (fields a and aMut would both give WithAMut), a lock
// held by value where the generated code would copy it, and whatever
// else the generated code could not compile or pass go vet with. The generated
// file keeps the build constraints of its input, those of its //go:build
// line and those its name implies. See package
// github.com/cellar-go/cellar/internal/selfrefgen for the full list of
// what is accepted and rejected, the directive's options and the
// generated items.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cellar-go/cellar/internal/selfrefgen"
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stderr))
}

// run is the command, with its environment as arguments; it returns the
// exit status.
func run(args []string, getenv func(string) string, stderr io.Writer) int {
	fs := flag.NewFlagSet("selfrefgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	check := fs.Bool("check", false, "write nothing; exit with status 1 if a generated file is missing or stale")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: selfrefgen [-check] [file.go ...]")
		fmt.Fprintln(stderr, "With no files, selfrefgen processes $GOFILE (set by go generate).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	files := fs.Args()
	if len(files) == 0 {
		gofile := getenv("GOFILE")
		if gofile == "" {
			fs.Usage()
			return 2
		}
		files = []string{gofile}
	}
	for _, file := range files {
		if strings.HasPrefix(file, "-") {
			fmt.Fprintf(stderr, "selfrefgen: flag %s after the files; flags come first\n", file)
			fs.Usage()
			return 2
		}
		if !strings.HasSuffix(file, ".go") {
			fmt.Fprintf(stderr, "selfrefgen: %s is not a .go file\n", file)
			fs.Usage()
			return 2
		}
	}
	status := 0
	for _, file := range files {
		if err := process(file, *check); err != nil {
			fmt.Fprintln(stderr, err)
			status = 1
		}
	}
	return status
}

// errStale reports a generated file that -check found out of date.
var errStale = errors.New("is out of date; run go generate")

func process(file string, check bool) error {
	src, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	out, err := selfrefgen.Generate(file, src)
	if err != nil {
		return err
	}
	name := selfrefgen.OutputName(file)
	if check {
		old, err := os.ReadFile(name)
		if err != nil || !bytes.Equal(old, out) {
			return fmt.Errorf("%s %w", name, errStale)
		}
		return nil
	}
	return os.WriteFile(name, out, 0o666)
}
