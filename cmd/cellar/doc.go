// Cellar indexes a source tree incrementally with the cellar engine: the
// files and lines of each language, and for Go files the package clause, the
// imports and the exported identifiers, added up per directory (Go package)
// and for the whole tree, with the files that fail to parse as diagnostics.
//
// Usage:
//
//	cellar index [flags] [DIR]
//
// DIR defaults to the Go distribution's own source tree, $(go env
// GOROOT)/src. The flags are:
//
//	--json           print the index as JSON instead of a report
//	--watch          keep running: watch the tree and, after each change,
//	                 print what changed in the report and which tasks re-ran
//	--debounce D     in watch mode, wait D after the last change before
//	                 updating (default 100ms)
//	--timing         in watch mode, print how long after the debounce ended
//	                 each update was printed
//	--trace FILE     write the executions of the task functions to FILE as
//	                 trace-event JSON (for Perfetto or chrome://tracing)
//	--serve ADDR     serve a page showing the task graph at ADDR (such as
//	                 localhost:8080), live in watch mode; keeps running
//	--workers N      run at most N task functions at once (default GOMAXPROCS)
//
// Every run ends with one line: the tasks executed, the tasks reused and the
// wall time (on standard error with --json, so that standard output stays
// JSON). In watch mode each update ends with such a line too. While a long
// run is in progress and standard output is a terminal, a progress line
// shows how many tasks have run.
//
// Each file is a task, file(path); each directory a task, pkg(dir), that adds
// up its files; directory listings are tasks, listDir(dir), and so is the
// list of every directory, dirs("."); the tree is a task, tree("."), that
// makes the summary. In watch mode an edit re-runs the edited file's task,
// then its directory's task only if the file's record changed, then the
// tree's only if the directory's totals changed. Files and directories that
// cannot be read are reported and skipped.
//
// Errors in the command line exit with status 2; other errors (a missing
// directory, a port in use) with status 1, with one line on standard error.
//
// A baseline program that indexes the same tree without the engine, to
// measure what the engine costs, is in the baseline subdirectory.
package main
