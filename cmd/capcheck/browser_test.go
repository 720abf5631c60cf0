//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/capcheck/capcheck/internal/testkit"
)

// The browser tests (issue 16 items 1 and 9) lay capcheck's pages out in
// a real headless Chromium, driven over the DevTools protocol on a pipe
// (--remote-debugging-pipe: fd 3 in, fd 4 out, one JSON message per NUL),
// so no port is opened and no client library is needed. What a test
// asserts is what the browser computed (layout boxes, the requests it
// made, what it logged); the deadline below is only a safety net.

// browserDeadline bounds one browser test, start to close.
const browserDeadline = 90 * time.Second

// chromiumFlags start Chromium headless on a closed network: without the
// background-networking flags it tries Google's hosts at start, and every
// host name resolves to nothing, so any fetch a page tried would fail (and
// still be seen by the test as a request).
var chromiumFlags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--disable-extensions", "--no-default-browser-check", "--mute-audio",
	"--host-resolver-rules=MAP * ~NOTFOUND",
	"--remote-debugging-pipe",
}

// cdpMessage is one DevTools protocol message: a command's reply (ID) or
// an event (Method) of a page session (SessionID).
type cdpMessage struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// browser is one headless Chromium process.
type browser struct {
	t   *testing.T
	ctx context.Context
	in  *os.File // Chromium's fd 3

	mu      sync.Mutex
	next    int
	replies map[int]chan cdpMessage
	events  []cdpMessage
	notify  chan struct{} // closed and replaced when an event arrives
	readErr error
	done    chan struct{} // closed when Chromium's fd 4 closes
}

// startBrowser starts Chromium, or skips the test outside CI when it is
// not installed (testkit.NeedCommand). Chromium is closed, and its whole
// process group killed, when the test ends.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	bin := testkit.NeedCommand(t, "chromium", ".ci/run installs Debian's chromium package")
	profile := t.TempDir() // removed after the browser has exited (cleanups run last first)
	ctx, cancel := context.WithTimeout(context.Background(), browserDeadline)
	t.Cleanup(cancel)

	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append(chromiumFlags, "--user-data-dir="+profile)...)
	cmd.ExtraFiles = []*os.File{cmdR, outW}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stderr bytes.Buffer
	cmd.Stderr = &limitedBuffer{b: &stderr, n: 64 << 10}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	cmdR.Close()
	outW.Close()
	b := &browser{t: t, ctx: ctx, in: cmdW, replies: map[int]chan cdpMessage{}, notify: make(chan struct{}), done: make(chan struct{})}
	go b.read(outR)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		// Browser.close asks Chromium to exit; the group kill is for a
		// browser that does not (and for its helper processes).
		b.send("", "Browser.close", nil)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			t.Log("chromium did not exit after Browser.close; killing it")
		}
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
		}
		cmdW.Close()
		outR.Close()
		if t.Failed() {
			// Chromium's complaints about the missing D-Bus are noise.
			var keep []string
			for _, l := range strings.Split(stderr.String(), "\n") {
				if l != "" && !strings.Contains(l, ":ERROR:dbus/") {
					keep = append(keep, l)
				}
			}
			if len(keep) > 0 {
				t.Logf("chromium stderr (last part):\n%s", tail(strings.Join(keep, "\n"), 4000))
			}
		}
	})
	return b
}

// read dispatches Chromium's messages: replies to their waiting call,
// events to the log that waitEvent and eventsOf read.
func (b *browser) read(r io.Reader) {
	defer close(b.done)
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		raw, err := br.ReadBytes(0)
		if err != nil {
			b.mu.Lock()
			b.readErr = err
			b.mu.Unlock()
			return
		}
		var m cdpMessage
		if err := json.Unmarshal(raw[:len(raw)-1], &m); err != nil {
			b.mu.Lock()
			b.readErr = fmt.Errorf("devtools message %.200q: %w", raw, err)
			b.mu.Unlock()
			return
		}
		b.mu.Lock()
		if m.ID != 0 {
			if ch := b.replies[m.ID]; ch != nil {
				ch <- m
				delete(b.replies, m.ID)
			}
		} else {
			b.events = append(b.events, m)
			close(b.notify)
			b.notify = make(chan struct{})
		}
		b.mu.Unlock()
	}
}

// send writes a command and returns the channel its reply comes on.
func (b *browser) send(session, method string, params any) chan cdpMessage {
	b.mu.Lock()
	b.next++
	id := b.next
	ch := make(chan cdpMessage, 1)
	b.replies[id] = ch
	b.mu.Unlock()
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	raw, err := json.Marshal(msg)
	if err != nil {
		panic(err) // the params are the tests' own maps
	}
	b.in.Write(append(raw, 0))
	return ch
}

// call sends a command and decodes its result into out (when not nil).
func (b *browser) call(session, method string, params, out any) {
	b.t.Helper()
	ch := b.send(session, method, params)
	select {
	case m := <-ch:
		if m.Error != nil {
			b.t.Fatalf("%s: devtools error %d: %s", method, m.Error.Code, m.Error.Message)
		}
		if out != nil {
			if err := json.Unmarshal(m.Result, out); err != nil {
				b.t.Fatalf("%s: result %s: %v", method, m.Result, err)
			}
		}
	case <-b.done:
		b.t.Fatalf("%s: chromium closed the protocol pipe: %v", method, b.readErr)
	case <-b.ctx.Done():
		b.t.Fatalf("%s: no reply within the %v safety deadline", method, browserDeadline)
	}
}

