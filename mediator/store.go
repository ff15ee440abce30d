package mediator

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrNotFound is returned by Store.Take for a key that is absent, expired
// or already taken.
var ErrNotFound = errors.New("not found")

// Store holds short-lived login state between two requests that may reach
// different replicas: the PKCE marker between /auth and /callback, and the
// provider's token response between /callback and /token.
//
// Keys are hashes (the store never sees a code) and values are sealed with a
// key derived from AUTHZ_MEDIATOR_SECRET (the store never sees a token), so a
// shared store such as Redis (SET key value PX ttl; GETDEL key) can back
// several replicas without holding anything usable.
type Store interface {
	// Put stores value under key until ttl has passed.
	Put(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Take returns the value and removes it in one step, so that of two
	// concurrent calls only one gets it; ErrNotFound otherwise.
	Take(ctx context.Context, key string) ([]byte, error)
}

// MemoryStore is the in-process Store: right for one replica, or several
// behind a load balancer with session affinity on the mediator's host.
type MemoryStore struct {
	mu        sync.Mutex
	items     map[string]memItem
	max       int
	lastSweep time.Time
	now       func() time.Time
}

type memItem struct {
	value   []byte
	expires time.Time
}

// NewMemoryStore returns a store holding at most max entries (0 = 1,000,000);
// expired entries are swept as new ones arrive, so memory stays bounded by
// the logins of one TTL.
func NewMemoryStore(max int) *MemoryStore {
	if max <= 0 {
		max = 1_000_000
	}
	return &MemoryStore{items: map[string]memItem{}, max: max, now: time.Now}
}

// ErrStoreFull is returned when a MemoryStore is at its limit.
var ErrStoreFull = errors.New("login store is full")

// Put implements Store.
func (s *MemoryStore) Put(_ context.Context, key string, value []byte, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if now.Sub(s.lastSweep) > time.Second || len(s.items) >= s.max {
		for k, it := range s.items {
			if now.After(it.expires) {
				delete(s.items, k)
			}
		}
		s.lastSweep = now
	}
	if len(s.items) >= s.max {
		return ErrStoreFull
	}
	s.items[key] = memItem{value: value, expires: now.Add(ttl)}
	return nil
}

// Take implements Store.
func (s *MemoryStore) Take(_ context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.items[key]
	if !ok {
		return nil, ErrNotFound
	}
	delete(s.items, key)
	if s.now().After(it.expires) {
		return nil, ErrNotFound
	}
	return it.value, nil
}

// Len is the number of entries held, expired ones included until swept.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.items)
}

// sealer encrypts and authenticates store values (AES-256-GCM) with a key
// derived from the client secret; the store key is the associated data, so a
// value cannot be moved to another key.
type sealer struct{ aead cipher.AEAD }

func newSealer(secret string) (*sealer, error) {
	key, err := hkdf.Key(sha256.New, []byte(secret), nil, "authz-mediator login store v1", 32)
	if err != nil {
		return nil, fmt.Errorf("derive store key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("store cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("store cipher: %w", err)
	}
	return &sealer{aead: aead}, nil
}

func (s *sealer) seal(key string, plain []byte) []byte {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails
	return s.aead.Seal(nonce, nonce, plain, []byte(key))
}

func (s *sealer) open(key string, sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("sealed value too short")
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(key))
	if err != nil {
		return nil, fmt.Errorf("open sealed value: %w", err)
	}
	return plain, nil
}

// storeKey names an entry by a hash of the secret value it is found by.
func storeKey(kind, secretValue string) string {
	sum := sha256.Sum256([]byte(kind + "\x00" + secretValue))
	return kind + ":" + hex.EncodeToString(sum[:])
}

// newCode returns a fresh unguessable one-time code (256 bits).
func newCode() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
