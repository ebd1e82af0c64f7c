// Package idempotency is the vocabulary shared by the HTTP layer and the
// store for requests sent with an Idempotency-Key: what is kept of the first
// request, so that a retry of it is answered the same without being run again.
package idempotency

import "time"

// TTL is how long a key and its answer are kept: a day covers any client's
// retries, and the key can be used afresh after it.
const TTL = 24 * time.Hour

// Abandoned is how long a request may hold its key unfinished before the
// key is taken as abandoned (the server stopped mid-request) and a retry may
// run. Longer than any request can take: the server's write timeout ends
// every request well before.
const Abandoned = 10 * time.Minute

// MaxKeyLen bounds a key, as the store's column does.
const MaxKeyLen = 255

// Entry is one key of one caller: the first request's body hash and answer.
type Entry struct {
	Caller string
	Key    string
	// BodyHash is the hex SHA-256 of what the request asked (its route,
	// query, content type and body); a retry must ask the same.
	BodyHash string
	// Status is the first answer's HTTP status; 0 while that request runs.
	Status    int
	Response  []byte // the first answer's body (JSON)
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Running reports whether the first request with the key has not answered yet.
func (e Entry) Running() bool { return e.Status == 0 }