// eventsOf is every event named method of session so far.
func (b *browser) eventsOf(session, method string) []cdpMessage {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []cdpMessage
	for _, m := range b.events {
		if m.SessionID == session && m.Method == method {
			out = append(out, m)
		}
	}
	return out
}

// waitEvent waits until session has had n events named method.
func (b *browser) waitEvent(session, method string, n int) {
	b.t.Helper()
	for {
		b.mu.Lock()
		notify := b.notify
		b.mu.Unlock()
		if len(b.eventsOf(session, method)) >= n {
			return
		}
		select {
		case <-notify:
		case <-b.done:
			b.t.Fatalf("waiting for %s: chromium closed the protocol pipe: %v", method, b.readErr)
		case <-b.ctx.Done():
			b.t.Fatalf("no %s within the %v safety deadline", method, browserDeadline)
		}
	}
}

// page is one tab, attached as a flat session.
type page struct {
	b       *browser
	session string
	url     string
}

// open loads url in a new tab whose viewport is width × height CSS
// pixels, and returns once its load event has fired and its fonts are
// loaded. The page's requests, log entries and exceptions are recorded
// from before the navigation.
func (b *browser) open(url string, width, height int) *page {
	b.t.Helper()
	var target struct {
		TargetID string `json:"targetId"`
	}
	b.call("", "Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var att struct {
		SessionID string `json:"sessionId"`
	}
	b.call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &att)
	p := &page{b: b, session: att.SessionID, url: url}
	for _, domain := range []string{"Page", "Network", "Runtime", "Log"} {
		b.call(p.session, domain+".enable", nil, nil)
	}
	b.call(p.session, "Emulation.setDeviceMetricsOverride", map[string]any{
		"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}, nil)
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	b.call(p.session, "Page.navigate", map[string]any{"url": url}, &nav)
	if nav.ErrorText != "" {
		b.t.Fatalf("navigate to %s: %s", url, nav.ErrorText)
	}
	b.waitEvent(p.session, "Page.loadEventFired", 1)
	p.eval(`document.fonts.ready.then(() => true)`, nil)
	return p
}

// eval evaluates expr in the page (awaiting it when it is a promise) and
// decodes its JSON value into out. DevTools evaluation is not subject to
// the page's Content-Security-Policy, so the product page is measured as
// shipped, with no script added to it.
func (p *page) eval(expr string, out any) {
	p.b.t.Helper()
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	p.b.call(p.session, "Runtime.evaluate", map[string]any{
		"expression": expr, "returnByValue": true, "awaitPromise": true}, &r)
	if r.ExceptionDetails != nil {
		p.b.t.Fatalf("evaluate: %s %s", r.ExceptionDetails.Text, r.ExceptionDetails.Exception.Description)
	}
	if out != nil {
		if err := json.Unmarshal(r.Result.Value, out); err != nil {
			p.b.t.Fatalf("evaluate: value %s: %v", r.Result.Value, err)
		}
	}
}

// requests is every URL the page asked for, in order (its own document
// included), with the reason of each that failed.
func (p *page) requests() (urls []string, failed map[string]string) {
	ids := map[string]string{}
	for _, m := range p.b.eventsOf(p.session, "Network.requestWillBeSent") {
		var ev struct {
			RequestID string `json:"requestId"`
			Request   struct {
				URL string `json:"url"`
			} `json:"request"`
		}
		json.Unmarshal(m.Params, &ev)
		urls = append(urls, ev.Request.URL)
		ids[ev.RequestID] = ev.Request.URL
	}
	failed = map[string]string{}
	for _, m := range p.b.eventsOf(p.session, "Network.loadingFailed") {
		var ev struct {
			RequestID     string `json:"requestId"`
			ErrorText     string `json:"errorText"`
			BlockedReason string `json:"blockedReason"`
		}
		json.Unmarshal(m.Params, &ev)
		failed[ids[ev.RequestID]] = strings.TrimSpace(ev.BlockedReason + " " + ev.ErrorText)
	}
	return urls, failed
}

// failure waits until the page's request for url has failed and returns
// why (a DevTools blocked reason such as csp, else the network error).
func (p *page) failure(url string) string {
	p.b.t.Helper()
	for n := 1; ; n++ {
		p.b.waitEvent(p.session, "Network.loadingFailed", n)
		if _, failed := p.requests(); failed[url] != "" {
			return failed[url]
		}
	}
}

// problems is what the page logged at warning or error level and the
// exceptions it threw, one line each.
func (p *page) problems() []string {
	var out []string
	for _, m := range p.b.eventsOf(p.session, "Log.entryAdded") {
		var ev struct {
			Entry struct {
				Level, Source, Text, URL string
			} `json:"entry"`
		}
		json.Unmarshal(m.Params, &ev)
		if ev.Entry.Level == "error" || ev.Entry.Level == "warning" {
			out = append(out, fmt.Sprintf("%s %s: %s", ev.Entry.Level, ev.Entry.Source, ev.Entry.Text))
		}
	}
	for _, m := range p.b.eventsOf(p.session, "Runtime.exceptionThrown") {
		out = append(out, "exception: "+string(m.Params))
	}
	return out
}

// limitedBuffer keeps the first n bytes written to it.
type limitedBuffer struct {
	b *bytes.Buffer
	n int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.n - l.b.Len(); room > 0 {
		l.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
