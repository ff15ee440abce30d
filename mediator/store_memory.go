package mediator

import (
	"context"
	"errors"
	"maps"
	"sync"
	"time"
)

// MemoryStore is the in-process Store: right for one replica, or several
// behind a load balancer with session affinity on the mediator's host (and
// enforcement enabled on one of them only).
type MemoryStore struct {
	mu        sync.Mutex
	items     map[string]memItem
	hashes    map[string]*memHash
	leases    map[string]memLease
	max       int
	lastSweep time.Time
	now       func() time.Time
}

type memItem struct {
	value   []byte
	expires time.Time
}

type memHash struct {
	fields  map[string][]byte
	expires time.Time
}

type memLease struct {
	holder  string
	expires time.Time
}

// NewMemoryStore returns a store holding at most max entries (0 = 1,000,000);
// expired entries are swept as new ones arrive, so memory stays bounded by
// the logins of one TTL.
func NewMemoryStore(max int) *MemoryStore {
	if max <= 0 {
		max = 1_000_000
	}
	return &MemoryStore{items: map[string]memItem{}, hashes: map[string]*memHash{},
		leases: map[string]memLease{}, max: max, now: time.Now}
}

// ErrStoreFull is returned when a MemoryStore is at its limit.
var ErrStoreFull = errors.New("login store is full")

// Put implements Store.
func (s *MemoryStore) Put(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return s.Write(ctx, Write{Key: key, Value: value, TTL: ttl})
}

// Write implements Store: all writes or none (when the store is full).
func (s *MemoryStore) Write(_ context.Context, writes ...Write) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if now.Sub(s.lastSweep) > time.Second || len(s.items)+len(writes) > s.max {
		s.sweep(now)
	}
	if len(s.items)+len(writes) > s.max {
		return ErrStoreFull
	}
	for _, w := range writes {
		exp := now.Add(w.TTL)
		switch {
		case w.Field != "":
			h := s.hash(w.Key, now)
			if h == nil {
				h = &memHash{fields: map[string][]byte{}}
				s.hashes[w.Key] = h
			}
			h.fields[w.Field] = w.Value
			h.expires = exp
		case w.Value == nil:
			if it, ok := s.items[w.Key]; ok && now.Before(it.expires) {
				it.expires = exp
				s.items[w.Key] = it
			} else if h := s.hash(w.Key, now); h != nil {
				h.expires = exp
			}
		default:
			s.items[w.Key] = memItem{value: w.Value, expires: exp}
		}
	}
	return nil
}

func (s *MemoryStore) sweep(now time.Time) {
	for k, it := range s.items {
		if !now.Before(it.expires) {
			delete(s.items, k)
		}
	}
	for k, h := range s.hashes {
		if !now.Before(h.expires) {
			delete(s.hashes, k)
		}
	}
	s.lastSweep = now
}

// hash returns the live hash at key, or nil.
func (s *MemoryStore) hash(key string, now time.Time) *memHash {
	h := s.hashes[key]
	if h == nil || !now.Before(h.expires) {
		delete(s.hashes, key)
		return nil
	}
	return h
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
	if !s.now().Before(it.expires) {
		return nil, ErrNotFound
	}
	return it.value, nil
}

// Fields implements Store.
func (s *MemoryStore) Fields(_ context.Context, key string) (map[string][]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hash(key, s.now())
	if h == nil {
		return map[string][]byte{}, nil
	}
	return maps.Clone(h.fields), nil
}

// DeleteField implements Store.
func (s *MemoryStore) DeleteField(_ context.Context, key, field string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h := s.hash(key, s.now()); h != nil {
		delete(h.fields, field)
		if len(h.fields) == 0 {
			delete(s.hashes, key)
		}
	}
	return nil
}

// Acquire implements Store.
func (s *MemoryStore) Acquire(_ context.Context, lease, holder string, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if l, ok := s.leases[lease]; ok && now.Before(l.expires) {
		return false, nil
	}
	s.leases[lease] = memLease{holder: holder, expires: now.Add(ttl)}
	return true, nil
}

// Renew implements Store.
func (s *MemoryStore) Renew(_ context.Context, lease, holder string, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	l, ok := s.leases[lease]
	if !ok || l.holder != holder || !now.Before(l.expires) {
		return false, nil
	}
	s.leases[lease] = memLease{holder: holder, expires: now.Add(ttl)}
	return true, nil
}

// Release implements Store.
func (s *MemoryStore) Release(_ context.Context, lease, holder string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l, ok := s.leases[lease]; ok && l.holder == holder {
		delete(s.leases, lease)
	}
	return nil
}

// Ping implements Store: memory always answers.
func (s *MemoryStore) Ping(context.Context) error { return nil }

// Len is the number of entries held (values and hashes), expired ones
// included until swept.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.items) + len(s.hashes)
}
