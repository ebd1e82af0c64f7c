package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/credpol/credpol/engine"
)

// Policy staff read credpol's messages in Chinese; engineers and CI logs
// often want English. Every command takes --lang (en or zh, or
// CREDPOL_LANG); without it a locale that starts with zh (LC_ALL,
// LC_MESSAGES, LANG) chooses Chinese. Errors a command returns are told
// in that language when they are printed.

type langKey struct{}

// registerLang adds --lang to root and its commands, and makes every
// command's error speak the chosen language. Call it once every command
// has been added.
func registerLang(root *cobra.Command) {
	var flag string
	root.PersistentFlags().StringVar(&flag, "lang", "", "language of messages: en or zh (default: zh when LC_ALL, LC_MESSAGES or LANG starts with zh, else en)")
	var wrap func(c *cobra.Command)
	wrap = func(c *cobra.Command) {
		if run := c.RunE; run != nil {
			c.RunE = func(cmd *cobra.Command, args []string) error {
				lang, err := chooseLang(flag)
				if err != nil {
					return err
				}
				cmd.SetContext(context.WithValue(cmd.Context(), langKey{}, lang))
				if err := run(cmd, args); err != nil {
					return toldError{err: err, lang: lang}
				}
				return nil
			}
		}
		for _, sub := range c.Commands() {
			wrap(sub)
		}
	}
	wrap(root)
}

// chooseLang is the --lang given, or the locale's.
func chooseLang(flag string) (engine.Lang, error) {
	if flag == "" {
		return engine.LangFromLocale(os.Getenv), nil
	}
	lang, ok := engine.ParseLang(flag)
	if !ok {
		return "", fmt.Errorf("--lang %q: use en or zh", flag)
	}
	return lang, nil
}

// langOf is the language the running command speaks: --lang when the root
// command chose it, else the locale's.
func langOf(ctx context.Context) engine.Lang {
	if ctx != nil {
		if lang, ok := ctx.Value(langKey{}).(engine.Lang); ok {
			return lang
		}
	}
	return engine.LangFromLocale(os.Getenv)
}

// toldError is an error as the user reads it: located policy problems in
// plain words of their language, anything else as it is.
type toldError struct {
	err  error
	lang engine.Lang
}

func (e toldError) Error() string { return engine.Explain(e.err, e.lang) }
func (e toldError) Unwrap() error { return e.err }
