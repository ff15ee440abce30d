package mediator

import (
	"context"
	"errors"
)

// Source is the directory enforcement re-checks people against.
type Source interface {
	// Groups returns the person's current groups, with the names the ID
	// token carries (before group_map). ErrUnknownPerson means the directory
	// answered that there is no such person; any other error means no answer.
	Groups(ctx context.Context, who Identity) ([]string, error)
}

// ErrUnknownPerson is a directory's definite answer that a person does not exist.
var ErrUnknownPerson = errors.New("person not found in the directory")
