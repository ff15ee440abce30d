package githubfake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// graphql answers POST /graphql for the part of GitHub's schema the
// provider reads (docs.github.com/en/graphql/reference): Query.organization,
// Query.user, Query.rateLimit; Organization.membersWithRole, .teams, .team;
// Team.members(membership: IMMEDIATE|CHILD_TEAM|ALL), .parentTeam,
// .privacy; connections with totalCount, pageInfo, edges (with role) and
// nodes. It copies "Rate limits and node limits for the GraphQL API":
//   - every connection needs first or last, 1 to 100;
//   - a query may touch at most 500,000 nodes (the product of first/last
//     down each path, summed);
//   - its cost is the number of requests the connections imply (each one
//     the product of its ancestors' first/last), divided by 100 and
//     rounded, at least 1 point; rateLimit { cost remaining resetAt } says
//     so, and x-ratelimit-* headers carry resource "graphql";
//   - an exhausted budget is 403 with x-ratelimit-remaining 0 and an
//     errors entry of type RATE_LIMITED;
//   - a field that fails to resolve is null in data with an entry in errors
//     naming its path (partial data); an unknown field fails the query.
func (s *Server) graphql(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	op, err := parseGraphQL(body.Query)
	if err != nil {
		writeJSON(w, http.StatusOK, map[string]any{"errors": []map[string]any{{"message": "Parse error: " + err.Error()}}})
		return
	}
	vars := map[string]any{}
	for k, v := range op.vars {
		vars[k] = v
	}
	for k, v := range body.Variables {
		if f, ok := v.(float64); ok && f == math.Trunc(f) {
			v = int(f)
		}
		vars[k] = v
	}
	c := &gqlCtx{s: s, vars: vars}
	nodes, requests, err := c.measure(op.sel, 1)
	if err != nil {
		writeJSON(w, http.StatusOK, map[string]any{"errors": []map[string]any{{"message": err.Error(), "type": "INVALID_ARGUMENTS"}}})
		return
	}
	if nodes > 500000 {
		writeJSON(w, http.StatusOK, map[string]any{"errors": []map[string]any{{"type": "MAX_NODE_LIMIT_EXCEEDED",
			"message": fmt.Sprintf("This query requests up to %d possible nodes which exceeds the maximum limit of 500,000.", nodes)}}})
		return
	}
	c.cost = max(1, int(math.Round(float64(requests)/100)))

	s.mu.Lock()
	defer s.mu.Unlock()
	o, l, now := s.st(), s.lim(), s.clock()
	if !now.Before(o.gql.resetAt) {
		o.gql = budget{resetAt: now.Add(60 * l.Minute)}
	}
	h := w.Header()
	setHeaders := func() {
		h.Set("X-RateLimit-Limit", strconv.Itoa(l.GraphQLPoints))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(max(l.GraphQLPoints-o.gql.used, 0)))
		h.Set("X-RateLimit-Used", strconv.Itoa(o.gql.used))
		h.Set("X-RateLimit-Reset", strconv.FormatInt(o.gql.resetAt.Unix(), 10))
		h.Set("X-RateLimit-Resource", "graphql")
	}
	if o.gql.used+c.cost > l.GraphQLPoints {
		setHeaders()
		h.Set("X-RateLimit-Remaining", "0")
		writeJSON(w, http.StatusForbidden, map[string]any{"errors": []map[string]any{{"type": "RATE_LIMITED",
			"message": "API rate limit exceeded for user ID 1."}}})
		return
	}
	o.gql.used += c.cost
	c.remaining, c.resetAt, c.nodes = l.GraphQLPoints-o.gql.used, o.gql.resetAt, nodes
	c.partial = s.partialFault()
	setHeaders()
	data := c.object("Query", nil, op.sel, nil)
	resp := map[string]any{"data": data}
	if len(c.errs) > 0 {
		resp["errors"] = c.errs
	}
	writeJSON(w, http.StatusOK, resp)
}

type gqlCtx struct {
	s         *Server
	vars      map[string]any
	errs      []map[string]any
	cost      int
	remaining int
	nodes     int
	resetAt   time.Time
	partial   *Fault // FaultGraphQLPartial: fail the next team's members
}

var connections = map[string]bool{"membersWithRole": true, "teams": true, "members": true}

func (c *gqlCtx) arg(f *gqlField, name string) any {
	v := f.args[name]
	if vr, ok := v.(gqlVar); ok {
		return c.vars[string(vr)]
	}
	return v
}

func (c *gqlCtx) str(f *gqlField, name string) string {
	s, _ := c.arg(f, name).(string)
	return s
}

