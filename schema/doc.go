// Package schema is the access-config file format: the Go types of access.yaml,
// users.yaml, groups/, roles/ and apps/, a strict loader that reports every
// problem as path:line:col relative to the config root, cross-file validation
// (references, duplicates, policies) and the compilation into the desired
// state that reconcile applies.
//
// The loader walks yaml.v3 nodes by hand rather than unmarshalling into
// structs: that keeps the position of every value, lets one run report all
// mistakes instead of the first, and keeps loading linear in the size of the
// config. Hostile input is bounded before it is decoded: files over
// MaxFileSize are not read, nesting deeper than MaxDepth and aliases that
// expand past a multiple of the file's own size are rejected.
//
// Decisions, recorded here:
//   - access.yaml is optional (defaults apply); users.yaml is required; an
//     empty group, role or app file is an error.
//   - A policy's max_duration means every member entry that grants access
//     needs an until within max_duration of now; an entry without until
//     violates it. Through a role, the effective end is the earlier of the
//     role entry's until and the role member's until.
//   - require_reason means every member entry of the group (users and roles)
//     that is not expired needs a reason; a role entry's reason covers the
//     role's members.
//   - Expired entries are never policy violations: they grant nothing.
//   - A group's own policy replaces policies.default as a whole; the two
//     are not merged.
//   - A group needs at least one current owner: a known user, a role with a
//     member whose entry has not expired, or the owners of its app.
//   - User ids, emails, Okta logins, GitLab and GitHub usernames are unique
//     without regard to case, as Okta, GitLab and GitHub compare them.
//   - email may be left out for a person without Okta access (neither email
//     nor okta); such a person cannot be a member of a group with an Okta
//     target, and needs at least one of okta, gitlab or github.
//   - A github entry without team grants org membership (member or admin);
//     with team, team membership (member or maintainer) and org membership
//     as member. A person without a github login gets nothing in GitHub
//     (Desired.GitHub.NoLogin, a plan warning). A team's parent may be
//     written in several files if they agree, and parents form no cycle.
//   - Error.Field names list items from 0 ("members[0]" is the first).
//   - In a folder, dotfiles and *.md notes are skipped; any other file that is
//     not NAME.yaml (a .yml, a subfolder, an upper-case name) is an error,
//     because a silently unread group file would be silently unmanaged.
package schema
