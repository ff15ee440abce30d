// Package mediator is an OpenID Connect relay between an identity provider
// and GitLab, compatible with the configuration of the Apertis AuthZ
// mediator: GitLab logs in through the mediator as if it were the provider,
// and the mediator turns the person's groups into GitLab group memberships.
//
// # Flow
//
// /auth forwards the authorization request to the provider with state,
// nonce and PKCE untouched, only redirect_uri pointing at the mediator's
// /callback (and the `groups` scope added when configured). Only the
// configured `redirect` is accepted from the relying party.
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
// /auth and /callback keep nothing between them except, for PKCE logins, a
// marker keyed by state. The code issued at /callback and what it stands
// for are held in a Store for two minutes. Store keys are hashes of the
// codes and values are sealed (AES-256-GCM, key derived from
// AUTHZ_MEDIATOR_SECRET), so a shared store such as Redis can serve
// several replicas without holding any usable code or token. The default
// MemoryStore suits one replica, or several with session affinity.
// Enforcement remembers whom it blocked in memory: run it on one replica.
//
// # Membership and enforcement
//
// After an admitted login, a goroutine (never the login itself) makes the
// person's direct memberships in the GitLab groups matching included_groups
// equal to their mapped groups; see GitLabBackend. Enforcer re-checks known
// people against the directory (Okta or Microsoft Graph) and blocks in
// GitLab those no longer in required_groups.
//
// Codes, tokens and secrets are never logged.
package mediator