// pageSize checks a connection's first/last.
func (c *gqlCtx) pageSize(f *gqlField) (int, error) {
	first, hasFirst := c.arg(f, "first").(int)
	last, hasLast := c.arg(f, "last").(int)
	switch {
	case !hasFirst && !hasLast:
		return 0, fmt.Errorf("You must provide a `first` or `last` value to properly paginate the `%s` connection.", f.name)
	case hasFirst && (first < 1 || first > 100):
		return 0, fmt.Errorf("Requesting %d records on the `%s` connection exceeds the `first` limit of 100 records.", first, f.name)
	case hasLast && (last < 1 || last > 100):
		return 0, fmt.Errorf("Requesting %d records on the `%s` connection exceeds the `last` limit of 100 records.", last, f.name)
	case hasFirst:
		return first, nil
	}
	return last, nil
}

// measure walks the selection: nodes and requests under a parent that
// stands for mult objects.
func (c *gqlCtx) measure(sel []*gqlField, mult int) (nodes, requests int, err error) {
	for _, f := range sel {
		m := mult
		if connections[f.name] {
			n, err := c.pageSize(f)
			if err != nil {
				return 0, 0, err
			}
			requests += mult
			m = mult * n
			nodes += m
		}
		n, r, err := c.measure(f.sel, m)
		if err != nil {
			return 0, 0, err
		}
		nodes, requests = nodes+n, requests+r
	}
	return nodes, requests, nil
}

func (c *gqlCtx) fail(path []any, msg, typ string) {
	e := map[string]any{"message": msg, "path": append([]any(nil), path...), "locations": []map[string]int{{"line": 1, "column": 1}}}
	if typ != "" {
		e["type"] = typ
	}
	c.errs = append(c.errs, e)
}

// object resolves a selection on one object of type typ.
func (c *gqlCtx) object(typ string, obj any, sel []*gqlField, path []any) map[string]any {
	out := map[string]any{}
	for _, f := range sel {
		p := append(append([]any(nil), path...), f.alias)
		out[f.alias] = c.resolve(typ, obj, f, p)
	}
	return out
}

type memberRef struct {
	a    *account
	role string
}

type connection struct {
	edgeType, nodeType string
	items              []memberRef // for member connections
	teams              []*team
	g                  *org
}

func (c *gqlCtx) resolve(typ string, obj any, f *gqlField, path []any) any {
	s := c.s
	if f.name == "__typename" {
		return typ
	}
	switch typ + "." + f.name {
	case "Query.rateLimit":
		return c.object("RateLimit", nil, f.sel, path)
	case "RateLimit.cost":
		return c.cost
	case "RateLimit.remaining":
		return c.remaining
	case "RateLimit.limit":
		return s.lim().GraphQLPoints
	case "RateLimit.used":
		return s.lim().GraphQLPoints - c.remaining
	case "RateLimit.resetAt":
		return ts(c.resetAt)
	case "RateLimit.nodeCount":
		return c.nodes
	case "Query.organization":
		g := s.org(c.str(f, "login"))
		if g == nil {
			c.fail(path, fmt.Sprintf("Could not resolve to an Organization with the login of '%s'.", c.str(f, "login")), "NOT_FOUND")
			return nil
		}
		return c.object("Organization", g, f.sel, path)
	case "Query.user":
		a := s.st().account(c.str(f, "login"))
		if a == nil {
			c.fail(path, fmt.Sprintf("Could not resolve to a User with the login of '%s'.", c.str(f, "login")), "NOT_FOUND")
			return nil
		}
		return c.object("User", a, f.sel, path)
	case "Organization.login":
		return obj.(*org).login
	case "Organization.databaseId":
		return obj.(*org).id
	case "Organization.membersWithRole":
		g := obj.(*org)
		var items []memberRef
		for id, role := range g.members {
			items = append(items, memberRef{s.st().accounts[id], strings.ToUpper(role)})
		}
		return c.connection(connection{edgeType: "OrganizationMemberEdge", nodeType: "User", items: items}, f, path)
	case "Organization.teams":
		g := obj.(*org)
		var teams []*team
		for _, t := range g.teams {
			teams = append(teams, t)
		}
		return c.connection(connection{edgeType: "TeamEdge", nodeType: "Team", teams: teams, g: g}, f, path)
	case "Organization.team":
		g := obj.(*org)
		t := g.teams[strings.ToLower(c.str(f, "slug"))]
		if t == nil {
			return nil // GitHub answers null without an error for a missing team
		}
		return c.object("Team", [2]any{g, t}, f.sel, path)
	case "Team.databaseId", "Team.id", "Team.slug", "Team.name", "Team.privacy", "Team.parentTeam", "Team.members":
		pair := obj.([2]any)
		g, t := pair[0].(*org), pair[1].(*team)
		switch f.name {
		case "databaseId":
			return t.id
		case "id":
			return nodeID("Team", t.id)
		case "slug":
			return t.slug
		case "name":
			return t.name
		case "privacy":
			if t.privacy == "secret" {
				return "SECRET"
			}
			return "VISIBLE"
		case "parentTeam":
			if p := teamByID(g, t.parent); p != nil {
				return c.object("Team", [2]any{g, p}, f.sel, path)
			}
			return nil
		}
		if c.partial != nil && c.partial.Count > 0 {
			c.partial.Count--
			c.fail(path, "Something went wrong while executing your query. Please include `ABCD:1234` when reporting this issue.", "")
			return nil
		}
		return c.connection(connection{edgeType: "TeamMemberEdge", nodeType: "User", items: c.teamMembers(g, t, c.str(f, "membership"))}, f, path)
	case "User.login":
		return obj.(*account).login
	case "User.databaseId":
		return obj.(*account).id
	case "User.id":
		return nodeID("User", obj.(*account).id)
	case "User.name":
		return obj.(*account).login
	}
	c.fail(path, fmt.Sprintf("Field '%s' doesn't exist on type '%s'", f.name, typ), "undefinedField")
	return nil
}

