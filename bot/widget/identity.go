package widget

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/relaisbot/relais/bot"
)

// Identity is a customer the shop vouches for: the shop's server signs the
// customer's id with the shared secret, so that a logged-in customer finds
// the same conversation on every device and nobody else can claim it.
type Identity struct {
	ID        string `json:"id"`        // the shop's customer id
	Expires   int64  `json:"expires"`   // Unix time after which the signature is refused
	Signature string `json:"signature"` // hex HMAC-SHA256 of "id.expires" with the secret
}

// maxIdentityLife bounds how far in the future a signature may expire.
const maxIdentityLife = 31 * 24 * time.Hour

// Sign returns the signature of a customer id valid until expires, as the
// shop's server computes it (documented in the README for other languages).
func Sign(secret []byte, id string, expires int64) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(id + "." + strconv.FormatInt(expires, 10)))
	return hex.EncodeToString(mac.Sum(nil))
}

// verify reports whether the identity is signed with secret and valid at now.
func (i Identity) verify(secret []byte, now time.Time) bool {
	if len(secret) == 0 || i.ID == "" || len(i.ID) > 200 {
		return false
	}
	exp := time.Unix(i.Expires, 0)
	if !exp.After(now) || exp.Sub(now) > maxIdentityLife {
		return false
	}
	want := Sign(secret, i.ID, i.Expires)
	return hmac.Equal([]byte(want), []byte(i.Signature))
}

// IdentityKey is the customer key of a verified identity: the conversation
// belongs to the shop's customer id, whatever device or token is used.
func IdentityKey(id string) string { return bot.WidgetIdentityKey(id) }
