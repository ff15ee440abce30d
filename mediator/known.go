package mediator

import (
	"sort"
	"sync"
)

// KnownUsers remembers the people seen at login, keyed by GitLab account,
// so that enforcement can re-check them between logins.
type KnownUsers struct {
	mu    sync.Mutex
	users map[string]Identity
}

// NewKnownUsers returns an empty set.
func NewKnownUsers() *KnownUsers { return &KnownUsers{users: map[string]Identity{}} }

// Remember records (or refreshes) a person.
func (k *KnownUsers) Remember(id Identity) {
	if id.Account() == "" {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.users[id.Account()] = id
}

// All returns the people, sorted by account.
func (k *KnownUsers) All() []Identity {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make([]Identity, 0, len(k.users))
	for _, id := range k.users {
		out = append(out, id)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Account() < out[j].Account() })
	return out
}
