package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/config"
	"github.com/relaisbot/relais/faq"
)

const faqUsage = `Usage:
  relais faq list [topic] [fr|en]      list the entries
  relais faq show ID [fr|en]           show an entry
  relais faq export [FILE|-]           write every entry as JSON (standard output by default)
  relais faq import [replace] FILE|-   add or replace the entries of FILE (- reads standard input);
                                       with replace, also delete the entries FILE lacks
  relais faq COMMAND …                 any other FAQ admin command: history, undo, delete, add, edit,
                                       drafts, approve, reject, audit, try (see faq/COMMANDS.md)

The file format is the one of faq/seed/*.json: a JSON array of entries
({"id", "lang", "topic", "title", "questions", "answer", "tags"}). Import checks
every entry first and changes nothing if any is wrong; each change is a new
revision, so "relais faq history ID" and "relais faq undo ID" work on it.
add and edit take the entry's fields as further arguments, one line each:
  relais faq add orders.gift-wrap en "Q: do you gift wrap" "A: Yes, for free."
`

// runFAQ runs `relais faq …`: the FAQ admin commands on the local database,
// as an admin named after the system user.
func runFAQ(ctx context.Context, cfg config.Config, args []string, stdin io.Reader, stdout, stderr io.Writer, logger *slog.Logger) error {
	usageErr := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "relais faq: "+format+"\n\n%s", append(a, faqUsage)...)
		return errUsage
	}
	if len(args) == 0 {
		return usageErr("give a command")
	}
	if len(args) == 1 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
		_, err := io.WriteString(stdout, faqUsage)
		return err
	}

	// export and import take a file here, where chat commands take an attachment.
	var file string
	switch verb := strings.ToLower(args[0]); verb {
	case "export":
		if len(args) > 2 {
			return usageErr("export takes one FILE (or - for standard output)")
		}
		if len(args) == 2 {
			file = args[1]
		}
		args = args[:1]
	case "import":
		rest := args[1:]
		if len(rest) == 2 && strings.EqualFold(rest[0], "replace") {
			args, rest = args[:2], rest[1:]
		} else {
			args = args[:1]
		}
		if len(rest) != 1 || len(args) == 1 && strings.EqualFold(rest[0], "replace") {
			return usageErr("import takes one FILE (or - for standard input), after replace if wanted")
		}
		file = rest[0]
	}
	cmd, err := faq.ParseCommand(commandLine(args))
	if err != nil {
		return usageErr("%v", err)
	}
	if cmd.Verb == faq.VerbImport {
		if cmd.File, err = readInput(file, stdin); err != nil {
			return err
		}
	}

	a, err := newApp(ctx, cfg, logger, nil)
	if err != nil {
		return err
	}
	defer a.close()
	admin := faq.NewAdmin(a.faq, a.db, faqTry(a.engine), logger.With("component", "faq-admin"))
	r, err := admin.Run(ctx, cliActor(), cmd)
	if err != nil {
		return fmt.Errorf("faq %s: %w", cmd.Verb, err)
	}
	switch {
	case len(r.Problems) == 1:
		return fmt.Errorf("faq %s: %s", cmd.Verb, r.Problems[0].Text)
	case len(r.Problems) > 1:
		fmt.Fprintln(stderr, r.Text)
		return fmt.Errorf("faq %s: %d problems", cmd.Verb, len(r.Problems))
	case r.Form != nil:
		return usageErr("%s takes the entry's fields as arguments, one line each, e.g.\n"+
			`  relais faq %s %s %s "Q: …" "A: …"`, cmd.Verb, cmd.Verb, cmd.ID, cmd.Lang)
	case r.File != nil:
		if err := writeOutput(file, r.File.Content, 0o644, stdout); err != nil {
			return fmt.Errorf("faq export: %w", err)
		}
		if file != "" && file != "-" {
			fmt.Fprintf(stderr, "relais faq: wrote %s\n", file)
		}
		return nil
	}
	_, err = fmt.Fprintln(stdout, r.Text)
	return err
}

// commandLine turns command-line arguments into an admin command line. The
// arguments of add and edit after ID and LANG are the lines of the body;
// other arguments with spaces are quoted.
func commandLine(args []string) string {
	if len(args) > 0 && strings.EqualFold(args[0], "try") {
		return "try " + strings.Join(args[1:], " ")
	}
	head, body := args, []string(nil)
	if len(args) > 3 && (strings.EqualFold(args[0], "add") || strings.EqualFold(args[0], "edit")) {
		head, body = args[:3], args[3:]
	}
	quoted := make([]string, len(head))
	for i, a := range head {
		quoted[i] = a
		if a == "" || strings.ContainsAny(a, " \t\n\"") {
			quoted[i] = "«" + a + "»"
		}
	}
	return strings.Join(append([]string{strings.Join(quoted, " ")}, body...), "\n")
}

// cliActor is the admin running `relais faq`.
func cliActor() faq.Actor {
	name := "unknown"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	return faq.Actor{Platform: "cli", Name: "cli (" + name + ")", Admin: true, Lang: bot.LangEN}
}

// readInput reads a file, or stdin for "-".
func readInput(name string, stdin io.Reader) ([]byte, error) {
	var (
		data []byte
		err  error
	)
	if name == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, fmt.Errorf("faq import: %w", err)
	}
	if data == nil {
		data = []byte{} // an empty file is a file: import says what is wrong with it
	}
	return data, nil
}

// writeOutput writes data to the file name, or to stdout for "" and "-". A
// file is replaced atomically: an interrupted export never leaves half a
// file behind.
func writeOutput(name string, data []byte, perm os.FileMode, stdout io.Writer) error {
	if name == "" || name == "-" {
		_, err := stdout.Write(data)
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	err = errors.Join(err, tmp.Chmod(perm), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// faqTry returns the TryFunc of the admin commands: the same decision and
// output as `relais try`.
func faqTry(e *bot.Engine) faq.TryFunc {
	return func(ctx context.Context, text string, lang bot.Lang) (string, error) {
		out, err := tryOne(ctx, e, text, lang)
		if err != nil {
			return "", err
		}
		var b strings.Builder
		if err := printTry(&b, out); err != nil {
			return "", err
		}
		return b.String(), nil
	}
}