// teamMembers lists a team's members for membership IMMEDIATE, CHILD_TEAM
// or ALL (the default), with role MAINTAINER or MEMBER; org owners are
// maintainers, as in the REST API.
func (c *gqlCtx) teamMembers(g *org, t *team, membership string) []memberRef {
	ids := map[int64]bool{}
	if membership != "CHILD_TEAM" {
		for id := range t.members {
			ids[id] = true
		}
	}
	if membership != "IMMEDIATE" {
		var walk func(p *team)
		walk = func(p *team) {
			for _, ch := range g.teams {
				if ch.parent == p.id {
					for id := range ch.members {
						ids[id] = true
					}
					walk(ch)
				}
			}
		}
		walk(t)
	}
	var out []memberRef
	for id := range ids {
		role := teamRole(g, t, id)
		if role == "" {
			role = RoleMember
		}
		out = append(out, memberRef{c.s.st().accounts[id], strings.ToUpper(role)})
	}
	return out
}

func cursor(i int) string {
	return base64.StdEncoding.EncodeToString([]byte("cursor:v2:" + strconv.Itoa(i)))
}

func fromCursor(s string) (int, bool) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(b), "cursor:v2:") {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), "cursor:v2:"))
	return n, err == nil && n >= 0
}

// connection pages a list (ordered by id) with first/after.
func (c *gqlCtx) connection(conn connection, f *gqlField, path []any) any {
	n := len(conn.items) + len(conn.teams)
	sort.Slice(conn.items, func(i, j int) bool { return conn.items[i].a.id < conn.items[j].a.id })
	sort.Slice(conn.teams, func(i, j int) bool { return conn.teams[i].id < conn.teams[j].id })
	start := 0
	if after := c.str(f, "after"); after != "" {
		i, ok := fromCursor(after)
		if !ok {
			c.fail(path, fmt.Sprintf("`%s` does not appear to be a valid cursor.", after), "INVALID_CURSOR_ARGUMENTS")
			return nil
		}
		start = i + 1
	}
	size, _ := c.pageSize(f)
	start = min(start, n)
	end := min(start+size, n)
	node := func(i int) (string, any) {
		if conn.teams != nil {
			return "Team", [2]any{conn.g, conn.teams[i]}
		}
		return "User", conn.items[i].a
	}
	out := map[string]any{}
	for _, sf := range f.sel {
		p := append(append([]any(nil), path...), sf.alias)
		switch sf.name {
		case "totalCount":
			out[sf.alias] = n
		case "pageInfo":
			pi := map[string]any{}
			for _, pf := range sf.sel {
				switch pf.name {
				case "hasNextPage":
					pi[pf.alias] = end < n
				case "hasPreviousPage":
					pi[pf.alias] = start > 0
				case "endCursor":
					pi[pf.alias] = nil
					if end > start {
						pi[pf.alias] = cursor(end - 1)
					}
				case "startCursor":
					pi[pf.alias] = nil
					if end > start {
						pi[pf.alias] = cursor(start)
					}
				default:
					c.fail(append(p, pf.alias), fmt.Sprintf("Field '%s' doesn't exist on type 'PageInfo'", pf.name), "undefinedField")
				}
			}
			out[sf.alias] = pi
		case "nodes":
			list := []any{}
			for i := start; i < end; i++ {
				typ, obj := node(i)
				list = append(list, c.object(typ, obj, sf.sel, append(p, i-start)))
			}
			out[sf.alias] = list
		case "edges":
			list := []any{}
			for i := start; i < end; i++ {
				edge := map[string]any{}
				for _, ef := range sf.sel {
					switch ef.name {
					case "cursor":
						edge[ef.alias] = cursor(i)
					case "role":
						edge[ef.alias] = conn.items[i].role
					case "node":
						typ, obj := node(i)
						edge[ef.alias] = c.object(typ, obj, ef.sel, append(p, i-start, ef.alias))
					default:
						c.fail(append(p, i-start, ef.alias), fmt.Sprintf("Field '%s' doesn't exist on type '%s'", ef.name, conn.edgeType), "undefinedField")
					}
				}
				list = append(list, edge)
			}
			out[sf.alias] = list
		default:
			c.fail(p, fmt.Sprintf("Field '%s' doesn't exist on this connection", sf.name), "undefinedField")
		}
	}
	return out
}
