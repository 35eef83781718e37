package bot

import (
	"errors"
	"fmt"
)

// Error kinds shared by every package. Adapters map them to their own
// vocabulary (HTTP statuses, widget error codes) in one place.
const (
	EInvalid     = "invalid"      // the input is wrong; the message says how to fix it
	ENotFound    = "not_found"    // the thing asked for does not exist (or is not the caller's)
	EConflict    = "conflict"     // the change clashes with the current state
	ETooLong     = "too_long"     // a message exceeds the size limit
	EUnavailable = "unavailable"  // a dependency (such as the human desk) cannot serve now
	EForbidden   = "forbidden"    // the caller may not do this
	ERateLimited = "rate_limited" // the caller must slow down
	EInternal    = "internal"     // a bug or an unexpected failure
)

// Error is an error with a kind from the list above and a message that is safe
// to show to whoever made the request.
type Error struct {
	Kind    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error of the given kind.
func Errorf(kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// ErrorKind returns the kind of the first *Error in err's chain, EInternal if
// there is none, and "" for a nil err.
func ErrorKind(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return EInternal
}

// ErrorMessage returns the safe message of the first *Error in err's chain, or
// a generic text for internal errors, whose details must not leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
