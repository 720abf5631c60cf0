package fakegithub

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"text/template"

	"github.com/rogpeppe/go-internal/testscript"
)

// Parse reads exchanges from a script file. Each exchange is request
// lines starting with "> ", then answer lines starting with "< ", then the
// answer body up to the next "> " line; lines starting with "#" are
// comments, and the body is trimmed of surrounding white space:
//
//	# the first run finds no comment and creates one
//	> GET /repos/o/r/issues/12/comments?per_page=100
//	< 200
//	[]
//
//	> POST /repos/o/r/issues/12/comments
//	> contains <!-- capcheck:comment -->
//	> header X-GitHub-Api-Version: 2022-11-28
//	> save posted.md body
//	< 201
//	< Location: {{server}}/repos/o/r/issues/comments/77
//	{"id":77,"body":{{json "posted.md"}}}
//
// The first request line is METHOD PATH[?QUERY]; the others are
// `body JSON` (the whole body, compared as JSON), `contains TEXT` (a
// fragment of the body; with neither, the request must have no body),
// `header NAME: VALUE`, `save FILE [FIELD]` (write the body, or its JSON
// string FIELD, to FILE), `drop` and `hang`. The first answer line is
// the status; the others are headers. An answer body is a text/template
// run when the request comes: {{server}} is the fake's URL and
// {{json "FILE"}} the JSON string of a file (one saved by an earlier
// request, say).
func Parse(text string) ([]Exchange, error) {
	var xs []Exchange
	var reply []string
	inAnswer := false
	end := func() {
		if len(xs) > 0 {
			xs[len(xs)-1].Reply = strings.TrimSpace(strings.Join(reply, "\n"))
		}
		reply = nil
	}
	for i, line := range strings.Split(text, "\n") {
		at := func(format string, args ...any) error {
			return fmt.Errorf("line %d: %s", i+1, fmt.Sprintf(format, args...))
		}
		switch {
		case strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "> "):
			req := strings.TrimSpace(line[2:])
			method, target, _ := strings.Cut(req, " ")
			isRequest := method != "" && method == strings.ToUpper(method) && strings.HasPrefix(target, "/")
			if inAnswer || len(xs) == 0 || isRequest {
				if !isRequest {
					return nil, at("want METHOD /PATH, got %q", req)
				}
				if err := answered(xs); err != nil {
					return nil, at("%v", err)
				}
				end()
				path, query, _ := strings.Cut(target, "?")
				xs = append(xs, Exchange{Method: method, Path: path, Query: query})
				inAnswer = false
				continue
			}
			x := &xs[len(xs)-1]
			word, rest, _ := strings.Cut(req, " ")
			switch word {
			case "body":
				x.Body = rest
			case "contains":
				x.Contains = append(x.Contains, rest)
			case "header":
				k, v, ok := strings.Cut(rest, ":")
				if !ok {
					return nil, at("want header NAME: VALUE, got %q", rest)
				}
				if x.Headers == nil {
					x.Headers = map[string]string{}
				}
				x.Headers[strings.TrimSpace(k)] = strings.TrimSpace(v)
			case "save":
				f := strings.Fields(rest)
				if len(f) < 1 || len(f) > 2 {
					return nil, at("want save FILE [FIELD], got %q", rest)
				}
				x.SaveBody = f[0]
				if len(f) == 2 {
					x.SaveField = f[1]
				}
			case "drop":
				x.Drop = true
			case "hang":
				x.Hang = true
			default:
				return nil, at("unknown request line %q (want body, contains, header, save, drop or hang)", word)
			}
		case strings.HasPrefix(line, "< "):
			if len(xs) == 0 || len(reply) > 0 {
				return nil, at("an answer line belongs after a request and before the answer body")
			}
			x := &xs[len(xs)-1]
			if !inAnswer {
				st, err := strconv.Atoi(strings.TrimSpace(line[2:]))
				if err != nil || st < 100 || st > 599 {
					return nil, at("want the answer's status, got %q", line[2:])
				}
				x.Status, inAnswer = st, true
				continue
			}
			k, v, ok := strings.Cut(line[2:], ":")
			if !ok {
				return nil, at("want an answer header NAME: VALUE, got %q", line[2:])
			}
			if x.Header == nil {
				x.Header = map[string]string{}
			}
			x.Header[strings.TrimSpace(k)] = strings.TrimSpace(v)
		default:
			if strings.TrimSpace(line) == "" && !inAnswer {
				continue
			}
			if !inAnswer {
				return nil, at("an answer body belongs after the answer's status line")
			}
			reply = append(reply, line)
		}
	}
	end()
	if err := answered(xs); err != nil {
		return nil, err
	}
	return xs, nil
}

// answered fails when the last of xs has no answer status and neither
// drops nor hangs.
func answered(xs []Exchange) error {
	if len(xs) == 0 {
		return nil
	}
	if x := xs[len(xs)-1]; x.Status == 0 && !x.Drop && !x.Hang {
		return fmt.Errorf("%s %s has no answer (a line < STATUS)", x.Method, x.Path)
	}
	return nil
}

// collector keeps a fake's failures for `fakegithub wait`.
type collector struct {
	mu   sync.Mutex
	errs []string
}

func (c *collector) Errorf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}

func (c *collector) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.errs
	c.errs = nil
	return e
}

