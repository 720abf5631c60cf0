package action

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/google/go-github/v60/github"
)

// Event is what capcheck needs of the workflow event that triggered a run
// ($GITHUB_EVENT_NAME, $GITHUB_EVENT_PATH).
type Event struct {
	// Name is the event name (pull_request, pull_request_target,
	// workflow_run, schedule, …).
	Name string
	// Number is the pull request's number; 0 when the event names none. A
	// workflow_run event names one only for a same-repository PR: the
	// two-stage flow for forks passes --pr from the first stage's artifact.
	Number int
	// HeadSHA is the commit the links point at: the PR head (not the merge
	// commit in $GITHUB_SHA), or the triggering run's head_sha.
	HeadSHA string
	// Repo is the base repository's owner/name.
	Repo string
	// HeadRepo and HeadBranch are where the PR's head lives (the
	// triggering run's head_repository and head_branch for workflow_run).
	HeadRepo, HeadBranch string
	// Fork is true when the PR's head lives in another repository.
	Fork bool
}

// ReadEvent reads the event payload at path for the event called name.
func ReadEvent(name, path string) (*Event, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read GitHub event: %w", err)
	}
	ev, err := ParseEvent(name, data)
	if err != nil {
		return nil, fmt.Errorf("read GitHub event %s: %w", path, err)
	}
	return ev, nil
}

// ParseEvent decodes an event payload
// (https://docs.github.com/webhooks/webhook-events-and-payloads).
func ParseEvent(name string, data []byte) (*Event, error) {
	var raw struct {
		Number      int `json:"number"`
		PullRequest *struct {
			Number int `json:"number"`
			Head   struct {
				SHA  string `json:"sha"`
				Ref  string `json:"ref"`
				Repo *struct {
					FullName string `json:"full_name"`
				} `json:"repo"`
			} `json:"head"`
		} `json:"pull_request"`
		WorkflowRun *struct {
			HeadSHA        string `json:"head_sha"`
			HeadBranch     string `json:"head_branch"`
			HeadRepository *struct {
				FullName string `json:"full_name"`
			} `json:"head_repository"`
			PullRequests []struct {
				Number int `json:"number"`
			} `json:"pull_requests"`
		} `json:"workflow_run"`
		Repository *struct {
			FullName string `json:"full_name"`
		} `json:"repository"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	ev := &Event{Name: name}
	if raw.Repository != nil {
		ev.Repo = raw.Repository.FullName
	}
	switch {
	case raw.PullRequest != nil:
		ev.Number = raw.PullRequest.Number
		ev.HeadSHA = raw.PullRequest.Head.SHA
		ev.HeadBranch = raw.PullRequest.Head.Ref
		if r := raw.PullRequest.Head.Repo; r != nil {
			ev.HeadRepo = r.FullName
		}
	case raw.WorkflowRun != nil:
		ev.HeadSHA = raw.WorkflowRun.HeadSHA
		ev.HeadBranch = raw.WorkflowRun.HeadBranch
		if r := raw.WorkflowRun.HeadRepository; r != nil {
			ev.HeadRepo = r.FullName
		}
		if len(raw.WorkflowRun.PullRequests) == 1 {
			ev.Number = raw.WorkflowRun.PullRequests[0].Number
		}
	}
	ev.Fork = ev.HeadRepo != "" && ev.Repo != "" && !strings.EqualFold(ev.HeadRepo, ev.Repo)
	if ev.Number < 0 {
		return nil, fmt.Errorf("pull request number %d", ev.Number)
	}
	if ev.HeadSHA != "" && !shaRE.MatchString(ev.HeadSHA) {
		return nil, fmt.Errorf("head sha %q is not a commit id", ev.HeadSHA)
	}
	return ev, nil
}

var (
	shaRE  = regexp.MustCompile(`^[0-9a-f]{40}([0-9a-f]{24})?$`)
	repoRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$`)
)

// SplitRepo splits "owner/name", refusing anything else (the parts go
// into API paths).
func SplitRepo(s string) (owner, name string, err error) {
	if !repoRE.MatchString(s) || strings.HasSuffix(s, "/.") || strings.HasSuffix(s, "/..") {
		return "", "", fmt.Errorf("repository %q: want owner/name", s)
	}
	owner, name, _ = strings.Cut(s, "/")
	return owner, name, nil
}

// ErrStale says the pull request's head has moved on since the run whose
// result is being posted: a newer run will post its own.
var ErrStale = errors.New("the pull request has new commits")

// VerifyPR checks that pull request number belongs to the run of ev (a
// workflow_run event). The two-stage flow reads the PR number from an
// artifact that the untrusted first stage wrote, while the event's head
// repository, branch and commit come from GitHub: a number whose PR has
// another head repository or branch is refused, and one whose head has
// moved past ev.HeadSHA gives an error wrapping ErrStale.
func VerifyPR(ctx context.Context, c *github.Client, owner, repo string, number int, ev *Event) error {
	if ev == nil || ev.HeadSHA == "" {
		return fmt.Errorf("verify pull request #%d: the event names no head commit", number)
	}
	pr, _, err := c.PullRequests.Get(ctx, owner, repo, number)
	if err != nil {
		return fmt.Errorf("read pull request #%d: %w", number, err)
	}
	head := pr.GetHead()
	if (ev.HeadRepo != "" && !strings.EqualFold(head.GetRepo().GetFullName(), ev.HeadRepo)) ||
		(ev.HeadBranch != "" && head.GetRef() != ev.HeadBranch) {
		return fmt.Errorf("pull request #%d comes from %s:%s, not from the run's %s:%s: refusing to comment",
			number, head.GetRepo().GetFullName(), head.GetRef(), ev.HeadRepo, ev.HeadBranch)
	}
	if !strings.EqualFold(head.GetSHA(), ev.HeadSHA) {
		return fmt.Errorf("pull request #%d is at %s, past the run's %s: %w", number, head.GetSHA(), ev.HeadSHA, ErrStale)
	}
	return nil
}
