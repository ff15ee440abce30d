package mediator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
)

// rememberTTL is how long the store keeps the people seen at login and the
// people the mediator blocked after the last write to either list. A list
// that expires (the mediator off for that long) errs on the safe side: the
// people it blocked stay blocked until an administrator unblocks them.
const rememberTTL = 180 * 24 * time.Hour

// Store keys of the two lists (hashes: one field per person).
const (
	knownKey   = "known"
	blockedKey = "blocked"
)

// rememberWrite records a person seen at login, for enforcement on
// whichever replica holds the lease; none for a person without an account.
func (m *Mediator) rememberWrite(who Identity) []Write {
	acct := strings.ToLower(who.Account())
	if acct == "" {
		return nil
	}
	field := m.seal.field(knownKey + "\x00" + acct)
	plain, _ := json.Marshal(who) // strings only: cannot fail
	return []Write{{Key: knownKey, Field: field, Value: m.seal.seal(knownKey+"\x00"+field, plain), TTL: rememberTTL}}
}

// knownPeople are the people seen at login by any replica, sorted by account.
func (m *Mediator) knownPeople(ctx context.Context) ([]Identity, error) {
	fields, err := m.store.Fields(ctx, knownKey)
	if err != nil {
		return nil, fmt.Errorf("people seen at login: %w", err)
	}
	out := make([]Identity, 0, len(fields))
	for f, sealed := range fields {
		var who Identity
		plain, err := m.seal.open(knownKey+"\x00"+f, sealed)
		if err == nil {
			err = json.Unmarshal(plain, &who)
		}
		if err != nil {
			return nil, fmt.Errorf("people seen at login: %w", err)
		}
		out = append(out, who)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Account() < out[j].Account() })
	return out, nil
}

// blockedByUs is the set of accounts (lower case) the mediator blocked.
func (m *Mediator) blockedByUs(ctx context.Context) (map[string]bool, error) {
	fields, err := m.store.Fields(ctx, blockedKey)
	if err != nil {
		return nil, fmt.Errorf("people the mediator blocked: %w", err)
	}
	out := make(map[string]bool, len(fields))
	for f, sealed := range fields {
		plain, err := m.seal.open(blockedKey+"\x00"+f, sealed)
		if err != nil {
			return nil, fmt.Errorf("people the mediator blocked: %w", err)
		}
		out[string(plain)] = true
	}
	return out, nil
}

// setBlockedByUs records (or forgets) that the mediator blocked acct.
func (m *Mediator) setBlockedByUs(ctx context.Context, acct string, blocked bool) error {
	acct = strings.ToLower(acct)
	field := m.seal.field(blockedKey + "\x00" + acct)
	if !blocked {
		return m.store.DeleteField(ctx, blockedKey, field)
	}
	return m.store.Write(ctx, Write{Key: blockedKey, Field: field,
		Value: m.seal.seal(blockedKey+"\x00"+field, []byte(acct)), TTL: rememberTTL})
}

// refreshLists pushes back the expiry of both lists (each enforcement run).
func (m *Mediator) refreshLists(ctx context.Context) error {
	return m.store.Write(ctx, Write{Key: knownKey, TTL: rememberTTL}, Write{Key: blockedKey, TTL: rememberTTL})
}

// replicaID names this process as a lease holder: host name (for people
// reading Redis) and a random part (two processes on one host differ).
func replicaID() string {
	host, _ := os.Hostname()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return host + "-" + hex.EncodeToString(b)
}

// countingStore counts a store's failures (not ErrNotFound) by operation.
type countingStore struct {
	Store
	errs interface{ inc(op string) }
}

func (c countingStore) count(op string, err error) error {
	if err != nil && !errors.Is(err, ErrNotFound) {
		c.errs.inc(op)
	}
	return err
}

func (c countingStore) Put(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return c.count("put", c.Store.Put(ctx, key, value, ttl))
}

func (c countingStore) Take(ctx context.Context, key string) ([]byte, error) {
	v, err := c.Store.Take(ctx, key)
	return v, c.count("take", err)
}

func (c countingStore) Write(ctx context.Context, writes ...Write) error {
	return c.count("write", c.Store.Write(ctx, writes...))
}

func (c countingStore) Fields(ctx context.Context, key string) (map[string][]byte, error) {
	f, err := c.Store.Fields(ctx, key)
	return f, c.count("fields", err)
}

func (c countingStore) DeleteField(ctx context.Context, key, field string) error {
	return c.count("delete_field", c.Store.DeleteField(ctx, key, field))
}

func (c countingStore) Acquire(ctx context.Context, lease, holder string, ttl time.Duration) (bool, error) {
	ok, err := c.Store.Acquire(ctx, lease, holder, ttl)
	return ok, c.count("lease", err)
}

func (c countingStore) Renew(ctx context.Context, lease, holder string, ttl time.Duration) (bool, error) {
	ok, err := c.Store.Renew(ctx, lease, holder, ttl)
	return ok, c.count("lease", err)
}

func (c countingStore) Release(ctx context.Context, lease, holder string) error {
	return c.count("lease", c.Store.Release(ctx, lease, holder))
}

func (c countingStore) Ping(ctx context.Context) error {
	return c.count("ping", c.Store.Ping(ctx))
}
