package faq

import (
	"context"
	"slices"
	"sync"
)

// fakeStore is an in-memory Store that behaves like the SQL one: SeedFAQ
// stores only into a FAQ that never held an entry, FAQEntries returns copies.
type fakeStore struct {
	mu      sync.Mutex
	entries []Entry
	everSet bool
	err     error // returned by every method when set
}

var _ Store = (*fakeStore)(nil)

func (s *fakeStore) FAQEntries(ctx context.Context) ([]Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	return slices.Clone(s.entries), nil
}

func (s *fakeStore) SeedFAQ(ctx context.Context, entries []Entry) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return false, s.err
	}
	if s.everSet {
		return false, nil
	}
	for _, e := range entries {
		e.Revision, e.UpdatedBy = 1, "seed"
		s.entries = append(s.entries, e)
	}
	s.everSet = true
	return true, nil
}

// put replaces or adds an entry, as an admin edit would.
func (s *fakeStore) put(e Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.everSet = true
	for i := range s.entries {
		if s.entries[i].Key() == e.Key() {
			s.entries[i] = e
			return
		}
	}
	s.entries = append(s.entries, e)
}
