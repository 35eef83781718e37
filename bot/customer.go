package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

// WidgetTokenKey is the customer key of an anonymous widget customer: the
// SHA-256 of their token, in hex. The token itself is never stored or logged.
func WidgetTokenKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// WidgetIdentityKey is the customer key of a widget customer the shop
// vouches for (a signed shop customer id): the same on every device.
func WidgetIdentityKey(shopID string) string {
	sum := sha256.Sum256([]byte("relais-customer-id\x00" + shopID))
	return "id:" + hex.EncodeToString(sum[:])
}

// CustomerRefHelp describes the forms of ResolveCustomer's reference.
const CustomerRefHelp = `a customer is named by one of:
  conversation:N (or #N)   the customer of conversation N (the number in the Slack thread)
  customer:ID              a logged-in widget customer, by the shop's customer id
  token:TOKEN              an anonymous widget customer, by the token their browser keeps
  discord:USER_ID          a Discord user`

// ResolveCustomer returns the customer named by ref (see CustomerRefHelp).
// Returns EInvalid for a malformed reference and ENotFound for a conversation
// that does not exist.
func (p *Privacy) ResolveCustomer(ctx context.Context, ref string) (Customer, error) {
	ref = strings.TrimSpace(ref)
	kind, value, ok := strings.Cut(ref, ":")
	if strings.HasPrefix(ref, "#") {
		kind, value, ok = "conversation", ref[1:], true
	}
	value = strings.TrimSpace(value)
	if !ok || value == "" {
		return Customer{}, Errorf(EInvalid, "%q does not name a customer; %s", ref, CustomerRefHelp)
	}
	switch strings.ToLower(kind) {
	case "conversation":
		id, err := strconv.ParseInt(value, 10, 64)
		if err != nil || id <= 0 {
			return Customer{}, Errorf(EInvalid, "%q is not a conversation number", value)
		}
		return p.store.ConversationCustomer(ctx, id)
	case "customer":
		return Customer{Channel: ChannelWidget, Key: WidgetIdentityKey(value)}, nil
	case "token":
		return Customer{Channel: ChannelWidget, Key: WidgetTokenKey(value)}, nil
	case "discord":
		if _, err := strconv.ParseUint(value, 10, 64); err != nil {
			return Customer{}, Errorf(EInvalid, "%q is not a Discord user id (a number)", value)
		}
		return Customer{Channel: ChannelDiscord, Key: value}, nil
	}
	return Customer{}, Errorf(EInvalid, "%q does not name a customer; %s", ref, CustomerRefHelp)
}
