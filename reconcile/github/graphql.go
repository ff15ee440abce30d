package github

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	gh "github.com/google/go-github/v60/github"
)

// GraphQL reads, sent through go-github's client (NewRequest + Do) so that
// authentication, the base transport and the rate-limit bookkeeping are the
// REST client's. The queries ask 100 nodes per connection, GitHub's
// maximum, and rateLimit { cost remaining resetAt } so that the cost of a
// run is logged ("Rate limits and node limits for the GraphQL API").

const orgMembersQuery = `query($org: String!, $after: String) {
  organization(login: $org) {
    membersWithRole(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { role node { databaseId login } }
    }
  }
  rateLimit { cost remaining resetAt }
}`

const teamsQuery = `query($org: String!, $after: String) {
  organization(login: $org) {
    teams(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes {
        databaseId slug privacy
        parentTeam { slug }
        members(first: 100, membership: IMMEDIATE) {
          pageInfo { hasNextPage endCursor }
          edges { role node { databaseId login } }
        }
      }
    }
  }
  rateLimit { cost remaining resetAt }
}`

const teamMembersQuery = `query($org: String!, $slug: String!, $after: String) {
  organization(login: $org) {
    team(slug: $slug) {
      members(first: 100, after: $after, membership: IMMEDIATE) {
        pageInfo { hasNextPage endCursor }
        edges { role node { databaseId login } }
      }
    }
  }
  rateLimit { cost remaining resetAt }
}`

type pageInfo struct {
	HasNextPage bool    `json:"hasNextPage"`
	EndCursor   *string `json:"endCursor"`
}

type memberEdge struct {
	Role string `json:"role"`
	Node *struct {
		DatabaseID int64  `json:"databaseId"`
		Login      string `json:"login"`
	} `json:"node"`
}

type memberConn struct {
	PageInfo pageInfo     `json:"pageInfo"`
	Edges    []memberEdge `json:"edges"`
}

type teamNode struct {
	DatabaseID int64  `json:"databaseId"`
	Slug       string `json:"slug"`
	Privacy    string `json:"privacy"`
	ParentTeam *struct {
		Slug string `json:"slug"`
	} `json:"parentTeam"`
	Members *memberConn `json:"members"`
}

type rateLimit struct {
	Cost      int    `json:"cost"`
	Remaining int    `json:"remaining"`
	ResetAt   string `json:"resetAt"`
}

type gqlError struct {
	Type    string `json:"type"`
	Message string `json:"message"`
	Path    []any  `json:"path"`
}

// errGraphQLLimited marks a GraphQL answer refused for the primary limit.
var errGraphQLLimited = errors.New("GraphQL rate limit")

// errOrgNotFound: the organization does not resolve.
var errOrgNotFound = errors.New("organization not found")

// query runs one GraphQL request and decodes data into out. Any entry in
// errors fails it: a partial answer (a team whose members are null) must
// never read as an empty team. The one exception is NOT_FOUND on the
// organization itself, returned as errOrgNotFound.
func (p *Provider) query(ctx context.Context, what, q string, vars map[string]any, out any) error {
	var rl rateLimit
	_, err := p.do(ctx, what, false, func(ctx context.Context) (*gh.Response, error) {
		req, err := p.api.NewRequest("POST", p.graphQL, map[string]any{"query": q, "variables": vars})
		if err != nil {
			return nil, err
		}
		var body struct {
			Data   json.RawMessage `json:"data"`
			Errors []gqlError      `json:"errors"`
		}
		resp, err := p.api.Do(ctx, req, &body)
		if err != nil {
			if len(body.Errors) > 0 && body.Errors[0].Type == "RATE_LIMITED" {
				return resp, fmt.Errorf("%w: %s: %w", errGraphQLLimited, body.Errors[0].Message, err)
			}
			return resp, err
		}
		if len(body.Errors) > 0 {
			for _, e := range body.Errors {
				if e.Type == "RATE_LIMITED" {
					return resp, fmt.Errorf("%w: %s", errGraphQLLimited, e.Message)
				}
			}
			if len(body.Errors) == 1 && body.Errors[0].Type == "NOT_FOUND" && len(body.Errors[0].Path) == 1 && body.Errors[0].Path[0] == "organization" {
				return resp, permanent{errOrgNotFound}
			}
			return resp, permanent{fmt.Errorf("GraphQL errors: %s", joinErrors(body.Errors))}
		}
		var envelope struct {
			RateLimit *rateLimit `json:"rateLimit"`
		}
		if err := json.Unmarshal(body.Data, &envelope); err == nil && envelope.RateLimit != nil {
			rl = *envelope.RateLimit
		}
		if err := json.Unmarshal(body.Data, out); err != nil {
			return resp, permanent{fmt.Errorf("decoding GraphQL data: %w", err)}
		}
		return resp, nil
	})
	if errors.Is(err, errOrgNotFound) {
		return errOrgNotFound
	}
	if err != nil {
		return err
	}
	p.log.Debug("github graphql", "request", what, "cost", rl.Cost, "remaining", rl.Remaining, "reset_at", rl.ResetAt)
	return nil
}

