package schema

import (
	"strconv"
	"strings"
)

// suggest returns ` (did you mean "x"?)` for the closest candidate, or "".
// It is only called on the error path, so a scan of every candidate is fine.
func suggest(s string, candidates []string) string {
	if m := closest(s, candidates); m != "" {
		return " (did you mean " + strconv.Quote(m) + "?)"
	}
	return ""
}

// closest finds the candidate nearest to s by edit distance (letters
// swapped count once), ignoring case; "" when none is near enough.
func closest(s string, candidates []string) string {
	ls := strings.ToLower(s)
	limit := min(3, 1+len([]rune(ls))/4)
	best, bestD := "", limit+1
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if abs(len(lc)-len(ls)) > limit {
			continue
		}
		d := editDistance(ls, lc)
		if d < bestD || (d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	if best == s {
		return ""
	}
	return best
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// editDistance is the optimal string alignment distance (Levenshtein plus
// transposition of neighbours).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
