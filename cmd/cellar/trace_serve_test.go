package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestTrace(t *testing.T) {
	root := writeTree(t, smallTree)
	tracePath := filepath.Join(t.TempDir(), "trace.json")
	code, stdout, stderr := runCmd(t, "index", "--trace", tracePath, root)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(tracePath)
	if err != nil {
		t.Fatal(err)
	}
	var trace struct {
		TraceEvents []struct {
			Name string         `json:"name"`
			Cat  string         `json:"cat"`
			Ph   string         `json:"ph"`
			TS   *float64       `json:"ts"`
			Dur  float64        `json:"dur"`
			PID  int            `json:"pid"`
			TID  int            `json:"tid"`
			Args map[string]any `json:"args"`
		} `json:"traceEvents"`
	}
	if err := json.Unmarshal(data, &trace); err != nil {
		t.Fatalf("trace is not JSON: %v", err)
	}
	var executed int
	if _, err := fmt.Sscanf(stdout[strings.LastIndex(stdout, "cellar: "):], "cellar: %d tasks executed", &executed); err != nil {
		t.Fatalf("final line: %v\n%s", err, stdout)
	}
	complete := 0
	names := make(map[string]bool)
	for _, ev := range trace.TraceEvents {
		if ev.Ph != "X" {
			continue
		}
		if !strings.HasPrefix(ev.Cat, "internal,") {
			complete++ // the final line counts the user's tasks
		}
		names[ev.Name] = true
		if ev.TS == nil || *ev.TS < 0 || ev.TID < 1 || ev.PID != 1 || ev.Args["cause"] == nil {
			t.Errorf("bad event %+v", ev)
		}
	}
	if complete != executed {
		t.Errorf("%d complete events, %d executions", complete, executed)
	}
	for _, want := range []string{`file("p/a.go")`, `pkg("q")`, `tree(".")`} {
		if !names[want] {
			t.Errorf("no event for %s", want)
		}
	}
}

// startServe runs "cellar index --serve 127.0.0.1:0" on root until the test
// ends and returns the page's URL.
func startServe(t *testing.T, root string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	lr := newLineReader(pr)
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"index", "--serve", "127.0.0.1:0", root}, pw, io.Discard)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d", code)
		}
	})
	lines := lr.waitFor(t, "tasks executed") // the first run is done
	const prefix = "serving the task graph at "
	for _, l := range lines {
		if u, ok := strings.CutPrefix(l, prefix); ok {
			go io.Copy(io.Discard, pr)
			return u
		}
	}
	t.Fatalf("no %q line in:\n%s", prefix, strings.Join(lines, "\n"))
	return ""
}

func TestServeGraphJSON(t *testing.T) {
	url := startServe(t, writeTree(t, smallTree))
	resp, err := http.Get(url + "api/graph")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var g graphView
	if err := json.NewDecoder(resp.Body).Decode(&g); err != nil {
		t.Fatal(err)
	}
	byFn := make(map[string]functionView)
	for _, f := range g.Functions {
		byFn[f.Function] = f
	}
	for fn, tasks := range map[string]int{"file": 6, "pkg": 3, "listDir": 3, "dirs": 3, "tree": 1} {
		f := byFn[fn]
		if f.Tasks != tasks || f.Executions != tasks || f.States["done"] != tasks || len(f.Latest) == 0 {
			t.Errorf("function %s: %+v; want %d tasks, all done, run once", fn, f, tasks)
		}
	}
	if !g.Ready || len(g.Recent) == 0 {
		t.Errorf("graph view not ready or without recent executions: %+v", g)
	}
	page, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if !strings.Contains(string(body), "api/graph") {
		t.Errorf("page does not poll api/graph")
	}
}

// chromium returns the path of a chromium browser, or "" when there is none.
func chromium() string {
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	p, _ := exec.LookPath("chromium")
	return p
}

// TestServePageInBrowser loads the page in headless chromium, checks what it
// shows and saves a screenshot. It skips when there is no chromium, unless
// CELLAR_BROWSER_TEST=1 (set by .ci/run, which installs chromium).
func TestServePageInBrowser(t *testing.T) {
	browser := chromium()
	if browser == "" {
		if os.Getenv("CELLAR_BROWSER_TEST") == "1" {
			t.Fatal("CELLAR_BROWSER_TEST=1 but chromium is not installed")
		}
		t.Skip("chromium is not installed")
	}
	url := startServe(t, writeTree(t, smallTree))
	flags := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir()}
	browse := func(args ...string) string {
		ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, browser, append(flags, args...)...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
		}
		return string(out)
	}

	dom := browse("--virtual-time-budget=5000", "--dump-dom", url)
	for fn, tasks := range map[string]int{"file": 6, "pkg": 3, "listDir": 3, "dirs": 3, "tree": 1} {
		re := regexp.MustCompile(`<tr data-function="` + fn + `">.*?<td class="num tasks">(\d+)</td>.*?<td class="num executions">(\d+)</td>`)
		m := re.FindStringSubmatch(dom)
		if m == nil {
			t.Errorf("page shows no row for function %s:\n%s", fn, dom)
			continue
		}
		if m[1] != fmt.Sprint(tasks) || m[2] != fmt.Sprint(tasks) {
			t.Errorf("function %s: page shows %s tasks, %s executions; want %d", fn, m[1], m[2], tasks)
		}
	}
	if !strings.Contains(dom, `data-task="tree(&quot;.&quot;)"`) || !strings.Contains(dom, "first run") {
		t.Errorf("page lacks the tree task's execution and its cause:\n%s", dom)
	}

	dir := os.Getenv("CELLAR_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	shot, err := filepath.Abs(filepath.Join(dir, "cellar-graph.png"))
	if err != nil {
		t.Fatal(err)
	}
	browse("--virtual-time-budget=5000", "--screenshot="+shot, "--window-size=1200,800", url)
	if fi, err := os.Stat(shot); err != nil || fi.Size() == 0 {
		t.Fatalf("no screenshot at %s: %v", shot, err)
	}
	t.Logf("screenshot: %s", shot)
}
