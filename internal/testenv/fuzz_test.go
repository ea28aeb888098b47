package testenv

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
)

// FuzzWithParam checks that a value set by withParam reads back unchanged
// through pgx's parser, in both connection-string forms.
func FuzzWithParam(f *testing.F) {
	for _, v := range []string{"rg_x,public", "", "a b", `it's`, `back\slash`, "ünï", "x=y&z"} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if !utf8.ValidString(v) {
			t.Skip()
		}
		for _, base := range []string{"postgres://u@127.0.0.1:5432/db?sslmode=disable", "host=127.0.0.1 user=u dbname=db"} {
			out, err := withParam(base, "application_name", v)
			if strings.ContainsRune(v, 0) {
				if err == nil {
					t.Fatalf("withParam accepted a NUL byte: %q", out)
				}
				continue
			}
			if err != nil {
				t.Fatalf("withParam(%q, %q): %v", base, v, err)
			}
			cfg, err := pgconn.ParseConfig(out)
			if err != nil {
				t.Fatalf("ParseConfig(%q): %v", out, err)
			}
			if got := cfg.RuntimeParams["application_name"]; got != v {
				t.Fatalf("value %q came back as %q from %q", v, got, out)
			}
			if cfg.Database != "db" || cfg.User != "u" {
				t.Fatalf("other settings changed: database %q user %q from %q", cfg.Database, cfg.User, out)
			}
		}
	})
}
