package faq

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// speller corrects misspelt query words against the words of the FAQ, one
// word at a time. It finds candidates with the symmetric-delete method
// (every word is indexed under the strings obtained by deleting up to two of
// its letters) and checks them with the Damerau-Levenshtein distance. The
// variants are kept as 64-bit hashes, not strings: a collision only adds a
// candidate, which the distance check then rejects.
type speller struct {
	words   []string
	freq    []int     // how many phrasings use the word
	deletes hashIndex // hash of a deletion variant → indexes into words
	maxLen  int       // runes of the longest word
}

// maxTypos returns how many edits a word of n letters may be corrected by:
// none under 4 letters, 1 up to 7 letters, 2 from 8 letters. (Four-letter
// words are further limited to swapped letters, see correct.)
func maxTypos(n int) int {
	switch {
	case n < 4:
		return 0
	case n < 8:
		return 1
	}
	return 2
}

// newSpeller indexes a vocabulary given as word → frequency.
func newSpeller(freq map[string]int) *speller {
	s := &speller{words: make([]string, 0, len(freq)), freq: make([]int, 0, len(freq))}
	n := 0
	for w := range freq {
		n += variants(utf8.RuneCountInString(w))
	}
	hashes := make([]uint64, 0, n) // the variants of every word, in word order
	owner := make([]int32, 0, n)   // the word of each variant
	for w, f := range freq {
		r := []rune(w)
		if len(r) < 3 {
			continue
		}
		id := int32(len(s.words))
		s.maxLen = max(s.maxLen, len(r))
		s.words = append(s.words, w)
		s.freq = append(s.freq, f)
		// Repeated variants ("commande" without either m) are kept: correct
		// skips a word it has already checked.
		start := len(hashes)
		hashes = appendDeletionHashes(hashes, r, spellDepth(len(r)))
		for range len(hashes) - start {
			owner = append(owner, id)
		}
	}
	s.deletes = newHashIndex(hashes, owner)
	return s
}

// spellDepth is how many deletions a vocabulary word of n runes is indexed
// under: a query word of 8+ letters may be 2 edits away from a word of 6+.
func spellDepth(n int) int {
	if n >= 6 {
		return 2
	}
	return 1
}

// variants is how many deletion variants a vocabulary word of n runes is
// indexed under (0 under 3 runes, which are not indexed).
func variants(n int) int {
	switch {
	case n < 3:
		return 0
	case spellDepth(n) == 1:
		return 1 + n
	}
	return 1 + n + n*(n-1)/2
}

// deletionHashes appends to dst the distinct hashes of r and of every string
// made by deleting up to depth (at most 2) runes from it.
func deletionHashes(dst []uint64, r []rune, depth int) []uint64 {
	start := len(dst)
	dst = appendDeletionHashes(dst, r, depth)
	slices.Sort(dst[start:])
	return append(dst[:start], slices.Compact(dst[start:])...)
}

// appendDeletionHashes is deletionHashes with repeats.
func appendDeletionHashes(dst []uint64, r []rune, depth int) []uint64 {
	dst = append(dst, hashWithout(r, -1, -1))
	if depth >= 1 {
		for i := range r {
			dst = append(dst, hashWithout(r, i, -1))
		}
	}
	if depth >= 2 {
		for i := range r {
			for j := i + 1; j < len(r); j++ {
				dst = append(dst, hashWithout(r, i, j))
			}
		}
	}
	return dst
}

// hashWithout is an FNV-1a hash of r (one step per rune) without the runes
// at positions i and j (-1: none).
func hashWithout(r []rune, i, j int) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for k, c := range r {
		if k != i && k != j {
			h = (h ^ uint64(c)) * prime
		}
	}
	return h
}

// correct returns the vocabulary word closest to w within maxTypos edits.
// Ties go to the more frequent word, then to the alphabetically first, so the
// result is deterministic. It reports false if there is no such word.
func (s *speller) correct(w string) (string, bool) {
	r := []rune(w)
	limit := maxTypos(len(r))
	// A word longer than every word by more than limit is further than limit
	// from all of them; its deletion variants (cubic in its length) are not
	// worth computing.
	if limit == 0 || len(r) > s.maxLen+limit {
		return "", false
	}
	best, bestDist := int32(-1), limit+1
	var seen []int32
	for _, h := range deletionHashes(nil, r, limit) {
		for id := range s.deletes.lookup(h) {
			if slices.Contains(seen, id) {
				continue
			}
			seen = append(seen, id)
			cand := s.words[id]
			dist := osaDistance(r, []rune(cand), limit)
			if dist > limit || !plausibleTypo(r, []rune(cand)) {
				continue
			}
			if dist < bestDist || dist == bestDist && (s.freq[id] > s.freq[best] ||
				s.freq[id] == s.freq[best] && strings.Compare(cand, s.words[best]) < 0) {
				best, bestDist = id, dist
			}
		}
	}
	if best < 0 {
		return "", false
	}
	return s.words[best], true
}

// plausibleTypo reports whether cand is a plausible correction of w besides
// the edit distance. People rarely get the first letter wrong, so it must be
// the same unless the first two letters are swapped ("hills" is not "bills").
// A four-letter word is only corrected for swapped letters ("crad" → "card"):
// one substitution turns too many short words into others ("pain" → "paie").
func plausibleTypo(w, cand []rune) bool {
	if len(w) == 4 && !sameLetters(w, cand) {
		return false
	}
	return w[0] == cand[0] || len(w) > 1 && len(cand) > 1 && w[0] == cand[1] && w[1] == cand[0]
}

// sameLetters reports whether a and b hold the same letters in any order.
func sameLetters(a, b []rune) bool {
	if len(a) != len(b) {
		return false
	}
	var count [128]int
	for i := range a {
		if a[i] >= 128 || b[i] >= 128 {
			return string(a) == string(b)
		}
		count[a[i]]++
		count[b[i]]--
	}
	return count == [128]int{}
}

// osaDistance returns the optimal-string-alignment (restricted
// Damerau-Levenshtein) distance between a and b: insertions, deletions,
// substitutions and transpositions of adjacent letters each cost 1. Results
// above limit are reported as limit+1.
func osaDistance(a, b []rune, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	// Three rolling rows: i-2, i-1, i.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], limit+1)
}
