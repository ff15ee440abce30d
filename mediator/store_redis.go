package mediator

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisStore is the Store shared by replicas, on Redis: values with SET PX
// and GETDEL (one step, so a code is redeemed once across replicas), hashes
// with HSET and PEXPIRE in one MULTI, the lease with SET NX PX and
// compare-and-extend / compare-and-delete scripts. Every key carries a TTL.
//
// Every call is bounded by a timeout, so an unreachable Redis fails a login
// quickly instead of holding it; go-redis reconnects by itself once Redis is
// back.
type RedisStore struct {
	c       *redis.Client
	prefix  string
	timeout time.Duration
}

// redisTimeout bounds each store call: far above a loopback or LAN round
// trip (so a loaded host does not fail logins), well under what a browser
// waits.
const redisTimeout = 3 * time.Second

// OpenRedisStore connects to rawURL (redis:// or rediss:// for TLS,
// redis://[user:password@]host:port/db). password, when not empty, replaces
// the URL's. Nothing is sent until the first call.
func OpenRedisStore(rawURL, password string) (*RedisStore, error) {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", RedactURL(rawURL), err)
	}
	if password != "" {
		opt.Password = password
	}
	return NewRedisStore(opt), nil
}

// NewRedisStore wraps a client built from opt, with bounded timeouts and
// at most one retry.
func NewRedisStore(opt *redis.Options) *RedisStore {
	opt.DialTimeout = 2 * time.Second
	opt.ReadTimeout = 2 * time.Second
	opt.WriteTimeout = 2 * time.Second
	opt.PoolTimeout = 2 * time.Second
	opt.ContextTimeoutEnabled = true
	opt.MaxRetries = 1
	opt.DisableIdentity = true // no CLIENT SETINFO on each new connection
	return &RedisStore{c: redis.NewClient(opt), prefix: "authz-mediator:", timeout: redisTimeout}
}

// RedactURL hides the password of a store URL, for messages and logs.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// AddHook adds a go-redis hook (to count round trips, for example).
func (s *RedisStore) AddHook(h redis.Hook) { s.c.AddHook(h) }

// Close closes the connections.
func (s *RedisStore) Close() error { return s.c.Close() }

func (s *RedisStore) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}

// Put implements Store.
func (s *RedisStore) Put(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := s.c.Set(ctx, s.prefix+key, value, ttl).Err(); err != nil {
		return fmt.Errorf("redis SET: %w", err)
	}
	return nil
}

// Take implements Store with GETDEL (Redis 6.2 and later).
func (s *RedisStore) Take(ctx context.Context, key string) ([]byte, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	v, err := s.c.GetDel(ctx, s.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("redis GETDEL: %w", err)
	}
	return v, nil
}

// Write implements Store in one MULTI/EXEC, so a hash never exists without
// its TTL.
func (s *RedisStore) Write(ctx context.Context, writes ...Write) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	_, err := s.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, w := range writes {
			k := s.prefix + w.Key
			switch {
			case w.Field != "":
				p.HSet(ctx, k, w.Field, w.Value)
				p.PExpire(ctx, k, w.TTL)
			case w.Value == nil:
				p.PExpire(ctx, k, w.TTL)
			default:
				p.Set(ctx, k, w.Value, w.TTL)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis write: %w", err)
	}
	return nil
}

// Fields implements Store.
func (s *RedisStore) Fields(ctx context.Context, key string) (map[string][]byte, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	m, err := s.c.HGetAll(ctx, s.prefix+key).Result()
	if err != nil {
		return nil, fmt.Errorf("redis HGETALL: %w", err)
	}
	out := make(map[string][]byte, len(m))
	for k, v := range m {
		out[k] = []byte(v)
	}
	return out, nil
}

// DeleteField implements Store.
func (s *RedisStore) DeleteField(ctx context.Context, key, field string) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := s.c.HDel(ctx, s.prefix+key, field).Err(); err != nil {
		return fmt.Errorf("redis HDEL: %w", err)
	}
	return nil
}

// Acquire implements Store with SET NX PX.
func (s *RedisStore) Acquire(ctx context.Context, lease, holder string, ttl time.Duration) (bool, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	ok, err := s.c.SetNX(ctx, s.prefix+"lease:"+lease, holder, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("redis SET NX: %w", err)
	}
	return ok, nil
}

// Compare-and-extend and compare-and-delete: the check and the change must
// be one step, or a lease that expired in between would be extended or
// deleted for its new holder.
var (
	renewScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0`)
	releaseScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0`)
)

// Renew implements Store.
func (s *RedisStore) Renew(ctx context.Context, lease, holder string, ttl time.Duration) (bool, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := renewScript.Run(ctx, s.c, []string{s.prefix + "lease:" + lease}, holder, ttl.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("redis renew lease: %w", err)
	}
	return n == 1, nil
}

// Release implements Store.
func (s *RedisStore) Release(ctx context.Context, lease, holder string) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := releaseScript.Run(ctx, s.c, []string{s.prefix + "lease:" + lease}, holder).Err(); err != nil {
		return fmt.Errorf("redis release lease: %w", err)
	}
	return nil
}

// Ping implements Store.
func (s *RedisStore) Ping(ctx context.Context) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := s.c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis PING: %w", err)
	}
	return nil
}