type stateKey struct{ name string }

// state is one script's running fake.
type state struct {
	t   testscript.T
	srv *Server
	c   *collector
}

// ScriptCommand is a scripted fake as a testscript command NAME:
//
//	NAME start FILE   # serve FILE's exchanges; Start sets the script's environment
//	NAME wait         # stop; fail on a request out of script or one that never came
//	! NAME wait       # stop; fail unless something went wrong (to test a script)
//
// A script that ends without `wait` still fails at its cleanup on what
// went wrong. fakegithub and fakeprometheus are two.
type ScriptCommand struct {
	Name string
	// Start starts the fake for `NAME start FILE`, its failures going to
	// r, and sets what the script needs to reach it (its URL, say).
	Start func(ts *testscript.TestScript, r Reporter, file string) *Server
}

// Setup prepares a script for the command: call it from
// testscript.Params.Setup.
func (c ScriptCommand) Setup(env *testscript.Env) {
	st := &state{t: env.T()}
	env.Values[stateKey{c.Name}] = st
	env.Defer(func() {
		if st.srv == nil {
			return
		}
		st.srv.Finish()
		st.srv = nil
		if errs := st.c.take(); len(errs) > 0 {
			st.t.Fatal(c.Name + " at the end of the script (no `" + c.Name + " wait`):\n" + strings.Join(errs, "\n"))
		}
	})
}

// Run is the command, to register in testscript.Params.Cmds.
func (c ScriptCommand) Run(ts *testscript.TestScript, neg bool, args []string) {
	st, _ := ts.Value(stateKey{c.Name}).(*state)
	if st == nil {
		ts.Fatalf("%s: Setup was not called in the Params.Setup", c.Name)
	}
	usage := fmt.Sprintf("usage: %s start FILE | [!] %s wait", c.Name, c.Name)
	if len(args) == 0 || neg && args[0] != "wait" {
		ts.Fatalf("%s", usage)
	}
	switch {
	case args[0] == "start" && len(args) == 2:
		if st.srv != nil {
			ts.Fatalf("%s start: one is running; `%s wait` first", c.Name, c.Name)
		}
		st.c = &collector{}
		st.srv = c.Start(ts, st.c, args[1])
	case args[0] == "wait" && len(args) == 1:
		if st.srv == nil {
			ts.Fatalf("%s wait: none is running", c.Name)
		}
		st.srv.Finish()
		st.srv = nil
		errs := st.c.take()
		if len(errs) > 0 && !neg {
			ts.Fatalf("%s:\n%s", c.Name, strings.Join(errs, "\n"))
		}
		if neg && len(errs) == 0 {
			ts.Fatalf("%s wait: every exchange went as scripted, want a failure", c.Name)
		}
		for _, e := range errs { // for `stderr` to assert what went wrong
			fmt.Fprintln(ts.Stderr(), e)
		}
	default:
		ts.Fatalf("%s", usage)
	}
}

// github is the `fakegithub` command.
func github() ScriptCommand {
	return ScriptCommand{Name: "fakegithub", Start: startGitHub}
}

// Setup prepares a script for the `fakegithub` command: call it from
// testscript.Params.Setup.
func Setup(env *testscript.Env) { github().Setup(env) }

// Cmd is the script command
//
//	fakegithub start FILE   # serve FILE's exchanges (see Parse); sets $GITHUB_API_URL
//	fakegithub wait         # stop; fail on a request out of script or one that never came
//	! fakegithub wait       # stop; fail unless something went wrong (to test a script)
//
// The token every request must carry is "Bearer $GITHUB_TOKEN" as it is
// at start ("" = no Authorization). A script that ends without `wait`
// still fails at its cleanup on what went wrong.
func Cmd(ts *testscript.TestScript, neg bool, args []string) { github().Run(ts, neg, args) }

// startGitHub is `fakegithub start FILE`.
func startGitHub(ts *testscript.TestScript, r Reporter, file string) *Server {
	script, err := Parse(ts.ReadFile(file))
	if err != nil {
		ts.Fatalf("fakegithub start %s: %v", file, err)
	}
	for i := range script {
		if script[i].SaveBody != "" {
			script[i].SaveBody = ts.MkAbs(script[i].SaveBody)
		}
	}
	auth := ""
	if tok := ts.Getenv("GITHUB_TOKEN"); tok != "" {
		auth = "Bearer " + tok
	}
	srv := Start(r, auth, script...)
	dir, url := ts.MkAbs("."), srv.URL
	srv.Expand = func(reply string) (string, error) { return expand(dir, url, reply) }
	ts.Setenv("GITHUB_API_URL", srv.URL)
	return srv
}

// expand runs reply as a template (see Parse), reading files relative to
// dir. It runs in the server's goroutine, so it does not touch ts.
func expand(dir, server, reply string) (string, error) {
	if !strings.Contains(reply, "{{") {
		return reply, nil
	}
	tmpl, err := template.New("reply").Funcs(template.FuncMap{
		"server": func() string { return server },
		"json": func(name string) (string, error) {
			if !filepath.IsAbs(name) {
				name = filepath.Join(dir, name)
			}
			b, err := os.ReadFile(name)
			return JSONString(string(b)), err
		},
	}).Parse(reply)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	err = tmpl.Execute(&b, nil)
	return b.String(), err
}
