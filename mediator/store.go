package mediator

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// ErrNotFound is returned by Store.Take for a key that is absent, expired
// or already taken.
var ErrNotFound = errors.New("not found")

// Store holds what replicas share: short-lived login state between two
// requests that may reach different replicas (the login state between /auth
// and /callback, the code between /callback and /token), the people seen at
// login and the people the mediator blocked (hashes), and the enforcement
// lease. Every key has a TTL.
//
// Keys and hash fields are hashes (the store never sees a code, a state or
// an account name) and values are sealed with a key derived from
// AUTHZ_MEDIATOR_SECRET (the store never sees a token), so a shared store
// such as Redis can back several replicas without holding anything usable.
type Store interface {
	// Put stores value under key until ttl has passed.
	Put(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Take returns the value and removes it in one step, so that of two
	// concurrent calls only one gets it; ErrNotFound otherwise.
	Take(ctx context.Context, key string) ([]byte, error)
	// Write applies writes together (one round trip to a remote store).
	Write(ctx context.Context, writes ...Write) error
	// Fields returns the fields of the hash at key (none when absent).
	Fields(ctx context.Context, key string) (map[string][]byte, error)
	// DeleteField removes one field of the hash at key.
	DeleteField(ctx context.Context, key, field string) error
	// Acquire takes the lease for holder if nobody holds it.
	Acquire(ctx context.Context, lease, holder string, ttl time.Duration) (bool, error)
	// Renew extends the lease if holder still holds it; false when it does not.
	Renew(ctx context.Context, lease, holder string, ttl time.Duration) (bool, error)
	// Release gives the lease up if holder holds it.
	Release(ctx context.Context, lease, holder string) error
	// Ping says whether the store answers.
	Ping(ctx context.Context) error
}

// Write is one write of Store.Write. With Field empty, Value is stored under
// Key (a nil Value only refreshes Key's TTL); with Field set, Value is that
// field of the hash at Key. TTL is Key's, for a hash the whole hash's.
type Write struct {
	Key   string
	Field string
	Value []byte
	TTL   time.Duration
}

// sealer encrypts and authenticates store values (AES-256-GCM) with a key
// derived from the client secret; the store key is the associated data, so a
// value cannot be moved to another key.
type sealer struct {
	aead    cipher.AEAD
	nameKey []byte // HMAC key naming hash fields
}

func newSealer(secret string) (*sealer, error) {
	key, err := hkdf.Key(sha256.New, []byte(secret), nil, "authz-mediator login store v1", 32)
	if err != nil {
		return nil, fmt.Errorf("derive store key: %w", err)
	}
	nameKey, err := hkdf.Key(sha256.New, []byte(secret), nil, "authz-mediator field names v1", 32)
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
	return &sealer{aead: aead, nameKey: nameKey}, nil
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

// field names a hash field by a keyed hash of a low-entropy value (an
// account name), which a plain hash would let anyone reading the store guess.
func (s *sealer) field(value string) string {
	h := hmac.New(sha256.New, s.nameKey)
	h.Write([]byte(value))
	return hex.EncodeToString(h.Sum(nil))
}

// newCode returns a fresh unguessable one-time code (256 bits).
func newCode() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
