// Package cli is the command-line machinery capcheck's commands are
// written with, and nothing of capcheck's own: a program's command table
// and its dispatch (program.go), flag sets that never exit the process
// and allow flags after the arguments, help printed from the flags with a
// placeholder per value, usage errors that name the command and suggest
// the closest flag or command, the usual argument checks (a format, no
// arguments, one optional directory, a date flag with an environment
// default), printing errors one diagnostic a line, and flag values
// (repeatable strings, NAME=VALUE pairs, spans of days and weeks). The
// commands, their flags, help texts and exit codes stay in cmd/capcheck.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ErrUsage is what [Parse] returns after printing a usage error.
var ErrUsage = errors.New("usage error")

// Command describes a command for its help and its usage errors.
type Command struct {
	Prog string // "capcheck"
	Name string // "check"
	Args string // what follows `PROG NAME [flags]`, e.g. "[PATH]"
	Help string // paragraphs printed before the flags; one starting "Example" is kept as written
	// Summary is the command's line in the program's usage; Run runs it
	// with the arguments after its name and returns the exit code (both
	// for a [Program] only).
	Summary string
	Run     func(args []string) int
}

// sink is a flag set's output. The flag package's own messages are
// dropped: Parse reports errors and help itself, with the command's name,
// on the right stream.
type sink struct {
	cmd            Command
	placeholders   map[string]string
	stdout, stderr io.Writer
	out            *Output // stdout when it is one, else a plain Output of it
}

func (*sink) Write(p []byte) (int, error) { return len(p), nil }

// NewFlags returns a flag set for c that never exits the process: -h
// prints c's help to stdout, a bad flag a short error to stderr (see
// [Parse]). placeholders name each flag's value in help and errors
// ("--format FORMAT"); a flag missing from it shows VALUE. Every flag set
// has --color and --no-color, which style stdout when it is an [Output].
func NewFlags(c Command, placeholders map[string]string, stdout, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	out, ok := stdout.(*Output)
	if !ok {
		out = &Output{W: stdout}
	}
	fs.SetOutput(&sink{cmd: c, placeholders: placeholders, stdout: stdout, stderr: stderr, out: out})
	fs.Usage = func() {}
	registerColor(fs, out)
	return fs
}

// Synopsis is the usage line of c: "capcheck check [flags] [PATH]", with
// a sub-command word ahead of the flags ("capcheck comment github [flags]
// RESULT.json").
func (c Command) Synopsis() string {
	sub, rest := "", c.Args
	if first, after, ok := strings.Cut(c.Args, " "); ok && first != "" && !strings.ContainsAny(first, "[.") && strings.ToLower(first) == first {
		sub, rest = " "+first, after
	}
	return strings.TrimSpace(fmt.Sprintf("%s %s%s [flags] %s", c.Prog, c.Name, sub, rest))
}

// printHelp writes the command's help: usage line, description and every
// flag with its placeholder and default.
func (s *sink) printHelp(fs *flag.FlagSet) {
	w, c := s.stdout, s.cmd
	fmt.Fprintf(w, "Usage: %s\n", c.Synopsis())
	if c.Help != "" {
		fmt.Fprintln(w)
		for _, para := range strings.Split(c.Help, "\n\n") {
			if strings.HasPrefix(para, "Example") {
				fmt.Fprintln(w, para) // keep the example lines as written
			} else {
				fmt.Fprintln(w, Wrap(para, "", 80))
			}
			fmt.Fprintln(w)
		}
	} else {
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "Flags:")
	fs.VisitAll(func(f *flag.Flag) {
		if hidden(f) {
			return
		}
		line := "  --" + f.Name
		if p := s.placeholder(f); p != "" {
			line += " " + p
		}
		fmt.Fprintln(w, line)
		text := f.Usage
		if d := DefaultText(f); d != "" && !strings.Contains(text, "(default") {
			text += " (default " + d + ")"
		}
		fmt.Fprintln(w, Wrap(text, "      ", 80))
	})
}

func (s *sink) placeholder(f *flag.Flag) string {
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return ""
	}
	if p, ok := s.placeholders[f.Name]; ok {
		return p
	}
	if f.Name == "color" { // registered here, on every flag set
		return "WHEN"
	}
	return "VALUE"
}

// DefaultText is a flag's default as help shows it, "" when it is the
// zero value.
func DefaultText(f *flag.Flag) string {
	switch f.DefValue {
	case "", "false", "0", "[]":
		return ""
	}
	if d, err := time.ParseDuration(f.DefValue); err == nil {
		return shortDuration(d)
	}
	if strings.ContainsAny(f.DefValue, " \t") {
		return strconv.Quote(f.DefValue)
	}
	return f.DefValue
}

// shortDuration drops zero units: 1h0m0s → 1h, 1m30s stays.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Wrap fills text to width columns, each line starting with indent.
func Wrap(text, indent string, width int) string {
	var b strings.Builder
	col := 0
	for _, word := range strings.Fields(text) {
		switch {
		case col == 0:
			b.WriteString(indent)
			col = len(indent)
		case col+1+len(word) > width:
			b.WriteString("\n" + indent)
			col = len(indent)
		default:
			b.WriteByte(' ')
			col++
		}
		b.WriteString(word)
		col += len(word)
	}
	return b.String()
}

