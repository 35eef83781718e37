package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/config"
	"github.com/relaisbot/relais/storage"
)

const customerUsage = `Usage:
  relais customer export CUSTOMER [FILE|-]   write everything stored about a customer as JSON
                                             (standard output by default; a file is made private, 0600)
  relais customer erase CUSTOMER [--yes]     delete the customer's conversations, messages, ratings and
                                             hand-overs, and Relais's copies in Slack threads and on Discord

` + bot.CustomerRefHelp + `

erase shows what it will delete and asks to confirm unless --yes is given. Every
erasure is recorded in the audit log (relais faq audit). A running server
picks up the deletion of Slack and Discord copies within seconds; if none is
running, the next start does.
`

// runCustomer runs `relais customer …` on the local database.
func runCustomer(ctx context.Context, cfg config.Config, args []string, yes bool, stdin io.Reader, stdout, stderr io.Writer, logger *slog.Logger) error {
	usageErr := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "relais customer: "+format+"\n\n%s", append(a, customerUsage)...)
		return errUsage
	}
	if len(args) == 0 {
		return usageErr("give a command: export or erase")
	}
	verb := strings.ToLower(args[0])
	if verb == "help" || verb == "-h" || verb == "--help" {
		_, err := io.WriteString(stdout, customerUsage)
		return err
	}
	rest := args[1:]
	switch {
	case verb != "export" && verb != "erase":
		return usageErr("unknown command %q", args[0])
	case len(rest) == 0:
		return usageErr("%s: name the customer", verb)
	case verb == "export" && len(rest) > 2, verb == "erase" && len(rest) > 1:
		return usageErr("%s: too many arguments", verb)
	}

	db, err := storage.Open(ctx, cfg.Database.Path)
	if err != nil {
		return err
	}
	defer db.Close()
	privacy := bot.NewPrivacy(db, nil, logger.With("component", "privacy"))
	customer, err := privacy.ResolveCustomer(ctx, rest[0])
	if err != nil {
		return fmt.Errorf("customer %s: %w", verb, err)
	}
	data, err := privacy.Export(ctx, customer)
	if err != nil {
		return err
	}

	if verb == "export" {
		b, err := json.MarshalIndent(data, "", "  ")
		if err != nil {
			return fmt.Errorf("encode export: %w", err)
		}
		file := ""
		if len(rest) == 2 {
			file = rest[1]
		}
		if err := writeOutput(file, append(b, '\n'), 0o600, stdout); err != nil {
			return fmt.Errorf("customer export: %w", err)
		}
		if file != "" && file != "-" {
			fmt.Fprintf(stderr, "relais customer: wrote %s (%d conversations)\n", file, len(data.Conversations))
		}
		return nil
	}

	messages := 0
	for _, c := range data.Conversations {
		messages += len(c.Messages)
	}
	if len(data.Conversations) == 0 && customer.Channel != bot.ChannelDiscord {
		fmt.Fprintln(stdout, "Nothing is stored about this customer.")
		return nil
	}
	if !yes {
		fmt.Fprintf(stdout, "This deletes %d conversations (%d messages) of %s, and Relais's copies in Slack and on Discord.\n"+
			"Type ERASE to confirm: ", len(data.Conversations), messages, customer.Channel)
		line, _ := bufio.NewReader(stdin).ReadString('\n')
		if strings.TrimSpace(line) != "ERASE" {
			fmt.Fprintln(stdout, "\nNothing was deleted.")
			return nil
		}
	}
	e, err := privacy.Erase(ctx, customer, cliActor().Name)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Erased %d conversations (%d messages); %d copies in Slack or on Discord queued for deletion.\n",
		e.Conversations, e.Messages, e.Copies)
	return nil
}
