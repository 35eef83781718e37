package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/BurntSushi/toml"
)

// Problems is every problem found in a configuration, one per key.
type Problems []string

func (p Problems) Error() string {
	return "invalid configuration:\n  - " + strings.Join(p, "\n  - ")
}

// Sources are where a configuration comes from, lowest precedence first
// after the defaults.
type Sources struct {
	File   string              // TOML file; empty for none
	Getenv func(string) string // environment
	Flags  map[string]string   // flag name → value, only for flags actually set
	// ReadFile reads File and *_FILE secrets (os.ReadFile if nil).
	ReadFile func(string) ([]byte, error)
}

// Load builds the configuration from the defaults and src, and validates it.
// The error, if any, is a Problems listing everything wrong.
func Load(src Sources) (Config, error) {
	c := Default()
	var problems Problems
	readFile := src.ReadFile
	if readFile == nil {
		readFile = os.ReadFile
	}
	getenv := src.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}

	if src.File != "" {
		b, err := readFile(src.File)
		if err != nil {
			return c, Problems{fmt.Sprintf("config file: %v", err)}
		}
		md, err := toml.Decode(string(b), &c)
		if err != nil {
			return c, Problems{fmt.Sprintf("config file %s: %v", src.File, err)}
		}
		for _, k := range md.Undecoded() {
			problems = append(problems, fmt.Sprintf("%s: unknown key in %s", k, src.File))
		}
	}

	for _, s := range Settings {
		value, from := getenv(s.Env), s.Env
		if s.Secret {
			if path := getenv(s.Env + "_FILE"); path != "" {
				if value != "" {
					problems = append(problems, fmt.Sprintf("%s: set both %s and %s_FILE; keep one", s.Key, s.Env, s.Env))
				}
				b, err := readFile(path)
				if err != nil {
					problems = append(problems, fmt.Sprintf("%s: cannot read %s_FILE: %v", s.Key, s.Env, err))
					continue
				}
				value, from = strings.TrimRight(string(b), "\r\n"), s.Env+"_FILE"
			}
		}
		if value == "" {
			continue
		}
		if err := set(&c, s, value); err != nil {
			problems = append(problems, fmt.Sprintf("%s (from %s): %v", s.Key, from, err))
		}
	}

	for _, s := range Settings {
		value, ok := src.Flags[s.Flag]
		if s.Flag == "" || !ok {
			continue
		}
		if err := set(&c, s, value); err != nil {
			problems = append(problems, fmt.Sprintf("%s (from --%s): %v", s.Key, s.Flag, err))
		}
	}

	problems = append(problems, c.Validate()...)
	if len(problems) > 0 {
		return c, problems
	}
	return c, nil
}

// IsProblems reports whether err lists configuration problems.
func IsProblems(err error) bool {
	var p Problems
	return errors.As(err, &p)
}

// Dump writes the effective configuration as TOML, secrets redacted.
func Dump(w io.Writer, c Config) error {
	// Sections in the order they first appear in Settings, each whole.
	var sections []string
	keys := map[string][]Setting{}
	for _, s := range Settings {
		sec, _, _ := strings.Cut(s.Key, ".")
		if _, ok := keys[sec]; !ok {
			sections = append(sections, sec)
		}
		keys[sec] = append(keys[sec], s)
	}
	var b strings.Builder
	for i, sec := range sections {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "[%s]\n", sec)
		for _, s := range keys[sec] {
			_, name, _ := strings.Cut(s.Key, ".")
			value := get(&c, s.Key)
			if s.Secret {
				value = redact(value)
			}
			fmt.Fprintf(&b, "%s = %s\n", name, value)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// redact hides a secret's value but says whether one is set.
func redact(quoted string) string {
	if quoted == `""` {
		return `""`
	}
	return `"<redacted>"`
}

// Secrets returns the values of every secret setting that is set, so callers
// can make sure none ever reaches a log.
func (c Config) Secrets() []string {
	var out []string
	for _, s := range Settings {
		if !s.Secret {
			continue
		}
		if v, err := field(&c, s.Key); err == nil && v.String() != "" {
			out = append(out, v.String())
		}
	}
	return out
}
