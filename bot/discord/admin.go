package discord

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"

	"github.com/bwmarrin/discordgo"

	"github.com/relaisbot/relais/faq"
)

// FAQAdmin runs the FAQ admin commands (faq/COMMANDS.md). Implemented by
// *faq.Admin. Refusals and mistakes the user can fix come back as a Reply
// with Problems; only internal failures return an error.
type FAQAdmin interface {
	// Execute parses and runs what follows /faq.
	Execute(ctx context.Context, actor faq.Actor, line string) (faq.Reply, error)
	// Run runs a parsed command (import with its file).
	Run(ctx context.Context, actor faq.Actor, cmd faq.Command) (faq.Reply, error)
	// Save stores an entry from the form, refusing it if the entry changed
	// since the form was opened (its Revision).
	Save(ctx context.Context, actor faq.Actor, e faq.Entry) (faq.Reply, error)
}

// CommandFAQ is the name of the admin application command; its options are
// optionCommand (what follows /faq, e.g. "list shipping") and optionFile
// (the file to import).
const (
	CommandFAQ    = "faq"
	optionCommand = "command"
	optionFile    = "file"
)

// Interaction callback types and flags of the admin command.
const (
	callbackDeferred = 5 // "Relais is thinking…", then the original response is edited
	callbackModal    = 9
	flagEphemeral    = discordgo.MessageFlagsEphemeral
)

// maxImportBytes is the largest file /faq import reads (faq's limit).
const maxImportBytes = 8 << 20

// SetAdmin enables the /faq command, run by admin. Call it before Start,
// which registers the command.
func (a *Adapter) SetAdmin(admin FAQAdmin) {
	a.mu.Lock()
	a.admin = admin
	a.mu.Unlock()
	a.commands[CommandFAQ] = a.handleFAQ
}

func (a *Adapter) getAdmin() FAQAdmin {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.admin
}

// faqCommand is the definition of /faq.
func faqCommand() *discordgo.ApplicationCommand {
	return &discordgo.ApplicationCommand{
		Name:        CommandFAQ,
		Description: "Manage the FAQ (FAQ admins)",
		DescriptionLocalizations: &map[discordgo.Locale]string{
			discordgo.French: "Gérer la FAQ (administrateurs de la FAQ)",
		},
		Contexts: &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild},
		Options: []*discordgo.ApplicationCommandOption{
			{
				Type: discordgo.ApplicationCommandOptionString, Name: optionCommand, MaxLength: 4000,
				Description: "list, show shipping.tracking, add shipping.gift-wrap en, undo ID, export, import, help…",
				DescriptionLocalizations: map[discordgo.Locale]string{
					discordgo.French: "list, show shipping.tracking, add shipping.gift-wrap fr, undo ID, export, import, help…",
				},
			},
			{
				Type: discordgo.ApplicationCommandOptionAttachment, Name: optionFile,
				Description: "the JSON file to import (with the command import)",
				DescriptionLocalizations: map[discordgo.Locale]string{
					discordgo.French: "le fichier JSON à importer (avec la commande import)",
				},
			},
		},
	}
}

// registerCommands creates or updates /faq, in guildID (available at once)
// or globally if empty, when an FAQAdmin is set. A failure is logged: the
// customers are served all the same.
func (a *Adapter) registerCommands(ctx context.Context, guildID string) {
	if a.getAdmin() == nil {
		return
	}
	if err := a.register(ctx, guildID); err != nil {
		a.logger.Error("discord: cannot register the /faq command; admins cannot use it until Relais restarts",
			"guild", guildID, keyError, err, "hint", hintFor(err))
		return
	}
	a.logger.Info("discord: /faq command registered", "guild", guildID, "admin_roles", len(a.cfg.AdminRoles))
}

func (a *Adapter) register(ctx context.Context, guildID string) error {
	ep := discordgo.EndpointOAuth2Application("@me")
	body, err := a.session.RequestWithBucketID(http.MethodGet, ep, nil, ep, discordgo.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("application: %w", err)
	}
	var app discordgo.Application
	if err := json.Unmarshal(body, &app); err != nil || app.ID == "" {
		return fmt.Errorf("application: unexpected answer (%v)", err)
	}
	if _, err := a.session.ApplicationCommandCreate(app.ID, guildID, faqCommand(), discordgo.WithContext(ctx)); err != nil {
		return fmt.Errorf("create command: %w", err)
	}
	return nil
}

// hintFor explains a registration failure.
func hintFor(err error) string {
	if status(err) == http.StatusForbidden {
		return "invite the bot with the applications.commands scope (see bot/discord/README.md)"
	}
	return ""
}

