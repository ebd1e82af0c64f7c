package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/credpol/credpol/internal/storage/storetest"
)

// An import whose client stops short of its Content-Length and closes its
// side cancels the request as the body breaks off. The complete lines
// received are stored all the same, and the answer says the body broke off
// (400), counting exactly what was stored: the store did not fail.
func TestACutOffImportStoresTheLinesReceived(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			f := newFixture(t, st)
			const n = 1500
			var body strings.Builder
			for i := 0; i < n; i++ {
				first := fmt.Sprintf("9135050500%07d", i)
				fmt.Fprintf(&body, `{"uscc":"%s%c","name":"企业%d","entity_type":"company","jurisdiction":"350505","status":"operating"}`+"\n", first, checkChar(t, first), i)
			}
			conn, err := net.Dial("tcp", f.srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			fmt.Fprintf(conn, "POST /v1/enterprises/import HTTP/1.1\r\nHost: credpol\r\nAuthorization: Bearer %s\r\nContent-Type: application/x-ndjson\r\nContent-Length: %d\r\n\r\n%s",
				f.token, body.Len()+1000, body.String())
			if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var answer struct {
				Error struct {
					Code, Message string
					Details       struct{ Accepted, Rejected int }
				}
			}
			json.Unmarshal(raw, &answer)
			stored, err := st.Store.CountEnterprises(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 400 || answer.Error.Code != "malformed_body" || answer.Error.Details.Accepted != n || answer.Error.Details.Rejected != 0 {
				t.Errorf("cut-off import: %d %s", resp.StatusCode, raw)
			}
			if stored != n {
				t.Errorf("%d enterprises stored, want the %d complete lines", stored, n)
			}
			if want := fmt.Sprintf("the body could not be read from line %d on", n+1); !strings.HasPrefix(answer.Error.Message, want) {
				t.Errorf("message %q, want %q…", answer.Error.Message, want)
			}
		})
	}
}
