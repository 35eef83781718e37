package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/relaisbot/relais/bot"
)

// Limits of what is sent and asked for.
const (
	maxMessageRunes  = 1000 // of one message sent
	summaryMessages  = 30   // latest messages of a conversation summarised
	opinionMessages  = 8    // latest customer messages judged
	maxPhraseTokens  = 500
	maxSummaryTokens = 200
	maxOpinionTokens = 20
	maxSummaryRunes  = 700
)

func langName(l bot.Lang) string {
	if l == bot.LangFR {
		return "French"
	}
	return "English"
}

const phrasePrompt = `You are the customer-support assistant of an online shop. Rewrite the ANSWER so that it replies to the customer's MESSAGE directly and naturally, in %s.
Rules:
- Use only the information in the ANSWER. Never add a number, price, amount, date, time, delay, link, email address, phone number, promise, guarantee, refund, discount, or anything free that is not in the ANSWER.
- Keep every condition and limit of the ANSWER. Keep bracketed marks such as [EMAIL_1] exactly as they are.
- No greeting, no signature, no markdown. Not longer than the ANSWER.
Reply with the rewritten answer only.`

// Phrase rewords answer (an FAQ answer) for the customer's message, in
// lang. The shop's email addresses and phone numbers in the answer are sent
// as marks and put back afterwards; the customer's personal data is
// redacted. The caller must check the result (faq.CheckGrounded).
func (c *Client) Phrase(ctx context.Context, answer, message string, lang bot.Lang) (string, error) {
	sent, restore := redactReversible(answer)
	out, err := c.chat(ctx, kindPhrase, []goopenai.ChatCompletionMessage{
		{Role: goopenai.ChatMessageRoleSystem, Content: fmt.Sprintf(phrasePrompt, langName(lang))},
		{Role: goopenai.ChatMessageRoleUser, Content: "MESSAGE:\n" + clip(message, maxMessageRunes) + "\n\nANSWER:\n" + sent},
	}, maxPhraseTokens, false)
	if err != nil {
		return "", err
	}
	return restore(out), nil
}

const summaryPrompt = `You help support agents who take over a conversation from a shop's chatbot. Write, in %s, 2 or 3 short lines (at most 25 words each), plain text, no markdown, no greeting:
1. what the customer needs;
2. what the bot already answered or tried;
3. only if useful: the customer's mood or anything urgent.
Never copy personal data.`

// Summarize writes a 2–3 line summary of msgs for agents, in lang. Only the
// customer's and the bot's messages are sent (redacted), never agents'.
func (c *Client) Summarize(ctx context.Context, lang bot.Lang, msgs []bot.Message) (string, error) {
	var b strings.Builder
	lines := 0
	for _, m := range msgs[max(0, len(msgs)-summaryMessages):] {
		who := ""
		switch m.Role {
		case bot.RoleCustomer:
			who = "Customer"
		case bot.RoleBot:
			who = "Bot"
		default:
			continue // agents' messages are never sent
		}
		text := strings.TrimSpace(m.Text)
		if text == "" {
			continue
		}
		fmt.Fprintf(&b, "%s: %s\n", who, strings.ReplaceAll(clip(text, maxMessageRunes), "\n", " "))
		lines++
	}
	if lines == 0 {
		return "", errors.New("nothing to summarise")
	}
	out, err := c.chat(ctx, kindSummary, []goopenai.ChatCompletionMessage{
		{Role: goopenai.ChatMessageRoleSystem, Content: fmt.Sprintf(summaryPrompt, langName(lang))},
		{Role: goopenai.ChatMessageRoleUser, Content: b.String()},
	}, maxSummaryTokens, false)
	if err != nil {
		return "", err
	}
	return clip(Redact(out), maxSummaryRunes), nil
}

const opinionPrompt = `You judge whether a customer writing to an online shop's support is frustrated: annoyed, angry, exasperated or losing patience. Calm questions, even about problems, are not frustration.
Answer with a JSON object only: {"frustrated": true} or {"frustrated": false}.`

// Frustrated asks whether the customer is frustrated, from their latest
// messages (redacted; the bot's and agents' messages are not sent). The
// reply must be the JSON object {"frustrated": true|false}; anything else is
// an error.
func (c *Client) Frustrated(ctx context.Context, history []bot.Message, latest bot.Message) (bool, error) {
	var earlier []string
	for i := len(history) - 1; i >= 0 && len(earlier) < opinionMessages-1; i-- {
		if m := history[i]; m.Role == bot.RoleCustomer && strings.TrimSpace(m.Text) != "" && m.ID != latest.ID {
			earlier = append(earlier, "- "+strings.ReplaceAll(clip(m.Text, maxMessageRunes), "\n", " "))
		}
	}
	var b strings.Builder
	if len(earlier) > 0 {
		b.WriteString("Earlier messages from the customer, oldest first:\n")
		for i := len(earlier) - 1; i >= 0; i-- {
			b.WriteString(earlier[i] + "\n")
		}
		b.WriteString("\n")
	}
	text := strings.TrimSpace(latest.Text)
	if text == "" {
		text = "(clicked a button: " + latest.Payload + ")"
	}
	b.WriteString("Latest message:\n" + clip(text, maxMessageRunes))
	out, err := c.chat(ctx, kindOpinion, []goopenai.ChatCompletionMessage{
		{Role: goopenai.ChatMessageRoleSystem, Content: opinionPrompt},
		{Role: goopenai.ChatMessageRoleUser, Content: b.String()},
	}, maxOpinionTokens, true)
	if err != nil {
		return false, err
	}
	v, err := parseOpinion(out)
	if err != nil {
		c.stats.failures[failBadReply].Add(1)
		return false, fmt.Errorf("openai second_opinion: %w", err)
	}
	return v, nil
}

// parseOpinion reads the strict JSON answer {"frustrated": true|false}
// (a Markdown code fence around it is tolerated).
func parseOpinion(s string) (bool, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "```") {
		s = strings.TrimPrefix(strings.TrimPrefix(s, "```json"), "```")
		s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "```"))
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	var v struct {
		Frustrated *bool `json:"frustrated"`
	}
	if err := dec.Decode(&v); err != nil || v.Frustrated == nil || dec.More() {
		return false, fmt.Errorf("reply is not {\"frustrated\": true|false} (%d bytes)", len(s))
	}
	return *v.Frustrated, nil
}

// clip cuts s to at most n runes.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
