package bot

import (
	"strings"
	"unicode"
)

// foldMap maps Latin letters with diacritics to their base letter.
var foldMap = map[rune]string{
	'à': "a", 'â': "a", 'ä': "a", 'á': "a", 'ã': "a", 'å': "a",
	'ç': "c", 'é': "e", 'è': "e", 'ê': "e", 'ë': "e",
	'î': "i", 'ï': "i", 'í': "i", 'ì': "i",
	'ô': "o", 'ö': "o", 'ó': "o", 'ò': "o", 'õ': "o",
	'ù': "u", 'û': "u", 'ü': "u", 'ú': "u", 'ÿ': "y", 'ñ': "n",
	'œ': "oe", 'æ': "ae", 'ß': "ss",
	'’': "'", '‘': "'", 'ʼ': "'", '`': "'",
}

// Fold lower-cases s, removes diacritics and turns typographic apostrophes
// into ASCII ones: "Où est ma COMMANDE’" becomes "ou est ma commande'".
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		r = unicode.ToLower(r)
		if f, ok := foldMap[r]; ok {
			b.WriteString(f)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
