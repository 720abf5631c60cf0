package fakegithub

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// do sends one request to s and returns the answer's status and body.
func do(t *testing.T, s *Server, method, target, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServerFailures: each way a client can stray from the script is
// reported, and an exchange that never came is reported by Finish.
func TestServerFailures(t *testing.T) {
	list := Exchange{Method: "GET", Path: "/repos/o/r/issues/1/comments", Query: "per_page=100", Reply: `[]`}
	create := Exchange{Method: "POST", Path: "/repos/o/r/issues/1/comments", Body: `{"body":"hi"}`, Status: 201, Reply: `{"id":7}`}
	tests := []struct {
		name   string
		script []Exchange
		send   func(t *testing.T, s *Server)
		want   []string // each failure's start (a cmp diff follows some)
	}{
		{
			name:   "as scripted",
			script: []Exchange{list, create},
			send: func(t *testing.T, s *Server) {
				do(t, s, "GET", "/repos/o/r/issues/1/comments?per_page=100", "")
				if st, body := do(t, s, "POST", "/repos/o/r/issues/1/comments", `{ "body": "hi" }`); st != 201 || body != `{"id":7}` {
					t.Errorf("create answered %d %s, want 201 {\"id\":7}", st, body)
				}
			},
		},
		{
			name:   "a request that never came",
			script: []Exchange{list, create},
			send:   func(t *testing.T, s *Server) { do(t, s, "GET", "/repos/o/r/issues/1/comments?per_page=100", "") },
			want:   []string{"fake GitHub: 1 of 2 requests made; next expected: POST /repos/o/r/issues/1/comments"},
		},
		{
			name:   "a request out of script is answered 418",
			script: nil,
			send: func(t *testing.T, s *Server) {
				if st, _ := do(t, s, "DELETE", "/repos/o/r/issues/comments/7", ""); st != http.StatusTeapot {
					t.Errorf("status %d, want 418", st)
				}
			},
			want: []string{"unexpected request DELETE /repos/o/r/issues/comments/7? "},
		},
		{
			name:   "out of order",
			script: []Exchange{list, create},
			send: func(t *testing.T, s *Server) {
				do(t, s, "POST", "/repos/o/r/issues/1/comments", `{"body":"hi"}`)
				do(t, s, "GET", "/repos/o/r/issues/1/comments?per_page=100", "")
			},
			want: []string{
				"request 1: POST /repos/o/r/issues/1/comments, want GET /repos/o/r/issues/1/comments",
				"request 1 POST /repos/o/r/issues/1/comments: query (-want +got):\n",
				"request 1 POST /repos/o/r/issues/1/comments: body {\"body\":\"hi\"}, want none",
				"request 2: GET /repos/o/r/issues/1/comments, want POST /repos/o/r/issues/1/comments",
				"request 2 GET /repos/o/r/issues/1/comments: query (-want +got):\n",
				"request 2 GET /repos/o/r/issues/1/comments: body \"\" is not JSON: unexpected end of JSON input",
				"request 2 GET /repos/o/r/issues/1/comments: body (-want +got):\n",
			},
		},
		{
			name: "fragments and headers",
			script: []Exchange{{Method: "POST", Path: "/x", Contains: []string{"capcheck:comment", "FAIL"},
				Headers: map[string]string{"X-GitHub-Api-Version": "2022-11-28"}, Status: 201}},
			send: func(t *testing.T, s *Server) { do(t, s, "POST", "/x", `<!-- capcheck:comment --> PASS`) },
			want: []string{
				`request 1 POST /x: header X-GitHub-Api-Version "", want "2022-11-28"`,
				"request 1 POST /x: body does not contain \"FAIL\":\n<!-- capcheck:comment --> PASS",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c collector
			s := Start(&c, "Bearer tok", tc.script...)
			tc.send(t, s)
			s.Finish()
			s.Finish() // a second Finish reports nothing more
			got := c.take()
			for i := range got {
				if i < len(tc.want) && strings.HasPrefix(got[i], tc.want[i]) {
					got[i] = tc.want[i] // cmp's diff that follows is not stable text
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("failures (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParse(t *testing.T) {
	text := `# a comment
> GET /repos/o/r/issues/12/comments?per_page=100
< 200
[]

> POST /repos/o/r/issues/12/comments
> contains <!-- capcheck:comment -->
> header Accept: application/vnd.github+json
> save posted.md body
< 201
< Location: {{server}}/c/77
{"id":77,
 "body":{{json "posted.md"}}}

> DELETE /repos/o/r/issues/comments/60
> drop
> PATCH /repos/o/r/issues/comments/77
> body {"body":"x"}
< 200
{}
`
	got, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	want := []Exchange{
		{Method: "GET", Path: "/repos/o/r/issues/12/comments", Query: "per_page=100", Status: 200, Reply: "[]"},
		{Method: "POST", Path: "/repos/o/r/issues/12/comments", Contains: []string{"<!-- capcheck:comment -->"},
			Headers: map[string]string{"Accept": "application/vnd.github+json"}, SaveBody: "posted.md", SaveField: "body",
			Status: 201, Header: map[string]string{"Location": "{{server}}/c/77"}, Reply: "{\"id\":77,\n \"body\":{{json \"posted.md\"}}}"},
		{Method: "DELETE", Path: "/repos/o/r/issues/comments/60", Drop: true},
		{Method: "PATCH", Path: "/repos/o/r/issues/comments/77", Body: `{"body":"x"}`, Status: 200, Reply: "{}"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Parse (-want +got):\n%s", diff)
	}

	for _, tc := range []struct{ text, wantErr string }{
		{"> GET /x\n", "GET /x has no answer (a line < STATUS)"},
		{"> GET /x\n> GET /y\n< 200\n", "line 2: GET /x has no answer (a line < STATUS)"},
		{"> get /x\n< 200\n", `line 1: want METHOD /PATH, got "get /x"`},
		{"> GET /x\n> wait\n< 200\n", `line 2: unknown request line "wait" (want body, contains, header, save, drop or hang)`},
		{"> GET /x\n< OK\n", `line 2: want the answer's status, got "OK"`},
		{"[]\n", "line 1: an answer body belongs after the answer's status line"},
		{"> GET /x\n< 200\n[]\n< X: y\n", "line 4: an answer line belongs after a request and before the answer body"},
	} {
		if _, err := Parse(tc.text); err == nil || err.Error() != tc.wantErr {
			t.Errorf("Parse(%q) error = %v, want %s", tc.text, err, tc.wantErr)
		}
	}
}
