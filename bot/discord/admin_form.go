package discord

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/faq"
)

// Custom ids of the entry form: the modal's ("faqform:REV:LANG:ID"), and
// the button that opens a refused form again ("faqfix:TOKEN").
const (
	prefixForm = "faqform:"
	prefixFix  = "faqfix:"
)

// Text inputs of the entry form, named after the fields of faq.Problem.
const (
	inputQuestions = "questions"
	inputAnswer    = "answer"
	inputTitle     = "title"
	inputTags      = "tags"
)

// Discord's limits on modals.
const (
	maxModalTitle = 45
	maxInput      = 4000
)

// Refused forms are kept formTTL (at most maxForms of them) so that the
// admin can fix them without typing everything again.
const (
	formTTL  = 15 * time.Minute
	maxForms = 200
)

// openForm answers add or edit without a body with the entry form, or with
// the Admin's reply when there is no form to open (a refusal, a mistake).
func (a *Adapter) openForm(ctx context.Context, i *discordgo.Interaction, admin FAQAdmin, actor faq.Actor, line string) error {
	t := adminTextsFor(actor.Lang)
	r, err := admin.Execute(ctx, actor, line)
	if err != nil {
		a.logger.Error("discord: /faq failed", keyUser, actor.ID, keyError, err)
		return a.replyNow(ctx, i, t.Internal, nil)
	}
	if r.Form == nil || len(r.Problems) > 0 {
		return a.replyNow(ctx, i, r.Text, nil)
	}
	modal, ok := entryModal(t, *r.Form)
	if !ok {
		return a.replyNow(ctx, i, fmt.Sprintf(t.FormTooLong, "`/faq command:edit "+r.Form.ID+" "+string(r.Form.Lang)+" Q+: …`"), nil)
	}
	if err := a.respond(ctx, i, map[string]any{"type": callbackModal, "data": modal}); err != nil {
		return fmt.Errorf("open the entry form: %w", err)
	}
	a.logger.Info("discord: entry form opened", keyUser, actor.ID, "entry", r.Form.Key(), "revision", r.Form.Revision)
	return nil
}

// entryModal is the entry form prefilled with e; false if e's questions do
// not fit in a text input.
func entryModal(t adminTexts, e faq.Entry) (map[string]any, bool) {
	questions := strings.Join(e.Questions, "\n")
	if utf8.RuneCountInString(questions) > maxInput {
		return nil, false
	}
	title := fmt.Sprintf(t.FormAdd, e.ID, e.Lang)
	if e.Revision > 0 {
		title = fmt.Sprintf(t.FormEdit, e.ID, e.Lang)
	}
	input := func(id, label string, style discordgo.TextInputStyle, value string, required bool, maxLen int) discordgo.ActionsRow {
		return discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.TextInput{
			CustomID: id, Label: label, Style: style, Value: value, Required: required, MaxLength: maxLen,
		}}}
	}
	return map[string]any{
		"custom_id": prefixForm + strconv.Itoa(e.Revision) + ":" + string(e.Lang) + ":" + e.ID,
		"title":     truncate(title, maxModalTitle),
		"components": []discordgo.MessageComponent{
			input(inputQuestions, t.FormQuestions, discordgo.TextInputParagraph, questions, true, maxInput),
			input(inputAnswer, t.FormAnswer, discordgo.TextInputParagraph, e.Answer, true, 2000),
			input(inputTitle, t.FormTitle, discordgo.TextInputShort, e.Title, false, 75),
			input(inputTags, t.FormTags, discordgo.TextInputShort, strings.Join(e.Tags, ", "), false, 1000),
		},
	}, true
}