// actor returns who ran an interaction: their server nickname or display
// name, whether one of their roles is an admin role, and their Discord
// client's language.
func (a *Adapter) actor(i *discordgo.Interaction) faq.Actor {
	u := interactionUser(i)
	actor := faq.Actor{Platform: Target, Lang: lang(string(i.Locale))}
	if u != nil {
		actor.ID, actor.Name = u.ID, u.DisplayName()
	}
	if m := i.Member; m != nil && i.GuildID != "" {
		if m.Nick != "" {
			actor.Name = m.Nick
		}
		actor.Admin = slices.ContainsFunc(m.Roles, func(r string) bool { return slices.Contains(a.cfg.AdminRoles, r) })
	}
	return actor
}

// handleFAQ runs /faq. add and edit without a body answer with the entry
// form (a modal must be the first answer); anything else is acknowledged at
// once, as Discord allows 3 s, and the reply replaces the acknowledgement.
func (a *Adapter) handleFAQ(ctx context.Context, i *discordgo.Interaction) error {
	admin := a.getAdmin()
	data := i.ApplicationCommandData()
	line, file := "", (*discordgo.MessageAttachment)(nil)
	for _, o := range data.Options {
		v, _ := o.Value.(string)
		switch o.Name {
		case optionCommand:
			line = v
		case optionFile:
			if data.Resolved != nil {
				file = data.Resolved.Attachments[v]
			}
		}
	}
	actor := a.actor(i)
	t := adminTextsFor(actor.Lang)
	log := a.logger.With(keyUser, actor.ID, keyChannel, i.ChannelID)
	log.Info("discord: /faq", keyBytes, len(line), "admin", actor.Admin, "file", file != nil)

	cmd, perr := faq.ParseCommand(line)
	if perr == nil && actor.Admin && (cmd.Verb == faq.VerbAdd || cmd.Verb == faq.VerbEdit) && cmd.Body == nil {
		return a.openForm(ctx, i, admin, actor, line)
	}
	err := a.respond(ctx, i, map[string]any{"type": callbackDeferred, "data": map[string]any{"flags": flagEphemeral}})
	if err != nil {
		return fmt.Errorf("acknowledge /faq: %w", err)
	}
	var r faq.Reply
	if perr == nil && cmd.Verb == faq.VerbImport && actor.Admin {
		r, err = a.importFile(ctx, admin, actor, cmd, file)
	} else {
		r, err = admin.Execute(ctx, actor, line)
	}
	if err != nil {
		log.Error("discord: /faq failed", keyError, err)
		r = faq.Reply{Text: t.Internal}
	}
	return a.editReply(ctx, i, r.Text, r.File)
}

// importFile runs import with the attached file.
func (a *Adapter) importFile(ctx context.Context, admin FAQAdmin, actor faq.Actor, cmd faq.Command, file *discordgo.MessageAttachment) (faq.Reply, error) {
	t := adminTextsFor(actor.Lang)
	if file == nil {
		return faq.Reply{Text: t.ImportHow, Problems: []faq.Problem{{Field: "file", Text: t.ImportHow}}}, nil
	}
	data, problem, err := a.download(ctx, file, t)
	switch {
	case err != nil:
		return faq.Reply{}, err
	case problem != "":
		return faq.Reply{Text: problem, Problems: []faq.Problem{{Field: "file", Text: problem}}}, nil
	}
	cmd.File = data
	return admin.Run(ctx, actor, cmd)
}

// download reads an attachment from Discord's CDN (or from APIBase's host,
// for proxies and tests). A problem the user can fix is returned as text.
func (a *Adapter) download(ctx context.Context, f *discordgo.MessageAttachment, t adminTexts) ([]byte, string, error) {
	if f.Size > maxImportBytes {
		return nil, fmt.Sprintf(t.ImportTooBig, (f.Size+1<<20-1)>>20, maxImportBytes>>20), nil
	}
	u, err := url.Parse(f.URL)
	if err != nil || (u.Host != "cdn.discordapp.com" && u.Host != "media.discordapp.net" && u.Host != a.apiHost) {
		return nil, "", fmt.Errorf("attachment URL on an unexpected host: %q", u.Host)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL, nil)
	if err != nil {
		return nil, "", err
	}
	resp, err := a.session.Client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("download attachment: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Sprintf(t.ImportDownload, resp.StatusCode), nil
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxImportBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("download attachment: %w", err)
	}
	if len(data) > maxImportBytes {
		return nil, fmt.Sprintf(t.ImportTooBig, len(data)>>20, maxImportBytes>>20), nil
	}
	a.logger.Info("discord: attachment downloaded for import", keyBytes, len(data))
	return data, "", nil
}
