package decisionlog

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/goccy/go-json"
)

// deadLetterFile collects dead letters when the store cannot take them either.
const deadLetterFile = "dead-letters.ndjson"

// reject sets aside a record the store refused for its content.
func (l *Log) reject(e *entry, cause error) {
	raw, err := json.Marshal(e.rec)
	if err != nil {
		raw = fmt.Appendf(nil, "%+v", e.rec)
	}
	l.keepAside(e.rec.ID, raw, cause.Error())
}

// keepAside keeps raw with the reason it could not be logged: in the store's
// dead-letter table, else in a file beside the write-ahead log, else in the
// server log itself. It is counted and alarmed every time.
func (l *Log) keepAside(id string, raw []byte, reason string) {
	l.rejected.Inc()
	l.opts.Logger.Error("decision log entry refused for good; kept as a dead letter", "decision_id", id, "reason", reason)
	if dl, ok := l.sink.(DeadLetters); ok {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := dl.RejectDecision(ctx, id, raw, reason)
		cancel()
		if err == nil {
			return
		}
		l.opts.Logger.Error("the dead-letter table refused the entry too", "decision_id", id, "err", err)
	}
	if l.opts.Dir != "" {
		err := appendDeadLetter(filepath.Join(l.opts.Dir, deadLetterFile), id, raw, reason)
		if err == nil {
			return
		}
		l.opts.Logger.Error("writing the dead-letter file failed", "decision_id", id, "err", err)
	}
	l.opts.Logger.Error("dead letter kept only here", "decision_id", id, "record", string(raw))
}

func appendDeadLetter(name, id string, raw []byte, reason string) error {
	line, err := json.Marshal(map[string]string{"decision_id": id, "reason": reason, "record": string(raw),
		"rejected_at": time.Now().UTC().Format(time.RFC3339Nano)})
	if err != nil {
		return err
	}
	f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return err
	}
	_, err = f.Write(append(line, '\n'))
	if serr := f.Sync(); err == nil {
		err = serr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
