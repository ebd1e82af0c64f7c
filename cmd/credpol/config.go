package main

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

// configEnv names the configuration file when --config is not given
// (CREDPOL_CONFIG is the policy commands' session file).
const configEnv = "CREDPOL_CONFIG_FILE"

// envOverrides fills every flag not given on the command line from the
// environment (CREDPOL_<FLAG_NAME>), else from the configuration file
// (--config or $CREDPOL_CONFIG_FILE), so a container or a unit file needs
// no arguments: the command line wins, then the environment, then the file.
func envOverrides(cmd *cobra.Command, _ []string) error {
	file, err := readConfig(cmd)
	if err != nil {
		return err
	}
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Changed || err != nil || f.Name == "config" {
			return
		}
		env := "CREDPOL_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("%s: %w", env, e)
			}
		} else if v, ok := file.values[f.Name]; ok {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("%s: %s: %w", file.path, f.Name, e)
			}
		}
	})
	return err
}

// config is a configuration file's settings, by flag name, as flag values.
type config struct {
	path   string
	values map[string]string
}

// readConfig reads the configuration file, if one is named: a YAML mapping
// of flag names to values (a list for a flag that takes several). One file
// serves every command, so a setting of another command is left alone; a
// name no command has is refused, as a misspelt flag would be.
func readConfig(cmd *cobra.Command) (config, error) {
	path := os.Getenv(configEnv)
	if f := cmd.Flags().Lookup("config"); f != nil && f.Changed {
		path = f.Value.String()
	}
	if path == "" {
		return config{}, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return config{}, fmt.Errorf("the configuration file: %w", err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return config{}, fmt.Errorf("%s: not a YAML mapping of settings: %w", path, err)
	}
	known := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) { known[f.Name] = true })
		c.PersistentFlags().VisitAll(func(f *pflag.Flag) { known[f.Name] = true })
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(cmd.Root())
	out := config{path: path, values: map[string]string{}}
	var unknown []string
	for name, v := range doc {
		if !known[name] {
			unknown = append(unknown, name)
			continue
		}
		switch v := v.(type) {
		case []any:
			parts := make([]string, len(v))
			for i, p := range v {
				parts[i] = fmt.Sprint(p)
			}
			out.values[name] = strings.Join(parts, ",")
		case map[string]any:
			return config{}, fmt.Errorf("%s: %s: a setting is a value or a list, not a mapping", path, name)
		case nil:
			out.values[name] = ""
		default:
			out.values[name] = fmt.Sprint(v)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return config{}, errors.New(path + ": no command has the setting " + strings.Join(unknown, ", ") +
			": settings are flag names without the dashes, e.g. database-url")
	}
	return out, nil
}
