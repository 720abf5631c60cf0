package fakegithub

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestScripts runs testdata/*.txtar: the `fakegithub` command against
// `send METHOD PATH [BODY]`, which prints the answer's status and body.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"fakegithub": Cmd,
			"send": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 2 || len(args) > 3 {
					ts.Fatalf("usage: send METHOD PATH [BODY]")
				}
				body := ""
				if len(args) == 3 {
					body = args[2]
				}
				req, err := http.NewRequest(args[0], ts.Getenv("GITHUB_API_URL")+args[1], strings.NewReader(body))
				ts.Check(err)
				if tok := ts.Getenv("GITHUB_TOKEN"); tok != "" {
					req.Header.Set("Authorization", "Bearer "+tok)
				}
				resp, err := http.DefaultClient.Do(req)
				ts.Check(err)
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				ts.Stdout().Write([]byte(resp.Status + "\n" + string(b) + "\n"))
			},
		},
		Setup: func(env *testscript.Env) error {
			Setup(env)
			return nil
		},
	})
}
