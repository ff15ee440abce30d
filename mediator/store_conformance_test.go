package mediator

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The same behaviour is asked of every Store: the memory store of one
// replica and the Redis store shared by several.
func TestStoreConformance(t *testing.T) {
	stores := map[string]func(t *testing.T) Store{
		"memory": func(*testing.T) Store { return NewMemoryStore(0) },
		"redis": func(t *testing.T) Store {
			r := startRedis(t)
			t.Cleanup(func() { r.assertAllKeysExpire(t) }) // runs before the server stops
			return r.Store()
		},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Run("TakeOnce", func(t *testing.T) { storeTakeOnce(t, open(t)) })
			t.Run("Expiry", func(t *testing.T) { storeExpiry(t, open(t)) })
			t.Run("ConcurrentTake", func(t *testing.T) { storeConcurrentTake(t, open(t)) })
			t.Run("Hashes", func(t *testing.T) { storeHashes(t, open(t)) })
			t.Run("Lease", func(t *testing.T) { storeLease(t, open(t)) })
		})
	}
}

func storeTakeOnce(t *testing.T, s Store) {
	ctx := context.Background()
	if _, err := s.Take(ctx, "code:absent"); !errors.Is(err, ErrNotFound) {
		t.Errorf("absent key: %v, want ErrNotFound", err)
	}
	if err := s.Put(ctx, "code:a", []byte("v1"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, Write{Key: "code:b", Value: []byte("v2"), TTL: time.Minute},
		Write{Key: "known", Field: "f", Value: []byte("x"), TTL: time.Minute}); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"code:a": "v1", "code:b": "v2"} {
		v, err := s.Take(ctx, k)
		if err != nil || string(v) != want {
			t.Errorf("Take(%s) = %q, %v; want %q", k, v, err, want)
		}
		if _, err := s.Take(ctx, k); !errors.Is(err, ErrNotFound) {
			t.Errorf("second Take(%s): %v, want ErrNotFound", k, err)
		}
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func storeExpiry(t *testing.T, s Store) {
	ctx := context.Background()
	if err := s.Put(ctx, "code:short", []byte("v"), 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, Write{Key: "hash", Field: "f", Value: []byte("v"), TTL: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "code:touched", []byte("v"), 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, Write{Key: "code:touched", TTL: time.Minute}); err != nil { // refresh only
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	if _, err := s.Take(ctx, "code:short"); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired value: %v, want ErrNotFound", err)
	}
	if f, err := s.Fields(ctx, "hash"); err != nil || len(f) != 0 {
		t.Errorf("expired hash: %v, %v", f, err)
	}
	if v, err := s.Take(ctx, "code:touched"); err != nil || string(v) != "v" {
		t.Errorf("refreshed value: %q, %v", v, err)
	}
}

// Of many concurrent Takes of one key, exactly one succeeds.
func storeConcurrentTake(t *testing.T, s Store) {
	ctx := context.Background()
	for round := range 20 {
		key := fmt.Sprintf("code:%d", round)
		if err := s.Put(ctx, key, []byte("v"), time.Minute); err != nil {
			t.Fatal(err)
		}
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.Take(ctx, key); err == nil {
					wins.Add(1)
				} else if !errors.Is(err, ErrNotFound) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if n := wins.Load(); n != 1 {
			t.Fatalf("round %d: %d successful takes, want 1", round, n)
		}
	}
}

func storeHashes(t *testing.T, s Store) {
	ctx := context.Background()
	for _, f := range []string{"a", "b", "c"} {
		if err := s.Write(ctx, Write{Key: "blocked", Field: f, Value: []byte("v" + f), TTL: time.Minute}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteField(ctx, "blocked", "b"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteField(ctx, "absent", "b"); err != nil {
		t.Fatal(err)
	}
	got, err := s.Fields(ctx, "blocked")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || string(got["a"]) != "va" || string(got["c"]) != "vc" {
		t.Errorf("fields %q, want a and c", got)
	}
	if none, err := s.Fields(ctx, "absent"); err != nil || len(none) != 0 {
		t.Errorf("absent hash: %v %v", none, err)
	}
}

func storeLease(t *testing.T, s Store) {
	ctx := context.Background()
	ttl := 300 * time.Millisecond
	if ok, err := s.Acquire(ctx, "enforcement", "A", ttl); !ok || err != nil {
		t.Fatalf("A could not take a free lease: %v %v", ok, err)
	}
	if ok, _ := s.Acquire(ctx, "enforcement", "B", ttl); ok {
		t.Fatal("B took a held lease")
	}
	if ok, _ := s.Renew(ctx, "enforcement", "B", ttl); ok {
		t.Fatal("B renewed A's lease")
	}
	if err := s.Release(ctx, "enforcement", "B"); err != nil {
		t.Fatal(err)
	}
	for range 3 { // A renews past the first TTL: still A's
		time.Sleep(ttl / 3)
		if ok, err := s.Renew(ctx, "enforcement", "A", ttl); !ok || err != nil {
			t.Fatalf("A could not renew: %v %v", ok, err)
		}
	}
	if ok, _ := s.Acquire(ctx, "enforcement", "B", ttl); ok {
		t.Fatal("B took a renewed lease")
	}
	time.Sleep(ttl + 100*time.Millisecond) // A stops renewing: it dies
	if ok, _ := s.Renew(ctx, "enforcement", "A", ttl); ok {
		t.Fatal("A renewed an expired lease")
	}
	if ok, err := s.Acquire(ctx, "enforcement", "B", ttl); !ok || err != nil {
		t.Fatalf("B could not take the lease after its TTL: %v %v", ok, err)
	}
	if ok, _ := s.Renew(ctx, "enforcement", "A", ttl); ok {
		t.Fatal("A renewed B's lease")
	}
	if err := s.Release(ctx, "enforcement", "B"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.Acquire(ctx, "enforcement", "A", ttl); !ok {
		t.Fatal("a released lease was not free")
	}
}
