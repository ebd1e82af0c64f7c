package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

func loginCmd() *cobra.Command {
	var server, name string
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Start a session with a credpol server for the policy commands",
		Long: "Logs in to a server's policy lifecycle (/admin/v1) and keeps the session token and the\n" +
			"server's address in $CREDPOL_CONFIG, else ~/.config/credpol/session.json (mode 0600).\n" +
			"The password is the first line of standard input, e.g.\n" +
			"  printf '%s\\n' \"$PW\" | credpol login --server https://credpol.example --user alice\n" +
			"CREDPOL_SERVER and CREDPOL_SESSION, when set, take the place of the file (for CI).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			old, err := readSession()
			if err != nil {
				return err
			}
			server = firstOf(server, os.Getenv("CREDPOL_SERVER"), old.Server)
			if server == "" {
				return errors.New("which server? give --server URL")
			}
			if server, err = serverURL(server); err != nil {
				return err
			}
			if old.Server == server {
				name = firstOf(name, old.User)
			}
			name = firstOf(name, os.Getenv("USER"))
			if name == "" {
				return errors.New("which user? give --user NAME")
			}
			if !loopbackURL(server) && strings.HasPrefix(server, "http:") {
				fmt.Fprintf(os.Stderr, "warning: %s is plain HTTP: the password crosses the network readable\n", server)
			}
			if fi, err := os.Stdin.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
				fmt.Fprintf(os.Stderr, "password for %s at %s: ", name, server)
			}
			pw, err := readLine(os.Stdin)
			if err != nil {
				return err
			}
			var out struct {
				Token     string    `json:"token"`
				ExpiresAt time.Time `json:"expires_at"`
				User      string    `json:"user"`
			}
			c := newAdminClient(server, "")
			if _, err := c.call(cmd.Context(), http.MethodPost, "/admin/v1/login", map[string]string{"name": name, "password": pw}, &out); err != nil {
				return err
			}
			if out.Token == "" {
				return fmt.Errorf("%s answered the login without a session token", server)
			}
			path, err := writeSession(adminSession{Server: server, User: firstOf(out.User, name), Token: out.Token, ExpiresAt: out.ExpiresAt})
			if err != nil {
				return fmt.Errorf("logged in, but the session could not be kept: %w", err)
			}
			if old.Server == server && old.Token != "" {
				// The session this one replaces is of no more use; a failure only leaves it to expire.
				_, _ = newAdminClient(server, old.Token).do(cmd.Context(), http.MethodPost, "/admin/v1/logout", nil)
			}
			fmt.Printf("logged in to %s as %s until %s (session in %s)\n", server, name, out.ExpiresAt.Local().Format(time.DateTime), path)
			return nil
		},
	}
	cmd.Flags().StringVar(&server, "server", "", "the server's base URL, e.g. https://credpol.example (default: $CREDPOL_SERVER, else the last one logged in to)")
	cmd.Flags().StringVar(&name, "user", "", "user name (default: the last one logged in as, else $USER)")
	return cmd
}

func logoutCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "logout",
		Short: "End the session: the server forgets it and the session file is removed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, cerr := sessionClient()
			var serverErr error
			if cerr == nil {
				_, serverErr = c.do(cmd.Context(), http.MethodPost, "/admin/v1/logout", nil)
				var ae *apiError
				if errors.As(serverErr, &ae) && ae.Status == http.StatusUnauthorized {
					serverErr = nil // already over
				}
			}
			if os.Getenv("CREDPOL_SESSION") == "" {
				// The file goes even if the server could not be told: it
				// is the one copy of the token this machine holds.
				p, err := sessionPath()
				if err != nil {
					return err
				}
				if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
					return err
				}
			}
			if serverErr != nil {
				return fmt.Errorf("the server was not told, so the session stays valid there until it expires: %w", serverErr)
			}
			fmt.Println("logged out")
			return nil
		},
	}
}

// readLine reads one line, without its line ending.
func readLine(f *os.File) (string, error) {
	line, err := bufio.NewReader(f).ReadString('\n')
	line = strings.TrimRight(line, "\r\n")
	if err != nil && line == "" {
		return "", errors.New("no password on standard input")
	}
	return line, nil
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// loopbackURL reports whether u names this machine.
func loopbackURL(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	if p.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(p.Hostname())
	return ip != nil && ip.IsLoopback()
}
