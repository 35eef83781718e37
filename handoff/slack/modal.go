package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/faq"
)

// CallbackEntryForm is the callback id of the modal that adds or edits an
// FAQ entry.
const CallbackEntryForm = "relais_faq_entry"

// Block ids of the entry form: the fields of faq.Problem, so that a
// problem shows under its input; each input's action id is actionValue.
const (
	blockQuestions = "questions"
	blockAnswer    = "answer"
	blockTitle     = "title"
	blockTags      = "tags"
	actionValue    = "value"
)

// Slack's limits on a plain-text input (characters).
const (
	maxInput    = 3000
	maxAnswerIn = 2000 // faq's limit
	maxTitleIn  = 75   // faq's limit
)

// formMeta is what the form carries (private_metadata): the entry, the
// revision it was prefilled from, and where to say it was saved.
type formMeta struct {
	ID          string   `json:"id"`
	Lang        bot.Lang `json:"lang"`
	Revision    int      `json:"rev"`
	ResponseURL string   `json:"url,omitempty"`
	Channel     string   `json:"ch,omitempty"`
}

// errFormTooLong means an entry's questions do not fit in the form.
type errFormTooLong struct{}

func (errFormTooLong) Error() string { return "the questions do not fit in a form input" }

// openEntryForm opens the entry form, prefilled with e, for the user of
// triggerID (valid 3 s after their command).
func (a *Adapter) openEntryForm(ctx context.Context, triggerID string, meta formMeta, e faq.Entry) error {
	view, err := a.entryView(meta, e)
	if err != nil {
		return err
	}
	if _, err := a.admapi.OpenViewContext(ctx, triggerID, view); err != nil {
		return fmt.Errorf("views.open: %w", err)
	}
	return nil
}

// entryView is the entry form.
func (a *Adapter) entryView(meta formMeta, e faq.Entry) (slack.ModalViewRequest, error) {
	t := a.atexts
	questions := strings.Join(e.Questions, "\n")
	if utf8.RuneCountInString(questions) > maxInput {
		return slack.ModalViewRequest{}, errFormTooLong{}
	}
	md, err := json.Marshal(meta)
	if err != nil {
		return slack.ModalViewRequest{}, err
	}
	plain := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
	}
	ref := "`" + e.ID + "` (" + string(e.Lang) + ")"
	title, about := t.FormAddTitle, fmt.Sprintf(t.FormNew, ref)
	if meta.Revision > 0 {
		title, about = t.FormEditTitle, fmt.Sprintf(t.FormRevision, ref, meta.Revision, escape(e.UpdatedBy))
	}
	input := func(block, label, hint, value string, multiline bool, maxLen int, optional bool) *slack.InputBlock {
		el := slack.NewPlainTextInputBlockElement(nil, actionValue)
		el.Multiline, el.InitialValue, el.MaxLength = multiline, value, maxLen
		in := slack.NewInputBlock(block, plain(label), plain(hint), el)
		in.Optional = optional
		return in
	}
	return slack.ModalViewRequest{
		Type: slack.VTModal, Title: plain(title), Submit: plain(t.FormSave), Close: plain(t.FormCancel),
		CallbackID: CallbackEntryForm, PrivateMetadata: string(md),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewContextBlock("about", slack.NewTextBlockObject(slack.MarkdownType, about, false, false)),
			input(blockQuestions, t.FormQuestions, t.FormQHint, questions, true, maxInput, false),
			input(blockAnswer, t.FormAnswer, fmt.Sprintf(t.FormAnswerHint, placeholders), e.Answer, true, maxAnswerIn, false),
			input(blockTitle, t.FormTitle, t.FormTitleHint, e.Title, false, maxTitleIn, true),
			input(blockTags, t.FormTags, t.FormTagsHint, strings.Join(e.Tags, ", "), false, maxInput, true),
		}},
	}, nil
}

// submitEntryForm saves a submitted entry form and returns Slack's answer:
// the problems under their inputs, a notice replacing the form for a
// problem no input can show (the entry changed meanwhile), or closing the
// form, the Admin's reply then going to the user.
func (a *Adapter) submitEntryForm(ctx context.Context, cb slack.InteractionCallback) *slack.ViewSubmissionResponse {
	log := a.logger.With("user", cb.User.ID, "view", cb.View.ID)
	admin := a.getAdmin()
	var meta formMeta
	if admin == nil || json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta) != nil || meta.ID == "" {
		log.Warn("slack: entry form without its metadata")
		return a.notice(a.atexts.Internal)
	}
	log = log.With("entry", meta.ID+"/"+string(meta.Lang))
	actor, err := a.actor(ctx, cb.User.ID, cb.User.Name)
	if err != nil {
		log.Error("slack: cannot check a FAQ admin", "err", err)
		return a.notice(a.atexts.PermissionCheck)
	}
	value := func(block string) string {
		if cb.View.State == nil {
			return ""
		}
		return cb.View.State.Values[block][actionValue].Value
	}
	e := faq.Entry{ID: meta.ID, Lang: meta.Lang, Revision: meta.Revision,
		Title: strings.TrimSpace(value(blockTitle)), Questions: strings.Split(value(blockQuestions), "\n"),
		Answer: value(blockAnswer), Tags: splitTags(value(blockTags))}
	r, err := admin.Save(ctx, actor, e)
	if err != nil {
		log.Error("slack: cannot save an entry form", "err", err)
		return a.notice(a.atexts.Internal)
	}
	if len(r.Problems) > 0 {
		log.Info("slack: entry form refused", "problems", len(r.Problems))
		if errs := formErrors(r.Problems); len(errs) > 0 {
			return slack.NewErrorsViewSubmissionResponse(errs)
		}
		return a.notice(r.Text)
	}
	log.Info("slack: entry form saved")
	text := a.atexts.FormSaved + r.Text
	if !a.jobs.start(func(ctx context.Context) { a.tell(ctx, meta.ResponseURL, meta.Channel, "", cb.User.ID, text) }) {
		log.Warn("slack: cannot confirm a saved entry form: shutting down or busy")
	}
	return slack.NewClearViewSubmissionResponse()
}

// formErrors maps problems to the inputs they concern; none if a problem
// concerns no input (all of them are then shown together).
func formErrors(ps []faq.Problem) map[string]string {
	errs := map[string]string{}
	for _, p := range ps {
		switch p.Field {
		case blockQuestions, blockAnswer, blockTitle, blockTags:
			if errs[p.Field] != "" {
				errs[p.Field] += " "
			}
			errs[p.Field] += p.Text
		default:
			return nil
		}
	}
	return errs
}

// notice replaces the form with a message and a Close button.
func (a *Adapter) notice(text string) *slack.ViewSubmissionResponse {
	plain := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
	}
	return slack.NewUpdateViewSubmissionResponse(&slack.ModalViewRequest{
		Type: slack.VTModal, Title: plain(a.atexts.FormNotSaved), Close: plain(a.atexts.FormClose),
		Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(
			slack.NewTextBlockObject(slack.MarkdownType, truncate(escape(text), maxInput), false, false), nil, nil)}},
	})
}

// splitTags reads comma-separated tags.
func splitTags(s string) []string {
	var tags []string
	for t := range strings.SplitSeq(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	return tags
}
