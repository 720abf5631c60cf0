package report

import (
	"bytes"
	"encoding/xml"
	"io"

	"github.com/capcheck/capcheck/evaluator"
)

// JUnit XML as CI systems read it (the Ant/Surefire schema subset):
// testsuites > testsuite > testcase with failure, skipped or system-out.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
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
func checkJUnit(w io.Writer, c *Check) error {
	s := junitSuite{Name: "capcheck", Cases: []junitCase{}}
	targeted := map[string]bool{}
	for _, f := range c.Findings {
		targeted[f.Target] = true
		tc := junitCase{
			Classname: f.Rule,
			Name:      orNone(f.Target, posOr(f, f.Rule)),
			File:      f.File,
			Line:      f.Line,
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
		s.Cases = append(s.Cases, junitCase{Classname: "pool", Name: name, File: p.Location.File, Line: p.Location.Line})
	}
	s.Tests = len(s.Cases)
	out := junitSuites{Name: "capcheck", Tests: s.Tests, Failures: s.Failures, Skipped: s.Skipped, Suites: []junitSuite{s}}
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