func joinErrors(es []gqlError) string {
	var parts []string
	for _, e := range es {
		s := e.Message
		if len(e.Path) > 0 {
			s = fmt.Sprintf("%v: %s", e.Path, s)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// permanent marks an error that a retry cannot fix although the HTTP
// status was 200 (GraphQL errors, data of the wrong shape).
type permanent struct{ error }

func (e permanent) Unwrap() error { return e.error }

type orgMember struct {
	id    int64
	login string
	role  string // lower case: member | admin | maintainer
}

// readOrgMembers reads every member of org with their role.
func (p *Provider) readOrgMembers(ctx context.Context, org string) ([]orgMember, error) {
	var out []orgMember
	var after *string
	for page := 1; ; page++ {
		var data struct {
			Organization *struct {
				MembersWithRole memberConn `json:"membersWithRole"`
			} `json:"organization"`
		}
		if err := p.query(ctx, fmt.Sprintf("read members of %s (page %d)", org, page), orgMembersQuery,
			map[string]any{"org": org, "after": after}, &data); err != nil {
			return nil, err
		}
		if data.Organization == nil {
			return nil, errOrgNotFound
		}
		c := data.Organization.MembersWithRole
		out = appendEdges(out, c.Edges)
		if !c.PageInfo.HasNextPage {
			return out, nil
		}
		if c.PageInfo.EndCursor == nil {
			return nil, fmt.Errorf("read members of %s: a next page without a cursor", org)
		}
		after = c.PageInfo.EndCursor
	}
}

func appendEdges(out []orgMember, edges []memberEdge) []orgMember {
	for _, e := range edges {
		if e.Node != nil {
			out = append(out, orgMember{id: e.Node.DatabaseID, login: e.Node.Login, role: strings.ToLower(e.Role)})
		}
	}
	return out
}

type teamRead struct {
	id      int64
	slug    string
	privacy string
	parent  string
	members []orgMember
}

// readTeams reads every team of org with its immediate members, following
// each team's own member cursor past its first 100.
func (p *Provider) readTeams(ctx context.Context, org string) ([]*teamRead, error) {
	var out []*teamRead
	var after *string
	for page := 1; ; page++ {
		var data struct {
			Organization *struct {
				Teams struct {
					PageInfo pageInfo   `json:"pageInfo"`
					Nodes    []teamNode `json:"nodes"`
				} `json:"teams"`
			} `json:"organization"`
		}
		if err := p.query(ctx, fmt.Sprintf("read teams of %s (page %d)", org, page), teamsQuery,
			map[string]any{"org": org, "after": after}, &data); err != nil {
			return nil, err
		}
		if data.Organization == nil {
			return nil, errOrgNotFound
		}
		for _, n := range data.Organization.Teams.Nodes {
			if n.Members == nil {
				return nil, fmt.Errorf("read teams of %s: team %q came without its members", org, n.Slug)
			}
			t := &teamRead{id: n.DatabaseID, slug: strings.ToLower(n.Slug), privacy: n.Privacy, members: appendEdges(nil, n.Members.Edges)}
			if n.ParentTeam != nil {
				t.parent = n.ParentTeam.Slug
			}
			if n.Members.PageInfo.HasNextPage {
				more, err := p.readTeamMembers(ctx, org, n.Slug, n.Members.PageInfo.EndCursor)
				if err != nil {
					return nil, err
				}
				t.members = append(t.members, more...)
			}
			out = append(out, t)
		}
		c := data.Organization.Teams.PageInfo
		if !c.HasNextPage {
			return out, nil
		}
		if c.EndCursor == nil {
			return nil, fmt.Errorf("read teams of %s: a next page without a cursor", org)
		}
		after = c.EndCursor
	}
}

func (p *Provider) readTeamMembers(ctx context.Context, org, slug string, after *string) ([]orgMember, error) {
	var out []orgMember
	for page := 2; ; page++ {
		if after == nil {
			return nil, fmt.Errorf("read members of team %s/%s: a next page without a cursor", org, slug)
		}
		var data struct {
			Organization *struct {
				Team *struct {
					Members memberConn `json:"members"`
				} `json:"team"`
			} `json:"organization"`
		}
		if err := p.query(ctx, fmt.Sprintf("read members of team %s/%s (page %d)", org, slug, page), teamMembersQuery,
			map[string]any{"org": org, "slug": slug, "after": after}, &data); err != nil {
			return nil, err
		}
		if data.Organization == nil || data.Organization.Team == nil {
			return nil, fmt.Errorf("read members of team %s/%s: the team disappeared while being read", org, slug)
		}
		c := data.Organization.Team.Members
		out = appendEdges(out, c.Edges)
		if !c.PageInfo.HasNextPage {
			return out, nil
		}
		after = c.PageInfo.EndCursor
	}
}
