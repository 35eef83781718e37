package faq

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
)

// The built-in FAQ, loaded into an empty database on first start. Each file
// in seed/ is a JSON array of Entry objects in one language (see
// seed/README.md); every id exists in both French and English.
//
//go:embed seed/*.json
var seedFS embed.FS

// Seed returns the built-in FAQ entries, in both languages.
func Seed() ([]Entry, error) {
	files, err := fs.Glob(seedFS, "seed/*.json")
	if err != nil {
		return nil, fmt.Errorf("list seed files: %w", err)
	}
	var all []Entry
	for _, name := range files {
		b, err := seedFS.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		var entries []Entry
		if err := json.Unmarshal(b, &entries); err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		all = append(all, entries...)
	}
	return all, nil
}
