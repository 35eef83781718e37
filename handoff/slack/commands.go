package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/relaisbot/relais/faq"
)

// The slash commands the adapter answers (manifest.json declares them).
const (
	CommandFAQ    = "/faq"
	CommandRelais = "/relais"
)

// maxImportBytes is the largest file /faq import reads (faq's limit).
const maxImportBytes = 8 << 20

// maxInlineExport is the largest export shown in a reply when the file
// cannot be uploaded.
const maxInlineExport = 2500

// ephemeral is an immediate answer to a slash command, seen by its user only.
func ephemeral(text string) map[string]string {
	return map[string]string{"response_type": "ephemeral", "text": escape(text)}
}

// command answers a slash command: it returns at once what to acknowledge
// it with (nil: nothing) and carries it out in the background, its reply
// going to the command's response_url. Slack escapes &, < and > in the
// command's text.
func (a *Adapter) command(cmd slack.SlashCommand) any {
	a.logger.Info("slack: command", "command", cmd.Command, "user", cmd.UserID, "channel", cmd.ChannelID, "bytes", len(cmd.Text))
	var run func(context.Context, slack.SlashCommand)
	switch cmd.Command {
	case CommandFAQ:
		if a.getAdmin() == nil {
			return ephemeral(a.atexts.NotAvailable)
		}
		run = a.runFAQ
	case CommandRelais:
		run = a.runRelais
	default:
		return ephemeral(fmt.Sprintf(a.atexts.RelaisUnknown, truncate(cmd.Command, 40)))
	}
	cmd.Text = unescaper.Replace(cmd.Text)
	if !a.jobs.start(func(ctx context.Context) { run(ctx, cmd) }) {
		return ephemeral(a.atexts.Busy)
	}
	return nil
}

// runFAQ carries out /faq: it runs the admin command as the user (an admin
// or not: faq.Admin refuses and records non-admins), opens the entry form
// when the command asks for one, and sends an export to the user's direct
// messages.
func (a *Adapter) runFAQ(ctx context.Context, cmd slack.SlashCommand) {
	admin := a.getAdmin()
	tell := func(text string) { a.tell(ctx, cmd.ResponseURL, cmd.ChannelID, "", cmd.UserID, text) }
	log := a.logger.With("user", cmd.UserID, "channel", cmd.ChannelID)
	actor, err := a.actor(ctx, cmd.UserID, cmd.UserName)
	if err != nil {
		log.Error("slack: cannot check a FAQ admin", "err", err)
		tell(a.atexts.PermissionCheck)
		return
	}
	var r faq.Reply
	if actor.Admin && isImport(cmd.Text) {
		r, err = a.importFile(ctx, admin, actor, cmd.Text)
	} else {
		r, err = admin.Execute(ctx, actor, cmd.Text)
	}
	if err != nil {
		log.Error("slack: /faq failed", "err", err)
		tell(a.atexts.Internal)
		return
	}
	switch {
	case r.Form != nil && len(r.Problems) == 0:
		meta := formMeta{ID: r.Form.ID, Lang: r.Form.Lang, Revision: r.Form.Revision, ResponseURL: cmd.ResponseURL, Channel: cmd.ChannelID}
		if err := a.openEntryForm(ctx, cmd.TriggerID, meta, *r.Form); err != nil {
			var tooLong errFormTooLong
			if errors.As(err, &tooLong) {
				tell(fmt.Sprintf(a.atexts.FormTooLong, "```/faq edit "+r.Form.ID+" "+string(r.Form.Lang)+"\nQ+: …\nQ-: …```"))
				return
			}
			log.Warn("slack: cannot open the entry form", "err", err)
			tell(fmt.Sprintf(a.atexts.FormFailed, "```/faq "+firstLine(cmd.Text)+"\nQ: …\nA: …```"))
			return
		}
		log.Info("slack: entry form opened", "entry", r.Form.Key(), "revision", r.Form.Revision)
		return
	case r.File != nil:
		r.Text += "\n" + a.sendFile(ctx, actor.ID, *r.File)
	}
	tell(r.Text)
}

