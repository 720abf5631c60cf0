package report

import (
	"bytes"
	"encoding/xml"
	"io"
	"strconv"
	"time"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/internal/diag"
)

// junitSeconds is a duration as JUnit's time attribute: seconds with
// millisecond precision ("0.412"), never negative.
func junitSeconds(d time.Duration) string {
	return strconv.FormatFloat(max(d, 0).Seconds(), 'f', 3, 64)
}

// JUnit XML as CI systems read it (the Ant/Surefire schema subset):
// testsuites > testsuite > testcase with failure, skipped or system-out.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr,omitempty"`
	Hostname  string      `xml:"hostname,attr"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure"`
	Skipped   *junitSkipped `xml:"skipped"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// checkJUnit renders one test suite "capcheck": a test case per finding
// (classname the rule id, name the target), failing when it blocks,
// skipped when excepted or overridden, passing with its message in
// system-out when it is a warning; and a passing case "pool/<name>" for
// every head pool no finding targets, so a clean run is not an empty suite.
// encoding/xml escapes every value, and replaces characters XML cannot
// hold.
//
// Times are what test reporters show: the suite's time is the run's
// (opts.Elapsed), its timestamp when it started (opts.Started, UTC, the
// schema's ISO 8601 without a zone; left out when zero) and hostname opts.Hostname. Findings
// are judged together, not one by one, so every test case takes 0 s.
func checkJUnit(w io.Writer, c *Check, opts Options) error {
	s := junitSuite{
		Name:     "capcheck",
		Time:     junitSeconds(opts.Elapsed),
		Hostname: orNone(diag.Text(opts.Hostname), "localhost"),
		Cases:    []junitCase{},
	}
	targeted := map[string]bool{}
	if !opts.Started.IsZero() {
		s.Timestamp = opts.Started.UTC().Format("2006-01-02T15:04:05")
	}
	for _, f := range c.Findings {
		targeted[f.Target] = true
		tc := junitCase{
			Classname: f.Rule,
			Name:      orNone(f.Target, posOr(f, f.Rule)),
			File:      f.File,
			Line:      f.Line,
			Time:      junitSeconds(0),
		}
		where := posOr(f, "capcheck")
		switch kindOf(f) {
		case kindBlocking:
			tc.Failure = &junitFailure{Message: f.Msg, Type: f.Level, Text: where + ": " + f.Msg}
			s.Failures++
		case kindWarning, kindExisting:
			tc.SystemOut = where + ": " + f.Level + ": " + f.Msg + suffix(f)
		case kindExcepted:
			msg := "excepted"
			if f.Exception != "" {
				msg += ": " + f.Exception
			}
			tc.Skipped = &junitSkipped{Message: msg}
			tc.SystemOut = where + ": " + f.Level + ": " + f.Msg
			s.Skipped++
		case kindOverridden:
			tc.Skipped = &junitSkipped{Message: "overridden"}
			tc.SystemOut = where + ": " + f.Level + ": " + f.Msg
			s.Skipped++
		}
		s.Cases = append(s.Cases, tc)
	}
	for _, p := range c.Pools {
		name := "pool/" + p.Name
		if p.Status == evaluator.StatusRemoved || targeted[name] {
			continue
		}
		s.Cases = append(s.Cases, junitCase{Classname: "pool", Name: name, File: p.Location.File, Line: p.Location.Line, Time: junitSeconds(0)})
	}
	s.Tests = len(s.Cases)
	out := junitSuites{Name: "capcheck", Tests: s.Tests, Failures: s.Failures, Skipped: s.Skipped, Time: s.Time, Suites: []junitSuite{s}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	var b bytes.Buffer
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	b.WriteString("\n")
	// encoding/xml keeps each value on its line; "##[" (a runner command
	// anywhere in a line, see writeJSON) becomes ##&#91;.
	_, err := w.Write(bytes.ReplaceAll(b.Bytes(), []byte("##["), []byte("##&#91;")))
	return err
}
