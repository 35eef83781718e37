package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/faq"
)

// Customers exports and erases a customer's data, for /relais customer.
// Implemented by *bot.Privacy.
type Customers interface {
	ResolveCustomer(ctx context.Context, ref string) (bot.Customer, error)
	Export(ctx context.Context, c bot.Customer) (bot.CustomerData, error)
	Erase(ctx context.Context, c bot.Customer, actor string) (bot.Erasure, error)
}

// SetCustomers enables /relais customer export|erase. Call it before Run.
func (a *Adapter) SetCustomers(c Customers) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.customers = c
}

func (a *Adapter) getCustomers() Customers {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.customers
}

// confirmWords confirm /relais customer erase.
var confirmWords = []string{"confirm", "confirmer", "--yes"}

// runCustomer carries out /relais customer export|erase REF [confirm], for
// FAQ admins only. An erasure is shown first and done only when confirmed.
func (a *Adapter) runCustomer(ctx context.Context, cmd slack.SlashCommand, args []string, tell func(string)) {
	customers := a.getCustomers()
	if customers == nil || len(args) < 2 {
		tell(a.atexts.CustomerUsage)
		return
	}
	verb, ref := strings.ToLower(args[0]), args[1]
	confirmed := len(args) == 3 && containsFold(confirmWords, args[2])
	if (verb != "export" && verb != "erase" && verb != "effacer") || len(args) > 3 || (len(args) == 3 && !confirmed) {
		tell(a.atexts.CustomerUsage)
		return
	}
	log := a.logger.With("user", cmd.UserID, "channel", cmd.ChannelID, "verb", verb)
	admin, err := a.admins.isAdmin(ctx, cmd.UserID)
	if err != nil {
		log.Error("slack: cannot check a FAQ admin", "err", err)
		tell(a.atexts.PermissionCheck)
		return
	}
	if !admin {
		log.Warn("slack: /relais customer refused: not a FAQ admin")
		tell(a.atexts.CustomerRefused)
		return
	}
	customer, err := customers.ResolveCustomer(ctx, ref)
	if err != nil {
		if bot.ErrorKind(err) == bot.EInternal {
			log.Error("slack: /relais customer failed", "err", err)
			tell(a.atexts.Internal)
			return
		}
		tell(fmt.Sprintf(a.atexts.CustomerBadRef, bot.ErrorMessage(err)))
		return
	}
	data, err := customers.Export(ctx, customer)
	if err != nil {
		log.Error("slack: /relais customer export failed", "err", err)
		tell(a.atexts.Internal)
		return
	}
	messages := 0
	for _, c := range data.Conversations {
		messages += len(c.Messages)
	}
	if len(data.Conversations) == 0 && customer.Channel != bot.ChannelDiscord {
		tell(a.atexts.CustomerNone)
		return
	}
	switch {
	case verb == "export":
		b, err := json.MarshalIndent(data, "", "  ")
		if err != nil {
			log.Error("slack: encode a customer export", "err", err)
			tell(a.atexts.Internal)
			return
		}
		log.Info("slack: customer exported", "conversations", len(data.Conversations))
		// Not named after ref: a widget token is a secret.
		name := "relais-customer-" + string(customer.Channel) + "-" + time.Now().UTC().Format("20060102-150405") + ".json"
		tell(fmt.Sprintf(a.atexts.CustomerExported, len(data.Conversations), messages) + "\n" +
			a.sendFile(ctx, cmd.UserID, faq.File{Name: name, Content: append(b, '\n')}))
	case !confirmed:
		tell(fmt.Sprintf(a.atexts.CustomerConfirm, len(data.Conversations), messages, "/relais customer erase "+ref+" confirm"))
	default:
		e, err := customers.Erase(ctx, customer, "slack:"+cmd.UserID)
		if err != nil {
			log.Error("slack: /relais customer erase failed", "err", err)
			tell(a.atexts.Internal)
			return
		}
		log.Info("slack: customer erased", "conversations", e.Conversations, "messages", e.Messages, "copies", e.Copies)
		tell(fmt.Sprintf(a.atexts.CustomerErased, e.Conversations, e.Messages, e.Copies))
	}
}

func containsFold(list []string, s string) bool {
	for _, w := range list {
		if strings.EqualFold(w, s) {
			return true
		}
	}
	return false
}