// isImport reports whether a /faq command is import.
func isImport(text string) bool {
	verb, _, _ := strings.Cut(strings.TrimSpace(text), " ")
	verb = strings.ToLower(verb)
	return verb == "import" || verb == "importer"
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// importFile runs /faq import [replace] FILE, FILE being the link or id of
// a file shared in Slack (slash commands cannot carry attachments).
func (a *Adapter) importFile(ctx context.Context, admin FAQAdmin, actor faq.Actor, text string) (faq.Reply, error) {
	fields := strings.Fields(firstLine(text))
	head, ref, bad := []string{fields[0]}, "", ""
	for _, f := range fields[1:] {
		switch id, ok := fileRef(f); {
		case ok && ref == "":
			ref = id
		case strings.EqualFold(f, "replace") || strings.EqualFold(f, "remplacer"):
			head = append(head, "replace")
		case bad == "":
			bad = f
		}
	}
	cmd, err := faq.ParseCommand(strings.Join(head, " "))
	switch {
	case err != nil:
		return admin.Execute(ctx, actor, strings.Join(head, " "))
	case bad != "":
		return problem("file", fmt.Sprintf(a.atexts.ImportBadRef, truncate(bad, 80))+"\n"+a.atexts.ImportHow), nil
	case ref == "":
		return problem("file", a.atexts.ImportHow), nil
	}
	data, r, err := a.download(ctx, ref)
	if err != nil || len(r.Problems) > 0 {
		return r, err
	}
	cmd.File = data
	return admin.Run(ctx, actor, cmd)
}

// problem is a Reply saying one thing the user can fix.
func problem(field, text string) faq.Reply {
	return faq.Reply{Text: text, Problems: []faq.Problem{{Field: field, Text: text}}}
}

// fileIDPattern matches Slack file ids.
var fileIDPattern = regexp.MustCompile(`^F[A-Z0-9]{6,}$`)

// fileRef returns the file id in a file id or link: F0123ABC,
// https://team.slack.com/files/U1/F0123ABC/faq.json,
// https://files.slack.com/files-pri/T1-F0123ABC/faq.json, possibly in <…>.
func fileRef(s string) (string, bool) {
	s = strings.Trim(s, "<>")
	s, _, _ = strings.Cut(s, "|")
	if fileIDPattern.MatchString(s) {
		return s, true
	}
	if !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") {
		return "", false
	}
	for seg := range strings.SplitSeq(s, "/") {
		for piece := range strings.SplitSeq(seg, "-") {
			if fileIDPattern.MatchString(piece) {
				return piece, true
			}
		}
	}
	return "", false
}

// download reads a file shared in Slack. What the user can fix (no access,
// too big) comes back as a Reply with a Problem.
func (a *Adapter) download(ctx context.Context, fileID string) ([]byte, faq.Reply, error) {
	f, _, _, err := a.admapi.GetFileInfoContext(ctx, fileID, 0, 0)
	switch code := slackCode(err); {
	case code == "file_not_found" || code == "file_deleted":
		return nil, problem("file", fmt.Sprintf(a.atexts.ImportNoAccess, "`"+fileID+"`")), nil
	case code == "missing_scope":
		return nil, problem("file", a.atexts.ImportScope), nil
	case err != nil:
		return nil, faq.Reply{}, fmt.Errorf("files.info %s: %w", fileID, err)
	case f.Size > maxImportBytes:
		return nil, problem("file", fmt.Sprintf(a.atexts.ImportTooBig, (f.Size+1<<20-1)>>20, maxImportBytes>>20)), nil
	}
	var buf limitedBuffer
	buf.max = maxImportBytes
	if err := a.admapi.GetFileContext(ctx, f.URLPrivateDownload, &buf); err != nil {
		if errors.Is(err, errTooBig) {
			return nil, problem("file", fmt.Sprintf(a.atexts.ImportTooBig, buf.Len()>>20, maxImportBytes>>20)), nil
		}
		return nil, faq.Reply{}, fmt.Errorf("download file %s: %w", fileID, err)
	}
	a.logger.Info("slack: file downloaded for import", "file", fileID, "bytes", buf.Len())
	return buf.Bytes(), faq.Reply{}, nil
}

