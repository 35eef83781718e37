package widget

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/relaisbot/relais/bot"
)

// fakeStore is an in-memory bot.Store that behaves like the real one: ids
// start at 1 and grow, ExternalIDs are unique per channel (EConflict), and
// lookups of what does not exist return ENotFound.
type fakeStore struct {
	mu    sync.Mutex
	convs []bot.Conversation // id = index+1
	msgs  []bot.Message      // id = index+1
}

var _ bot.Store = (*fakeStore)(nil)

func notFound(what string) error { return bot.Errorf(bot.ENotFound, "%s not found", what) }

func (s *fakeStore) Conversation(_ context.Context, id int64) (bot.Conversation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id < 1 || id > int64(len(s.convs)) {
		return bot.Conversation{}, notFound("conversation")
	}
	return s.convs[id-1], nil
}

func (s *fakeStore) LatestConversation(_ context.Context, ch bot.Channel, key string) (bot.Conversation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.convs) - 1; i >= 0; i-- {
		if c := s.convs[i]; c.Channel == ch && c.CustomerKey == key {
			return c, nil
		}
	}
	return bot.Conversation{}, notFound("conversation")
}

func (s *fakeStore) MessageByExternalID(_ context.Context, ch bot.Channel, ext string) (bot.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.byExternalID(ch, ext); ok {
		return m, nil
	}
	return bot.Message{}, notFound("message")
}

func (s *fakeStore) byExternalID(ch bot.Channel, ext string) (bot.Message, bool) {
	for _, m := range s.msgs {
		if m.ExternalID == ext && s.convs[m.ConversationID-1].Channel == ch {
			return m, true
		}
	}
	return bot.Message{}, false
}

func (s *fakeStore) Messages(_ context.Context, convID, afterID int64, limit int) ([]bot.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []bot.Message
	for _, m := range s.msgs {
		if m.ConversationID == convID && m.ID > afterID && len(out) < limit {
			out = append(out, m)
		}
	}
	return out, nil
}

func (s *fakeStore) RecentMessages(_ context.Context, convID, afterID int64, limit int) ([]bot.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []bot.Message
	for _, m := range s.msgs {
		if m.ConversationID == convID && m.ID > afterID {
			out = append(out, m)
		}
	}
	if len(out) > limit {
		out = out[len(out)-limit:]
	}
	return out, nil
}

func (s *fakeStore) Commit(_ context.Context, c *bot.Change) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.Conversation == nil {
		return errors.New("change without conversation")
	}
	for _, m := range c.Messages {
		if _, dup := s.byExternalID(c.Conversation.Channel, m.ExternalID); m.ExternalID != "" && dup {
			return bot.Errorf(bot.EConflict, "message already stored")
		}
	}
	if c.Conversation.ID == 0 {
		s.convs = append(s.convs, *c.Conversation)
		c.Conversation.ID = int64(len(s.convs))
	}
	s.convs[c.Conversation.ID-1] = *c.Conversation
	for i := range c.Messages {
		c.Messages[i].ID = int64(len(s.msgs) + 1)
		c.Messages[i].ConversationID = c.Conversation.ID
		s.msgs = append(s.msgs, c.Messages[i])
	}
	for _, id := range c.Handled {
		s.msgs[id-1].Handled = true
	}
	return nil
}

// all returns a copy of every stored message.
func (s *fakeStore) all() []bot.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]bot.Message(nil), s.msgs...)
}

// fakeFAQ knows one entry (delivery). Questions containing "boom" fail, as an
// unreachable FAQ backend would.
type fakeFAQ struct{}

func (fakeFAQ) Answer(_ context.Context, q bot.Query) (bot.Answer, error) {
	text := strings.ToLower(q.Text)
	switch {
	case strings.Contains(text, "boom"):
		return bot.Answer{}, errors.New("faq backend unreachable")
	case strings.Contains(text, "livraison"), strings.Contains(text, "delivery"):
		return bot.Answer{Lang: q.Hint, Action: bot.ActionAnswer, FAQID: "delivery.delay", Topic: "delivery",
			Confidence: 0.9, Reply: "2-3 days."}, nil
	}
	return bot.Answer{Lang: q.Hint, Action: bot.ActionFallback}, nil
}

func (fakeFAQ) Entry(context.Context, string, bot.Lang) (bot.Answer, error) {
	return bot.Answer{}, notFound("entry")
}

type fakePolicy struct{}

func (fakePolicy) Assess(context.Context, bot.Turn) bot.Assessment { return bot.Assessment{} }

type fakeDesk struct{}

func (fakeDesk) Escalate(context.Context, bot.Conversation, bot.Assessment, string) (*bot.Change, error) {
	return nil, bot.Errorf(bot.EUnavailable, "no desk")
}
