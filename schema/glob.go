package schema

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/capcheck/capcheck/internal/diag"
)

// Glob returns the regular files under root matching any of patterns,
// as sorted, unique slash paths relative to root. Patterns are slash paths
// relative to root in which a segment may use path.Match syntax ("*", "?",
// "[a-z]", "\\" escapes), a whole segment "**" matches any number of
// directories, and "{a,b}" (nestable) expands to alternatives. Wildcards
// do not match a name starting with "." unless the pattern segment starts
// with "." too, so ".git" and the like are never walked by accident.
// Invalid patterns and unreadable directories are diagnostics; a pattern
// matching nothing is not.
func Glob(root string, patterns []string) ([]string, diag.Diagnostics) {
	var ds diag.Diagnostics
	fsys := os.DirFS(root)
	seen := map[string]bool{}
	var out []string
	for _, pattern := range patterns {
		expanded, err := expandBraces(pattern)
		if err != nil {
			ds = append(ds, diag.Diagnostic{Severity: diag.Error, Msg: fmt.Sprintf("plan pattern %q: %v", pattern, err)})
			continue
		}
		for _, pat := range expanded {
			segs, err := splitPattern(pat)
			if err != nil {
				ds = append(ds, diag.Diagnostic{Severity: diag.Error, Msg: fmt.Sprintf("plan pattern %q: %v", pattern, err)})
				continue
			}
			prefix, rest := literalPrefix(segs)
			start := strings.Join(prefix, "/")
			if start == "" {
				start = "."
			}
			err = fs.WalkDir(fsys, start, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					if errors.Is(err, fs.ErrNotExist) && p == start {
						return fs.SkipAll
					}
					ds = append(ds, diag.Diagnostic{Range: diag.Pos{File: p}.Range(), Severity: diag.Error, Msg: fmt.Sprintf("walk: %v", err)})
					return nil
				}
				var name []string
				if p != start {
					name = strings.Split(strings.TrimPrefix(p, start+"/"), "/")
					if start == "." {
						name = strings.Split(p, "/")
					}
				}
				if d.IsDir() {
					if p != start && !canDescend(rest, name) {
						return fs.SkipDir
					}
					return nil
				}
				if !matchSegments(rest, name) || seen[p] {
					return nil
				}
				if !d.Type().IsRegular() {
					// A symbolic link counts if it leads to a regular file;
					// the loader checks that it stays inside root.
					fi, err := fs.Stat(fsys, p)
					if err != nil || !fi.Mode().IsRegular() {
						return nil
					}
				}
				seen[p] = true
				out = append(out, p)
				return nil
			})
			if err != nil {
				ds = append(ds, diag.Diagnostic{Severity: diag.Error, Msg: fmt.Sprintf("plan pattern %q: %v", pattern, err)})
			}
		}
	}
	slices.Sort(out)
	return out, ds
}

// splitPattern splits a slash pattern into segments and checks it.
func splitPattern(pat string) ([]string, error) {
	if pat == "" {
		return nil, errors.New("empty pattern")
	}
	if strings.HasPrefix(pat, "/") {
		return nil, errors.New("pattern must be relative to the repository root")
	}
	segs := strings.Split(pat, "/")
	for _, s := range segs {
		switch {
		case s == "" || s == ".":
			return nil, errors.New("pattern has an empty or \".\" segment")
		case s == "..":
			return nil, errors.New("pattern may not leave the repository (\"..\")")
		case s == "**":
		default:
			if _, err := path.Match(s, ""); err != nil {
				return nil, fmt.Errorf("segment %q: %w", s, err)
			}
		}
	}
	if segs[len(segs)-1] == "**" {
		// "dir/**" means every file below dir.
		segs = append(segs, "*")
	}
	return segs, nil
}

func hasMeta(seg string) bool { return strings.ContainsAny(seg, `*?[\`) }

// literalPrefix splits off the leading segments without wildcards: the
// directory the walk starts from.
func literalPrefix(segs []string) (prefix, rest []string) {
	i := 0
	for i < len(segs)-1 && !hasMeta(segs[i]) {
		i++
	}
	return segs[:i], segs[i:]
}

func segmentMatch(pat, name string) bool {
	if strings.HasPrefix(name, ".") && !strings.HasPrefix(pat, ".") {
		return false
	}
	ok, err := path.Match(pat, name)
	return err == nil && ok
}

// matchSegments reports whether name matches pat, "**" matching zero or
// more segments (none starting with ".").
func matchSegments(pat, name []string) bool {
	return reach(pat, name)[len(pat)]
}

// canDescend reports whether a file below directory dir can match pat:
// some part of pat is left once dir is matched.
func canDescend(pat, dir []string) bool {
	return slices.Contains(reach(pat, dir)[:len(pat)], true)
}

// reach matches the segments of name against pat from its start and
// returns which prefixes of pat match all of name: at[i] is set when
// pat[:i] does. It keeps the set of such prefixes segment by segment, so
// it costs at most len(pat)×len(name) segment matches whatever the number
// of "**": trying each way a "**" can split the name, as a recursive match
// does, is exponential in their number.
func reach(pat, name []string) []bool {
	at := make([]bool, len(pat)+1)
	next := make([]bool, len(pat)+1)
	at[0] = true
	skipStars(pat, at)
	for _, seg := range name {
		clear(next)
		for i, p := range pat {
			switch {
			case !at[i]:
			case p == "**":
				// "**" takes seg and may take more.
				next[i] = next[i] || !strings.HasPrefix(seg, ".")
			case segmentMatch(p, seg):
				next[i+1] = true
			}
		}
		skipStars(pat, next)
		at, next = next, at
	}
	return at
}

// skipStars adds to at the prefixes that a "**" matching no segment
// extends a prefix in at to.
func skipStars(pat []string, at []bool) {
	for i, p := range pat {
		if at[i] && p == "**" {
			at[i+1] = true
		}
	}
}

// expandBraces expands "{a,b}" alternatives, nested or repeated, into the
// plain patterns they stand for. "\{" and a lone "}" are literal.
func expandBraces(pat string) ([]string, error) {
	open := -1
	for i := 0; i < len(pat); i++ {
		switch pat[i] {
		case '\\':
			i++
		case '{':
			open = i
		}
		if open >= 0 {
			break
		}
	}
	if open < 0 {
		return []string{pat}, nil
	}
	depth, start := 0, open+1
	var alts []string
	for i := open; i < len(pat); i++ {
		switch pat[i] {
		case '\\':
			i++
		case '{':
			depth++
		case ',':
			if depth == 1 {
				alts = append(alts, pat[start:i])
				start = i + 1
			}
		case '}':
			depth--
			if depth == 0 {
				alts = append(alts, pat[start:i])
				var out []string
				for _, a := range alts {
					more, err := expandBraces(pat[:open] + a + pat[i+1:])
					if err != nil {
						return nil, err
					}
					out = append(out, more...)
				}
				return out, nil
			}
		}
	}
	return nil, errors.New("unmatched \"{\"")
}
