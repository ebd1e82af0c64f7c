package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The client side of /admin/v1 for login, logout and policy: where the
// session is kept, and the one place requests are sent and errors read.

// adminSession is what login keeps between commands.
type adminSession struct {
	Server    string    `json:"server"`
	User      string    `json:"user"`
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// sessionPath is $CREDPOL_CONFIG, else ~/.config/credpol/session.json.
func sessionPath() (string, error) {
	if p := os.Getenv("CREDPOL_CONFIG"); p != "" {
		return p, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no home directory for the session file (set CREDPOL_CONFIG): %w", err)
	}
	return filepath.Join(home, ".config", "credpol", "session.json"), nil
}

// readSession reads the session file; a missing file is no session, not an error.
func readSession() (adminSession, error) {
	p, err := sessionPath()
	if err != nil {
		return adminSession{}, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return adminSession{}, nil
	}
	if err != nil {
		return adminSession{}, err
	}
	var s adminSession
	if err := json.Unmarshal(b, &s); err != nil {
		return adminSession{}, fmt.Errorf("session file %s: %w (credpol login writes it again)", p, err)
	}
	return s, nil
}

// writeSession replaces the session file, readable by its owner only. The
// new file is renamed into place, so a reader never sees half of it.
func writeSession(s adminSession) (string, error) {
	p, err := sessionPath()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".session-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name()) // after the rename, there is nothing left to remove
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return "", err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return p, os.Rename(f.Name(), p)
}

// serverURL checks a server address given by a person: http or https, a host, no query.
func serverURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("server %q: give its base URL, like https://credpol.example:8443", raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// adminClient sends requests to /admin/v1 with a session.
type adminClient struct {
	server string
	token  string
	http   *http.Client
}

func newAdminClient(server, token string) *adminClient {
	// Gate runs are asynchronous, so no request waits on a whole test suite;
	// publication compiles nothing new either. A minute is generous.
	return &adminClient{server: server, token: token, http: &http.Client{Timeout: time.Minute}}
}

// sessionClient is a client for the session in use: CREDPOL_SERVER and
// CREDPOL_SESSION, each else the session file's.
func sessionClient() (*adminClient, error) {
	s, err := readSession()
	if err != nil {
		return nil, err
	}
	server, token := s.Server, s.Token
	envToken := os.Getenv("CREDPOL_SESSION")
	if v := os.Getenv("CREDPOL_SERVER"); v != "" {
		server = v
	}
	if envToken != "" {
		token = envToken
	}
	if server == "" || token == "" {
		return nil, errors.New("not logged in: run credpol login --server URL (or set CREDPOL_SERVER and CREDPOL_SESSION)")
	}
	if envToken == "" && !s.ExpiresAt.IsZero() && time.Now().After(s.ExpiresAt) {
		return nil, fmt.Errorf("the session for %s at %s ended at %s: run credpol login again", s.User, s.Server, s.ExpiresAt.Local().Format(time.DateTime))
	}
	if server, err = serverURL(server); err != nil {
		return nil, err
	}
	return newAdminClient(server, token), nil
}

// apiError is the server's error envelope, with the HTTP status it came with.
type apiError struct {
	Status    int             `json:"-"`
	Code      string          `json:"code"`
	Message   string          `json:"message"`
	Details   json.RawMessage `json:"details,omitempty"`
	RequestID string          `json:"request_id,omitempty"`
}

func (e *apiError) Error() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s: %s", e.Code, e.Message)
	if e.Status == http.StatusUnauthorized && e.Code != "login_failed" {
		sb.WriteString(" (credpol login starts a new session)")
	}
	if len(e.Details) > 0 {
		// A refusal by the gate carries its failing checks: shown as status shows them.
		var gate struct {
			Checks []gateCheck `json:"checks"`
		}
		if json.Unmarshal(e.Details, &gate) == nil && len(gate.Checks) > 0 {
			for _, ch := range gate.Checks {
				for _, p := range ch.Problems {
					sb.WriteString("\n  " + ch.Name + ": " + p.String())
				}
			}
		} else {
			var out bytes.Buffer
			if json.Compact(&out, e.Details) == nil {
				sb.WriteString("\n  details: " + out.String())
			}
		}
	}
	if e.RequestID != "" {
		fmt.Fprintf(&sb, "\n  request %s", e.RequestID)
	}
	return sb.String()
}

// errorBody is the raw JSON of an answered error, for --json.
func errorBody(err error) []byte {
	var ae *apiError
	if !errors.As(err, &ae) {
		return nil
	}
	b, _ := json.Marshal(map[string]any{"error": ae})
	return b
}

// do sends body (JSON, when not nil) to path and returns the answer's raw
// JSON; any status but 2xx is an error, the server's *apiError when it sent one.
func (c *adminClient) do(ctx context.Context, method, path string, body any) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.server+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	// Whole revisions come back as JSON: a draft may hold 32 MiB of files.
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode/100 == 2 {
		return raw, nil
	}
	var env struct {
		Error *apiError `json:"error"`
	}
	if json.Unmarshal(raw, &env) == nil && env.Error != nil && env.Error.Code != "" {
		env.Error.Status = resp.StatusCode
		return nil, env.Error
	}
	text := strings.TrimSpace(string(raw))
	if len(text) > 300 {
		text = text[:300] + "…"
	}
	return nil, fmt.Errorf("%s %s: HTTP %d from %s: %s", method, path, resp.StatusCode, c.server, text)
}

// call is do, decoding the answer into out as well.
func (c *adminClient) call(ctx context.Context, method, path string, body, out any) ([]byte, error) {
	raw, err := c.do(ctx, method, path, body)
	if err != nil {
		return nil, err
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return nil, fmt.Errorf("%s %s: the answer is not what this credpol understands: %w", method, path, err)
		}
	}
	return raw, nil
}
