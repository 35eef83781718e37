package faq

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/relaisbot/relais/bot"
)

// list lists the entries, by topic.
func (a *Admin) list(ctx context.Context, actor Actor, cmd Command) (Reply, error) {
	lang := actor.lang()
	all, err := a.store.FAQEntries(ctx)
	if err != nil {
		return Reply{}, err
	}
	type item struct {
		title string
		langs []string
	}
	var (
		ids    []string
		items  = map[string]*item{}
		topics = map[string]int{}
		order  []string // topics in order
	)
	for _, e := range all {
		topic := TopicOf(e.ID)
		if cmd.Topic == "" || topic == cmd.Topic {
			if cmd.Lang != "" && e.Lang != cmd.Lang {
				continue
			}
			it, ok := items[e.ID]
			if !ok {
				it = &item{}
				items[e.ID] = it
				ids = append(ids, e.ID)
				if topics[topic] == 0 {
					order = append(order, topic)
				}
				topics[topic]++
			}
			it.langs = append(it.langs, string(e.Lang))
			if it.title == "" || e.Lang == (cmd.Lang.Or(lang)) {
				it.title = e.Title
			}
		}
	}
	if len(ids) == 0 {
		return a.listEmpty(lang, cmd, all), nil
	}
	var b strings.Builder
	b.WriteString(txtListHeader.in(lang, len(ids)))
	for _, topic := range order {
		fmt.Fprintf(&b, "\n*%s* (%d)", topic, topics[topic])
		for _, id := range ids {
			if TopicOf(id) != topic {
				continue
			}
			it := items[id]
			fmt.Fprintf(&b, "\n• %s — %s (%s)", code(id), it.title, strings.Join(it.langs, ", "))
		}
	}
	b.WriteString("\n" + txtListFooter.in(lang))
	return Reply{Text: b.String()}, nil
}

// listEmpty explains an empty list.
func (a *Admin) listEmpty(lang bot.Lang, cmd Command, all []Entry) Reply {
	if len(all) == 0 {
		return Reply{Text: txtListNone.in(lang)}
	}
	var topics []string
	for _, e := range all {
		if t := TopicOf(e.ID); !slices.Contains(topics, t) {
			topics = append(topics, t)
		}
	}
	if cmd.Topic != "" && !slices.Contains(topics, cmd.Topic) {
		return problems(lang, Problem{Field: "topic", Text: txtNoTopic.in(lang, cmd.Topic, strings.Join(topics, ", "))})
	}
	return Reply{Text: txtListNoneLang.in(lang, cmd.Lang)}
}

// show shows an entry in one language or all.
func (a *Admin) show(ctx context.Context, actor Actor, cmd Command) (Reply, error) {
	lang := actor.lang()
	entries, err := a.current(ctx, cmd.ID, cmd.Lang)
	if err != nil {
		return Reply{}, err
	}
	var b strings.Builder
	for i, e := range entries {
		if i > 0 {
			b.WriteString("\n\n")
		}
		fmt.Fprintf(&b, "*%s* (%s) — %s\n", e.ID, e.Lang, txtRevisionBy.in(lang, e.Revision, e.UpdatedBy, formatTime(e.UpdatedAt)))
		fmt.Fprintf(&b, "*%s:* %s\n", txtLabelTitle.in(lang), e.Title)
		fmt.Fprintf(&b, "*%s (%d):*", txtLabelQuestions.in(lang), len(e.Questions))
		for _, q := range e.Questions {
			b.WriteString("\n• " + q)
		}
		fmt.Fprintf(&b, "\n*%s:*\n%s", txtLabelAnswer.in(lang), e.Answer)
		if len(e.Tags) > 0 {
			fmt.Fprintf(&b, "\n*%s:* %s", txtLabelTags.in(lang), strings.Join(e.Tags, ", "))
		}
	}
	return Reply{Text: b.String()}, nil
}
