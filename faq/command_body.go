package faq

import (
	"strings"
)

// bodyField is a kind of line in the body of add and edit.
type bodyField int

const (
	fieldQuestion bodyField = iota + 1
	fieldAddQuestion
	fieldRemoveQuestion
	fieldAnswer
	fieldTitle
	fieldTags
)

// bodyFields maps the names a body line may start with (folded, before the
// colon) to its field; French names are accepted too.
var bodyFields = map[string]bodyField{
	"q": fieldQuestion, "question": fieldQuestion,
	"q+": fieldAddQuestion, "+q": fieldAddQuestion,
	"q-": fieldRemoveQuestion, "-q": fieldRemoveQuestion,
	"a": fieldAnswer, "answer": fieldAnswer, "r": fieldAnswer, "reponse": fieldAnswer,
	"title": fieldTitle, "titre": fieldTitle,
	"tags": fieldTags, "tag": fieldTags,
}

// bodyFieldNames is how messages name each field.
var bodyFieldNames = map[bodyField]string{
	fieldQuestion: "Q:", fieldAddQuestion: "Q+:", fieldRemoveQuestion: "Q-:",
	fieldAnswer: "A:", fieldTitle: "title:", fieldTags: "tags:",
}

// fieldOf reports whether line starts with a field name and a colon, and
// returns the field and what follows the colon.
func fieldOf(line string) (bodyField, string, bool) {
	name, value, ok := strings.Cut(line, ":")
	if !ok || len(name) > 12 {
		return 0, "", false
	}
	f, ok := bodyFields[fold(strings.TrimSpace(name))]
	return f, strings.TrimSpace(value), ok
}

func isFieldLine(line string) bool {
	_, _, ok := fieldOf(line)
	return ok
}

// parseBody parses the body of add or edit; its first line is line number
// first of the command.
func parseBody(text string, first int) (*Body, error) {
	b := &Body{}
	var answer []string
	inAnswer := false
	for i, line := range strings.Split(text, "\n") {
		n := first + i
		f, value, ok := fieldOf(line)
		if !ok {
			switch {
			case inAnswer:
				answer = append(answer, strings.TrimRight(line, " \t"))
			case strings.TrimSpace(line) != "":
				return nil, cmdErr("", txtNotAField, n, echo(strings.TrimSpace(line)))
			}
			continue
		}
		inAnswer = false
		switch f {
		case fieldAnswer, fieldTitle, fieldTags:
			if f == fieldAnswer && b.HasAnswer || f == fieldTitle && b.HasTitle || f == fieldTags && b.HasTags {
				return nil, cmdErr("", txtFieldTwice, bodyFieldNames[f], n)
			}
		default:
			if value == "" {
				return nil, cmdErr("questions", txtEmptyField, bodyFieldNames[f], n)
			}
			value = unquote(value)
		}
		switch f {
		case fieldQuestion:
			b.Questions = append(b.Questions, value)
		case fieldAddQuestion:
			b.AddQuestions = append(b.AddQuestions, value)
		case fieldRemoveQuestion:
			b.RemoveQuestions = append(b.RemoveQuestions, value)
		case fieldAnswer:
			b.HasAnswer, inAnswer = true, true
			answer = append(answer, value)
		case fieldTitle:
			b.HasTitle, b.Title = true, unquote(value)
		case fieldTags:
			b.HasTags, b.Tags = true, splitTags(value)
		}
	}
	b.Answer = strings.TrimSpace(strings.Join(answer, "\n"))
	return b, nil
}

// splitTags splits a comma-separated list of tags.
func splitTags(s string) []string {
	var tags []string
	for t := range strings.SplitSeq(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	return tags
}