// parseForm reads a submitted entry form.
func parseForm(data discordgo.ModalSubmitInteractionData) (faq.Entry, bool) {
	rest, ok := strings.CutPrefix(data.CustomID, prefixForm)
	if !ok {
		return faq.Entry{}, false
	}
	parts := strings.SplitN(rest, ":", 3)
	if len(parts) != 3 {
		return faq.Entry{}, false
	}
	rev, err := strconv.Atoi(parts[0])
	if err != nil {
		return faq.Entry{}, false
	}
	e := faq.Entry{ID: parts[2], Lang: bot.Lang(parts[1]), Revision: rev}
	for _, row := range data.Components {
		r, ok := row.(*discordgo.ActionsRow)
		if !ok {
			continue
		}
		for _, c := range r.Components {
			in, ok := c.(*discordgo.TextInput)
			if !ok {
				continue
			}
			switch in.CustomID {
			case inputQuestions:
				e.Questions = strings.Split(in.Value, "\n")
			case inputAnswer:
				e.Answer = in.Value
			case inputTitle:
				e.Title = strings.TrimSpace(in.Value)
			case inputTags:
				for tag := range strings.SplitSeq(in.Value, ",") {
					if tag = strings.TrimSpace(tag); tag != "" {
						e.Tags = append(e.Tags, tag)
					}
				}
			}
		}
	}
	return e, true
}

// handleForm saves a submitted entry form. A refused form is kept, and the
// answer has a button that opens it again, as typed, to fix it (a modal
// cannot answer a modal).
func (a *Adapter) handleForm(ctx context.Context, i *discordgo.Interaction) {
	ctx, cancel := context.WithTimeout(ctx, handleTimeout)
	defer cancel()
	actor := a.actor(i)
	t := adminTextsFor(actor.Lang)
	log := a.logger.With(keyUser, actor.ID, keyChannel, i.ChannelID)
	admin := a.getAdmin()
	e, ok := parseForm(i.ModalSubmitData())
	if admin == nil || !ok {
		log.Warn("discord: a modal Relais did not open")
		a.replyOrLog(ctx, i, t.Internal, nil)
		return
	}
	log = log.With("entry", e.Key())
	r, err := admin.Save(ctx, actor, e)
	switch {
	case err != nil:
		log.Error("discord: cannot save an entry form", keyError, err)
		a.replyOrLog(ctx, i, t.Internal, nil)
	case len(r.Problems) > 0:
		log.Info("discord: entry form refused", "problems", len(r.Problems))
		button := discordgo.Button{Label: t.FormFix, Style: discordgo.PrimaryButton, CustomID: prefixFix + a.forms.put(actor.ID, e)}
		a.replyOrLog(ctx, i, r.Text, []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{button}}})
	default:
		log.Info("discord: entry form saved")
		a.replyOrLog(ctx, i, t.FormSaved+r.Text, nil)
	}
}

// handleFix opens a refused entry form again, as it was submitted.
func (a *Adapter) handleFix(ctx context.Context, i *discordgo.Interaction) {
	ctx, cancel := context.WithTimeout(ctx, handleTimeout)
	defer cancel()
	actor := a.actor(i)
	t := adminTextsFor(actor.Lang)
	token := strings.TrimPrefix(i.MessageComponentData().CustomID, prefixFix)
	e, ok := a.forms.get(actor.ID, token)
	if !ok {
		a.replyOrLog(ctx, i, t.FormExpired, nil)
		return
	}
	modal, ok := entryModal(t, e)
	if !ok {
		a.replyOrLog(ctx, i, t.FormExpired, nil)
		return
	}
	if err := a.respond(ctx, i, map[string]any{"type": callbackModal, "data": modal}); err != nil {
		a.logger.Warn("discord: cannot open an entry form again", keyUser, actor.ID, keyError, err)
	}
}

// forms keeps refused entry forms, by a random token, for their author.
type forms struct {
	now func() time.Time

	mu      sync.Mutex
	entries map[string]savedForm
}

type savedForm struct {
	user    string
	entry   faq.Entry
	expires time.Time
}

func newForms() *forms { return &forms{now: time.Now, entries: map[string]savedForm{}} }

// put keeps e for user and returns its token.
func (f *forms) put(user string, e faq.Entry) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	token := hex.EncodeToString(b)
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	for k, s := range f.entries {
		if now.After(s.expires) || len(f.entries) >= maxForms {
			delete(f.entries, k)
		}
	}
	f.entries[token] = savedForm{user: user, entry: e, expires: now.Add(formTTL)}
	return token
}

// get returns the form of token if it is user's and has not expired.
func (f *forms) get(user, token string) (faq.Entry, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.entries[token]
	if !ok || s.user != user || f.now().After(s.expires) {
		return faq.Entry{}, false
	}
	return s.entry, true
}
