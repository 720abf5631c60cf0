package evaluator

import (
	"reflect"
	"time"

	"github.com/capcheck/capcheck/schema"
)

// ApplyTrusted returns the head plans of a pull request as they are judged:
// with the trusted settings of the base side — policy thresholds, the
// plan_for and contingency_for scenarios, and exceptions — so a PR cannot
// relax the checks it is judged by. Demand, pools and workloads stay the
// head's. A plan new in the head is judged with the schema's default
// policy and no exceptions. The head plans are not modified; MarkProposed
// later records what the head asked for (CAP014 reports weakenings, which
// apply after merge).
func ApplyTrusted(head []*schema.Plan, base *Document) []*schema.Plan {
	byName := map[string]*PlanDoc{}
	for i := range base.Plans {
		byName[base.Plans[i].Name] = &base.Plans[i]
	}
	out := make([]*schema.Plan, 0, len(head))
	for _, p := range head {
		if p == nil {
			continue
		}
		c := *p
		if b, ok := byName[p.Name]; ok {
			c.Policy = b.Policy
			c.PlanFor = b.PlanFor
			c.ContingencyFor = b.ContingencyFor
			c.Exceptions = exceptionsFromDocs(b.Exceptions)
		} else {
			c.Policy = schema.DefaultPolicy()
			c.PlanFor = schema.Moderate
			c.ContingencyFor = schema.Aggressive
			c.Exceptions = nil
		}
		out = append(out, &c)
	}
	return out
}

// MarkProposed records, on each plan of doc (evaluated with ApplyTrusted),
// the head's own settings when they differ from the trusted ones.
func MarkProposed(doc *Document, head []*schema.Plan) {
	byName := map[string]*schema.Plan{}
	for _, p := range head {
		if p != nil {
			byName[p.Name] = p
		}
	}
	cal := newCalendar(mustParseDate(doc.Now), 1)
	e := &evaluation{cal: cal}
	for i := range doc.Plans {
		pd := &doc.Plans[i]
		p, ok := byName[pd.Name]
		if !ok {
			continue
		}
		own := e.planDoc(p)
		prop := &ProposedDoc{
			Policy:         own.Policy,
			PlanFor:        own.PlanFor,
			ContingencyFor: own.ContingencyFor,
			Exceptions:     own.Exceptions,
		}
		same := reflect.DeepEqual(prop.Policy, pd.Policy) && prop.PlanFor == pd.PlanFor &&
			prop.ContingencyFor == pd.ContingencyFor && sameExceptions(prop.Exceptions, pd.Exceptions)
		if !same {
			pd.Proposed = prop
		}
	}
}

func sameExceptions(a, b []ExceptionDoc) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Rule != b[i].Rule || a[i].Target != b[i].Target || a[i].Expires != b[i].Expires ||
			a[i].Reason != b[i].Reason || a[i].ApprovedBy != b[i].ApprovedBy {
			return false
		}
	}
	return true
}

func exceptionsFromDocs(docs []ExceptionDoc) []schema.Exception {
	var out []schema.Exception
	for _, x := range docs {
		exp, _ := time.Parse("2006-01-02", x.Expires) // zero (expired) when unparsable
		out = append(out, schema.Exception{
			Rule: x.Rule, Target: x.Target, Reason: x.Reason, Expires: exp, ApprovedBy: x.ApprovedBy,
			Pos: posOf(x.Location),
		})
	}
	return out
}

func mustParseDate(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}
	}
	return t
}