var errTooBig = errors.New("file too big")

// limitedBuffer is a bytes.Buffer that refuses to grow past max bytes.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.max {
		return 0, errTooBig
	}
	return b.Buffer.Write(p)
}

// sendFile uploads a file to the user's direct messages with the app and
// says so; if Slack refuses, a small file is shown inline instead.
func (a *Adapter) sendFile(ctx context.Context, userID string, f faq.File) string {
	dm, _, _, err := a.admapi.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{userID}, ReturnIM: true})
	if err == nil {
		_, err = a.admapi.UploadFileContext(ctx, slack.UploadFileParameters{
			Reader: bytes.NewReader(f.Content), FileSize: len(f.Content), Filename: f.Name, Title: f.Name, Channel: dm.ID,
		})
	}
	if err == nil {
		a.logger.Info("slack: file sent", "user", userID, "bytes", len(f.Content))
		return a.atexts.ExportSent
	}
	why := slackCode(err)
	if why == "" {
		why = "error"
	}
	a.logger.Warn("slack: cannot send a file", "user", userID, "err", err)
	if len(f.Content) <= maxInlineExport {
		return fmt.Sprintf(a.atexts.ExportInline, why) + "\n```" + string(f.Content) + "```"
	}
	return fmt.Sprintf(a.atexts.ExportFailed, why)
}

// Periods of /relais stats.
const (
	defaultPeriod = 7 * 24 * time.Hour
	maxPeriod     = 365 * 24 * time.Hour
)

// runRelais carries out /relais: stats [period], or the usage.
func (a *Adapter) runRelais(ctx context.Context, cmd slack.SlashCommand) {
	tell := func(text string) { a.tell(ctx, cmd.ResponseURL, cmd.ChannelID, "", cmd.UserID, text) }
	args := strings.Fields(strings.ToLower(cmd.Text))
	switch {
	case len(args) == 0 || args[0] == "help" || args[0] == "aide":
		tell(a.atexts.RelaisUsage)
		return
	case args[0] == "customer" || args[0] == "client":
		a.runCustomer(ctx, cmd, strings.Fields(cmd.Text)[1:], tell) // references are case-sensitive
		return
	case args[0] != "stats" && args[0] != "statistiques":
		tell(fmt.Sprintf(a.atexts.RelaisUnknown, truncate(args[0], 40)) + " " + a.atexts.RelaisUsage)
		return
	case len(args) > 2:
		tell(a.atexts.RelaisUsage)
		return
	}
	since := defaultPeriod
	if len(args) == 2 {
		var ok bool
		if since, ok = parsePeriod(args[1]); !ok {
			tell(fmt.Sprintf(a.atexts.StatsBadPeriod, truncate(args[1], 40)) + " " + a.atexts.RelaisUsage)
			return
		}
	}
	stats := a.getStats()
	if stats == nil {
		tell(a.atexts.StatsNone)
		return
	}
	if cmd.ChannelID != a.cfg.Channel {
		admin, err := a.admins.isAdmin(ctx, cmd.UserID)
		if err != nil {
			a.logger.Error("slack: cannot check a FAQ admin", "user", cmd.UserID, "err", err)
			tell(a.atexts.PermissionCheck)
			return
		}
		if !admin {
			a.logger.Warn("slack: /relais stats refused outside the agents' channel", "user", cmd.UserID, "channel", cmd.ChannelID)
			tell(a.atexts.StatsRefused)
			return
		}
	}
	report, err := stats(ctx, a.cfg.Lang, since)
	if err != nil {
		a.logger.Error("slack: /relais stats failed", "user", cmd.UserID, "err", err)
		tell(a.atexts.Internal)
		return
	}
	tell("```" + strings.TrimRight(report, "\n") + "```")
}

// parsePeriod reads 7d, 24h or 90m, up to maxPeriod.
func parsePeriod(s string) (time.Duration, bool) {
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 || n > int(maxPeriod/(24*time.Hour)) {
			return 0, false
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, false
		}
	}
	if d <= 0 || d > maxPeriod {
		return 0, false
	}
	return d, true
}
