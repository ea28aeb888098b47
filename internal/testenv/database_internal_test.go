package testenv

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWithParam(t *testing.T) {
	tests := []struct {
		name, in, key, value string
		wantDB, wantPath     string
	}{
		{"url database", "postgres://u@127.0.0.1:5432/base?sslmode=disable", "dbname", "rg_x", "rg_x", ""},
		{"url dbname query", "postgresql://u@127.0.0.1/base?dbname=other", "dbname", "rg_x", "rg_x", ""},
		{"url search_path", "postgres://u@127.0.0.1:5432/base?sslmode=disable", "search_path", "rg_s,public", "base", "rg_s,public"},
		{"dsn database", "host=127.0.0.1 port=5432 user=u dbname=base", "dbname", "rg_x", "rg_x", ""},
		{"dsn search_path", "host=127.0.0.1 user=u dbname=base", "search_path", "rg_s,public", "base", "rg_s,public"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := withParam(tc.in, tc.key, tc.value)
			require.NoError(t, err)
			cfg, err := pgconn.ParseConfig(out)
			require.NoError(t, err, out)
			assert.Equal(t, tc.wantDB, cfg.Database)
			assert.Equal(t, "127.0.0.1", cfg.Host)
			assert.Equal(t, "u", cfg.User)
			assert.Equal(t, tc.wantPath, cfg.RuntimeParams["search_path"])
		})
	}

	_, err := withParam("postgres://u@[::1", "dbname", "x")
	require.ErrorContains(t, err, "parse connection URL")
	_, err = withParam("host=127.0.0.1 port=notaport", "dbname", "x")
	require.ErrorContains(t, err, "parse connection string")
}

func TestQuoteValue(t *testing.T) {
	assert.Equal(t, "'plain'", quoteValue("plain"))
	assert.Equal(t, "''", quoteValue(""))
	assert.Equal(t, `'a b\'c\\'`, quoteValue(`a b'c\`))
	cfg, err := pgconn.ParseConfig("host=127.0.0.1 application_name=" + quoteValue(`a b'c\`))
	require.NoError(t, err)
	assert.Equal(t, `a b'c\`, cfg.RuntimeParams["application_name"])
}

func TestUniqueName(t *testing.T) {
	t.Run("Sub Test/with-ODD chars_and a very long name that goes on and on", func(t *testing.T) {
		a, b := uniqueName(t), uniqueName(t)
		assert.NotEqual(t, a, b)
		for _, n := range []string{a, b} {
			assert.LessOrEqual(t, len(n), 63, n)
			assert.True(t, strings.HasPrefix(n, "rg_testuniquename_sub_test_with_odd"), n)
			assert.Equal(t, -1, strings.IndexFunc(n, func(r rune) bool {
				return (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_'
			}), n)
		}
	})
}
