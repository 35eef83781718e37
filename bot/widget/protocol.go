package widget

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"unicode/utf8"

	"github.com/relaisbot/relais/bot"
)

// Frame types of the wire protocol (see the README, "Widget protocol").
const (
	typeHello   = "hello"
	typeWelcome = "welcome"
	typeMessage = "message"
	typeAck     = "ack"
	typeTyping  = "typing"
	typeError   = "error"
)

// Error codes of error frames.
const (
	codeTooLong     = "too_long"
	codeInvalid     = "invalid"
	codeRateLimited = "rate_limited"
	codeBadRequest  = "bad_request"
	codeInternal    = "internal"
	// codeIdentityRejected: the hello's identity is not validly signed (or
	// expired); the customer continues anonymously. For the shop's
	// developers: widgets should not show it.
	codeIdentityRejected = "identity_rejected"
)

// Bounds on client-supplied identifiers.
const (
	maxClientIDLen = 100
	maxPayloadLen  = 200
	tokenBytes     = 32
)

// inFrame is any client→server frame; Type says which fields matter.
type inFrame struct {
	Type     string `json:"type"`
	Token    string `json:"token"`
	Lang     string `json:"lang"`
	After    int64  `json:"after"`
	ClientID string `json:"client_id"`
	Text     string `json:"text"`
	Payload  string `json:"payload"`
	// Identity, in a hello: the shop's signed customer id (optional).
	Identity *Identity `json:"identity,omitempty"`
}

type welcomeFrame struct {
	Type      string        `json:"type"`
	Token     string        `json:"token"`
	Lang      bot.Lang      `json:"lang"`
	State     bot.State     `json:"state"`
	Greeting  string        `json:"greeting"`
	MaxLength int           `json:"max_length"`
	Messages  []messageJSON `json:"messages"`
}

type messageFrame struct {
	Type    string      `json:"type"`
	Message messageJSON `json:"message"`
}

type ackFrame struct {
	Type     string `json:"type"`
	ClientID string `json:"client_id"`
	ID       int64  `json:"id"`
}

type typingFrame struct {
	Type string `json:"type"`
	On   bool   `json:"on"`
}

type errorFrame struct {
	Type     string `json:"type"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	ClientID string `json:"client_id,omitempty"`
}

// messageJSON is a stored message as the browser sees it.
type messageJSON struct {
	ID           int64            `json:"id"`
	Role         bot.Role         `json:"role"`
	Author       string           `json:"author"`
	Text         string           `json:"text"`
	QuickReplies []bot.QuickReply `json:"quick_replies"`
	ClientID     string           `json:"client_id"`
	Action       bot.Action       `json:"action"`
	CreatedAt    string           `json:"created_at"`
}

// createdAtFormat is RFC 3339 in UTC with milliseconds (the precision
// JavaScript's Date parses everywhere): clients can order and date
// messages, and a load test can tell how long a message took from being
// stored to reaching it.
const createdAtFormat = "2006-01-02T15:04:05.000Z07:00"

func toJSON(m bot.Message) messageJSON {
	j := messageJSON{
		ID: m.ID, Role: m.Role, Text: m.Text, Action: m.Action,
		QuickReplies: m.QuickReplies,
		CreatedAt:    m.CreatedAt.UTC().Format(createdAtFormat),
	}
	if j.QuickReplies == nil {
		j.QuickReplies = []bot.QuickReply{}
	}
	if m.Role == bot.RoleAgent {
		j.Author = m.Author
	}
	if m.Role == bot.RoleCustomer {
		j.ClientID = clientIDOf(m.ExternalID)
	}
	return j
}

func toJSONs(msgs []bot.Message) []messageJSON {
	out := make([]messageJSON, len(msgs))
	for i, m := range msgs {
		out[i] = toJSON(m)
	}
	return out
}

// newToken returns a fresh customer token: 32 random bytes, base64url.
func newToken() string {
	b := make([]byte, tokenBytes)
	rand.Read(b) // never fails (crypto/rand panics rather than return an error)
	return base64.RawURLEncoding.EncodeToString(b)
}

// validToken reports whether tok is a token newToken could have made.
func validToken(tok string) bool {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	return err == nil && len(b) == tokenBytes && base64.RawURLEncoding.EncodeToString(b) == tok
}

// customerKey is the identity stored for a token: its SHA-256, in hex (see
// bot.WidgetTokenKey).
func customerKey(tok string) string { return bot.WidgetTokenKey(tok) }

// externalID scopes a client message id to its customer, so that one
// customer's ids can never collide with (or reveal) another's.
func externalID(key, clientID string) string {
	return key[:32] + ":" + clientID
}

// clientIDOf returns the client message id stored in an externalID.
func clientIDOf(ext string) string {
	if _, id, ok := strings.Cut(ext, ":"); ok {
		return id
	}
	return ext
}

// validClientID accepts ids such as crypto.randomUUID() makes.
func validClientID(id string) bool {
	if id == "" || len(id) > maxClientIDLen {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:", r)) {
			return false
		}
	}
	return true
}

func validPayload(p string) bool {
	return len(p) <= maxPayloadLen && utf8.ValidString(p)
}

// parseLang returns the supported language named by s, or "".
func parseLang(s string) bot.Lang {
	l, err := bot.ParseLang(strings.ToLower(strings.TrimSpace(s)))
	if err != nil {
		return ""
	}
	return l
}

// badRequestText is shown when a frame cannot be understood; the bot's own
// texts have no entry for it.
var badRequestText = map[bot.Lang]string{
	bot.LangEN: "Sorry, this message could not be read. Please reload the page and try again.",
	bot.LangFR: "Désolé, ce message n'a pas pu être lu. Rechargez la page et réessayez.",
}

// errorFor maps an error to an error frame whose message is safe to show and
// in lang. internal reports whether err is unexpected (and must be logged).
func errorFor(err error, stored bool, t bot.Texts, clientID string) (f errorFrame, internal bool) {
	f = errorFrame{Type: typeError, ClientID: clientID}
	switch bot.ErrorKind(err) {
	case bot.ETooLong:
		f.Code, f.Message = codeTooLong, bot.ErrorMessage(err)
	case bot.EInvalid:
		f.Code, f.Message = codeInvalid, bot.ErrorMessage(err)
	case bot.ERateLimited:
		f.Code, f.Message = codeRateLimited, t.RateLimited
	default:
		f.Code, f.Message, internal = codeInternal, t.InternalFailure, true
		if stored {
			f.Message = t.NotAnswered
		}
	}
	return f, internal
}
