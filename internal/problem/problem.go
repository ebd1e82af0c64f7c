// Package problem is the vocabulary of errors credpol reports to its callers:
// a kind that fixes the HTTP status, a stable machine code, and a message.
// Business packages return them; the HTTP layer maps kinds to statuses in one place.
package problem

import (
	"errors"
	"fmt"
)

// Kind classifies a problem by who must act on it.
type Kind int

const (
	Internal        Kind = iota // a fault of credpol or of a policy
	Malformed                   // the request cannot be read at all
	Invalid                     // the request is readable but its content is wrong
	NotFound                    // a named decision, enterprise or jurisdiction does not exist
	Unauthenticated             // no valid token
	Forbidden                   // the token may not do this
	TooLarge                    // the request exceeds a documented limit
	Unavailable                 // a dependency such as the store is down
	Conflict                    // the request clashes with another one, e.g. a reused idempotency key
	RateLimited                 // the caller sent more requests than its rate allows; retry later
)

// Error is a problem with a stable code callers can branch on.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Details any
	Err     error // the cause, for logs; never shown to callers
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// New returns a problem of kind with code and message.
func New(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// WithDetails returns a copy of e carrying details for the caller.
func (e *Error) WithDetails(details any) *Error {
	c := *e
	c.Details = details
	return &c
}

// Wrap returns a problem of kind whose cause is err.
func Wrap(kind Kind, code, message string, err error) *Error {
	return &Error{Kind: kind, Code: code, Message: message, Err: err}
}

// As returns the problem in err's chain, if any.
func As(err error) (*Error, bool) {
	var p *Error
	ok := errors.As(err, &p)
	return p, ok
}
