package main

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/credpol/credpol/internal/storage"
)

// --scopes takes facts scopes as well as decisions; --decisions, its older
// name, keeps working.
func TestTokenCreateScopes(t *testing.T) {
	db := filepath.Join(t.TempDir(), "credpol.db")
	run := func(args ...string) error {
		cmd := tokenCreateCmd()
		cmd.SetArgs(append(args, "--database-url", db, "--log-level", "error"))
		cmd.SetContext(context.Background())
		return cmd.Execute()
	}
	if err := run("reader", "--scopes", "facts:read,risk_class"); err != nil {
		t.Fatal(err)
	}
	if err := run("old", "--decisions", "supervision"); err != nil {
		t.Fatal(err)
	}
	if err := run("bad", "--scopes", "facts:delete"); err == nil {
		t.Error("an unknown scope was accepted")
	}
	st, err := storage.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tokens, err := st.Tokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, tk := range tokens {
		got[tk.Name] = tk.Decisions
	}
	if !slices.Equal(got["reader"], []string{"facts:read", "risk_class"}) || !slices.Equal(got["old"], []string{"supervision"}) {
		t.Errorf("stored scopes: %v", got)
	}
	if _, ok := got["bad"]; ok {
		t.Error("a token with an unknown scope was stored")
	}
}
