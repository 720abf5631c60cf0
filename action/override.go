package action

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// Override is the answer of VerifyOverride: whether the override label on
// a pull request counts, who applied it (their latest `labeled` event),
// through which team, and why it does not count when it does not.
type Override struct {
	// Applied is true when the label is on the pull request and its latest
	// application was made by an active member of one of the teams.
	Applied bool
	// By is the login of the user who applied the label last, also when
	// it has been removed since ("" when no labeled event names one).
	By string
	// Team is the "org/slug" of the team By is an active member of (only
	// when Applied).
	Team string
	// At is when the label was applied last (zero when never).
	At time.Time
	// Reason says why the override does not count ("" when Applied).
	Reason string
}

// eventsPerPage is the page size asked of the issue events API (its
// maximum).
const eventsPerPage = 100

var (
	// loginRE is a GitHub user login; an App's "name[bot]" does not match
	// (Apps are never team members) and nothing else reaches an API path.
	loginRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	// teamRE is "org/team-slug" as capcheck.yaml's override.teams names it.
	teamRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9_.-]{1,100}$`)
)

// VerifyOverride says whether the soft-mandatory override of docs/ARCHITECTURE.md
// section 6 holds on pull request number: label is on it now, and the
// latest `labeled` event for label was made by an active member of one of
// teams ("org/team-slug"). Everything is read through the API, never from
// the pull request's own files:
//
//   - GET /repos/{owner}/{repo}/issues/{number}: the labels on it now
//     (names compared case-insensitively, as GitHub does);
//   - GET /repos/{owner}/{repo}/issues/{number}/events, every page: the
//     latest `labeled` event for label and its actor;
//   - GET /orgs/{org}/teams/{slug}/memberships/{actor} for each team in
//     order until one answers state "active"
//     (https://docs.github.com/rest/teams/members#get-team-membership-for-a-user);
//     404 means not a member once GET /orgs/{org}/teams/{slug} shows the
//     token can see the team (a team it cannot see is an error).
//
// A label that is absent (never applied, or removed), applied by an App or
// a deleted user, or applied by someone who is not an active member of any
// team (404, or a pending invitation) gives Applied false and a Reason
// naming who applied it. Any other API answer is an error: the caller fails
// closed, with no override. The token needs issues read and organization
// members read (Actions' GITHUB_TOKEN has no such permission: use a GitHub
// App or fine-grained token).
func VerifyOverride(ctx context.Context, c *github.Client, owner, repo string, number int, label string, teams []string) (Override, error) {
	if number <= 0 {
		return Override{}, fmt.Errorf("verify override: pull request number %d", number)
	}
	if strings.TrimSpace(label) == "" {
		return Override{}, errors.New("verify override: empty label")
	}
	if len(teams) == 0 {
		return Override{}, errors.New("verify override: no team may apply the label")
	}
	for _, t := range teams {
		if !teamRE.MatchString(t) || strings.HasSuffix(t, "/.") || strings.HasSuffix(t, "/..") {
			return Override{}, fmt.Errorf("verify override: team %q: want org/team-slug", t)
		}
	}

	issue, _, err := c.Issues.Get(ctx, owner, repo, number)
	if err != nil {
		return Override{}, fmt.Errorf("verify override: read pull request #%d: %w", number, err)
	}
	onPR := false
	for _, l := range issue.Labels {
		if strings.EqualFold(l.GetName(), label) {
			onPR = true
			break
		}
	}

	ev, err := lastLabeled(ctx, c, owner, repo, number, label)
	if err != nil {
		return Override{}, err
	}
	var o Override
	if ev != nil {
		o.By, o.At = ev.GetActor().GetLogin(), ev.GetCreatedAt().Time
	}
	switch {
	case !onPR && ev == nil:
		o.Reason = fmt.Sprintf("label %q is not on pull request #%d", label, number)
		return o, nil
	case !onPR:
		// Removed after it was applied: a past application is no consent.
		o.Reason = fmt.Sprintf("label %q was applied by @%s on %s but is no longer on pull request #%d", label, o.By, stamp(o.At), number)
		return o, nil
	case ev == nil:
		o.Reason = fmt.Sprintf("label %q is on pull request #%d but no labeled event for it was found, so who applied it is unknown", label, number)
		return o, nil
	case o.By == "":
		o.Reason = fmt.Sprintf("label %q was applied on %s by a user who no longer exists", label, stamp(o.At))
		return o, nil
	case ev.GetActor().GetType() == "Bot" || !loginRE.MatchString(o.By):
		o.Reason = fmt.Sprintf("label %q was applied by @%s on %s, an App or bot, which cannot be a member of %s", label, o.By, stamp(o.At), strings.Join(teams, ", "))
		return o, nil
	}

	var pending []string
	for _, t := range teams {
		org, slug, _ := strings.Cut(t, "/")
		m, _, err := c.Teams.GetTeamMembershipBySlug(ctx, org, slug, o.By)
		if isNotFound(err) {
			// 404 means "not a member" only when the token can see the
			// team: one that cannot gets 404 for every user.
			if _, _, err := c.Teams.GetTeamBySlug(ctx, org, slug); err != nil {
				if isNotFound(err) {
					return Override{}, fmt.Errorf("verify override: team %s not found, or the token cannot read it (it needs organization members read, which Actions' GITHUB_TOKEN lacks)", t)
				}
				return Override{}, fmt.Errorf("verify override: read team %s: %w", t, err)
			}
			continue
		}
		if err != nil {
			return Override{}, fmt.Errorf("verify override: membership of @%s in %s: %w", o.By, t, err)
		}
		switch state := m.GetState(); state {
		case "active":
			o.Applied, o.Team = true, t
			return o, nil
		case "pending":
			pending = append(pending, t)
		default:
			return Override{}, fmt.Errorf("verify override: membership of @%s in %s: unknown state %q", o.By, t, state)
		}
	}
	o.Reason = fmt.Sprintf("label %q was applied by @%s on %s, who is not an active member of %s", label, o.By, stamp(o.At), strings.Join(teams, ", "))
	if len(pending) > 0 {
		o.Reason += fmt.Sprintf(" (membership of %s is pending)", strings.Join(pending, ", "))
	}
	return o, nil
}

// lastLabeled returns the latest `labeled` event for label on the issue,
// reading every page (nil when there is none). Events come oldest first;
// the latest by time wins, and of equal times the later listed.
func lastLabeled(ctx context.Context, c *github.Client, owner, repo string, number int, label string) (*github.IssueEvent, error) {
	var last *github.IssueEvent
	opts := &github.ListOptions{PerPage: eventsPerPage}
	for pages := 1; ; pages++ {
		events, resp, err := c.Issues.ListIssueEvents(ctx, owner, repo, number, opts)
		if err != nil {
			return nil, fmt.Errorf("verify override: read events of pull request #%d: %w", number, err)
		}
		for _, ev := range events {
			if ev.GetEvent() != "labeled" || ev.Label == nil || !strings.EqualFold(ev.Label.GetName(), label) {
				continue
			}
			if last == nil || !ev.GetCreatedAt().Time.Before(last.GetCreatedAt().Time) {
				last = ev
			}
		}
		if resp.NextPage == 0 {
			return last, nil
		}
		if resp.NextPage <= opts.Page || pages >= maxEventPages {
			return nil, fmt.Errorf("verify override: events of pull request #%d: pagination does not end (page %d after %d)", number, resp.NextPage, opts.Page)
		}
		opts.Page = resp.NextPage
	}
}

// maxEventPages bounds the event pages read (GitHub serves at most a few
// thousand events per issue).
const maxEventPages = 100

func isNotFound(err error) bool {
	var er *github.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusNotFound
}

// stamp is an event time as the reasons print it.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
