// Package mediator is an OpenID Connect relay between an identity provider
// and GitLab, compatible with the configuration of the Apertis AuthZ
// mediator: GitLab logs in through the mediator as if it were the provider,
// and the mediator turns the person's groups into GitLab group memberships.
//
// # Flow
//
// /auth forwards the authorization request to the provider with state,
// nonce and PKCE untouched, only redirect_uri pointing at the mediator's
// /callback (and the `groups` scope added when configured). The relying
// party may send the configured `redirect` or the mediator's own /callback
// (what the GitLab example of the Apertis AuthZ mediator README sends);
// nothing else. The login ends at `redirect` either way, and /token checks
// the redirect_uri the login started with.
//
// /callback receives the provider's code. Without PKCE (GitLab's default)
// the mediator, which is the provider's OAuth client, redeems the code at
// once, verifies the ID token with go-oidc (signature, issuer, audience =
// id, expiry) and applies required_groups; a refused login goes back to the
// relying party as error=access_denied. The relying party then receives a
// new one-time code of the mediator's, and /token returns the provider's
// token response unchanged for it. With PKCE only the relying party's
// verifier can redeem the provider's code, so the mediator keeps that code
// and redeems it at /token with the verifier passed through; a refusal is
// then an invalid_grant token error.
//
// # Replicas
//
// Everything a login keeps between requests lives in a Store: the login
// state between /auth and /callback (only for PKCE or a redirect_uri other
// than `redirect`, keyed by state), and the code issued at /callback with
// what it stands for, for two minutes, taken in one step at /token so it
// works once. The people seen at login and the people the mediator blocked
// are kept there too. Store keys are hashes of the codes and states, hash
// fields keyed hashes of account names, and values are sealed (AES-256-GCM,
// key derived from AUTHZ_MEDIATOR_SECRET), so the store holds nothing
// usable. MemoryStore suits one replica; RedisStore (`store: redis://...`)
// lets any replica serve any step of a login. A store that fails fails the
// login with temporarily_unavailable, never a hang (every call is bounded).
//
// # Membership and enforcement
//
// After an admitted login, a goroutine (never the login itself) makes the
// person's direct memberships in the GitLab groups matching included_groups
// equal to their mapped groups; see GitLabBackend. Enforcer re-checks known
// people against the directory (Okta or Microsoft Graph) and blocks in
// GitLab those no longer in required_groups, on one replica at a time: the
// holder of a lease in the store, which checks it still holds it before
// each block or unblock.
//
// Codes, tokens and secrets are never logged.
package mediator