// Parse parses args, allowing flags after positional arguments
// (`capcheck check testdata/example --format json`); arguments after "--"
// are all positional. It returns the positional arguments; flag.ErrHelp
// after printing the help for -h; ErrUsage after printing a usage error.
// A flag set not made by [NewFlags] prints nothing.
func Parse(fs *flag.FlagSet, args []string) ([]string, error) {
	s, _ := fs.Output().(*sink)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				switch {
				case s != nil && s.out.flags != nil:
					s.out.flags(fs)
				case s != nil:
					s.printHelp(fs)
				}
				return nil, flag.ErrHelp
			}
			if s != nil {
				UsageError(s.stderr, s.cmd, s.flagError(fs, err))
			}
			return nil, ErrUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// flagError rewrites the flag package's messages the way capcheck's docs
// write flags (--name), with a suggestion for a mistyped name.
func (s *sink) flagError(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		name = strings.TrimLeft(name, "-")
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		msg = fmt.Sprintf("unknown flag --%s", name)
		if c := Closest(name, names); c != "" {
			msg += fmt.Sprintf("; did you mean --%s?", c)
		}
		return msg
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		f := fs.Lookup(strings.TrimLeft(name, "-"))
		if f != nil {
			return fmt.Sprintf("flag --%s needs a value: --%s %s", f.Name, f.Name, s.placeholder(f))
		}
	}
	if rest, ok := strings.CutPrefix(msg, "invalid boolean value "); ok {
		if val, name, ok := strings.Cut(rest, " for -"); ok {
			name, _, _ = strings.Cut(name, ":")
			return fmt.Sprintf("flag --%s takes true or false, got %s", strings.TrimLeft(name, "-"), val)
		}
	}
	return strings.Replace(msg, "for flag -", "for flag --", 1)
}

// UsageError prints a usage error for c and how to get help.
func UsageError(w io.Writer, c Command, msg string) {
	fmt.Fprintf(w, "%s %s: %s\n", c.Prog, c.Name, msg)
	fmt.Fprintf(w, "Run '%s %s -h' for usage.\n", c.Prog, c.Name)
}

// Closest returns the candidate within two edits of s (or that s is a
// prefix of), "" when none or several tie.
func Closest(s string, candidates []string) string {
	best, bestD, tie := "", 3, false
	for _, c := range candidates {
		d := EditDistance(s, c)
		if len(s) >= 2 && strings.HasPrefix(c, s) {
			d = min(d, 1)
		}
		switch {
		case d < bestD:
			best, bestD, tie = c, d, false
		case d == bestD:
			tie = true
		}
	}
	if tie {
		return ""
	}
	return best
}

// EditDistance is the Levenshtein distance between a and b.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// OrList joins words as "a, b or c".
func OrList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// StringList is a repeatable string flag.
type StringList []string

func (s *StringList) String() string     { return strings.Join(*s, ",") }
func (s *StringList) Set(v string) error { *s = append(*s, v); return nil }

// KeyValues is a repeatable NAME=VALUE flag.
type KeyValues map[string]string

func (kv KeyValues) String() string {
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + kv[k]
	}
	return strings.Join(parts, ",")
}

func (kv KeyValues) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want NAME=VALUE, got %q", v)
	}
	kv[k] = val
	return nil
}

// Span is a duration flag that also takes days and weeks ("28d", "2w").
type Span time.Duration

func (s *Span) String() string {
	d := time.Duration(*s)
	if d > 0 && d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	return d.String()
}

func (s *Span) Set(v string) error {
	var d time.Duration
	if n, unit := strings.TrimRight(v, "dw"), strings.TrimLeft(v, "0123456789"); (unit == "d" || unit == "w") && n != "" {
		k, err := strconv.Atoi(n)
		if err != nil {
			return fmt.Errorf("want a duration such as 28d, 2w or 72h, got %q", v)
		}
		d = time.Duration(k) * 24 * time.Hour
		if unit == "w" {
			d *= 7
		}
	} else {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			return fmt.Errorf("want a duration such as 28d, 2w or 72h, got %q", v)
		}
	}
	if d <= 0 {
		return fmt.Errorf("want a positive duration, got %q", v)
	}
	*s = Span(d)
	return nil
}

// Plural is "1 pool" or "3 pools".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// ParseDate parses a date flag's YYYY-MM-DD; the error says what is wrong
// with a well-shaped but invalid date ("want a date YYYY-MM-DD: month out
// of range").
func ParseDate(s string) (time.Time, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		reason := ""
		var pe *time.ParseError
		if errors.As(err, &pe) && pe.Message != "" {
			reason = pe.Message
		}
		return time.Time{}, errors.New("want a date YYYY-MM-DD" + reason)
	}
	return t, nil
}
