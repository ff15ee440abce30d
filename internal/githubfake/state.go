package githubfake

import (
	"strconv"
	"time"
)

// Comment is a stored issue comment, as tests read it back.
type Comment struct {
	ID   int64
	User string
	Body string
}

// Status is a stored commit status.
type Status struct {
	State, Context, Description string
}

// OpenPull creates pull request number in ownerRepo, by author, whose head
// is headSHA (based on baseSHA of main).
func (s *Server) OpenPull(ownerRepo string, number int, author, headSHA, baseSHA string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repo(ownerRepo).pulls[number] = &pull{Number: number, Author: author, Head: headSHA, HeadRef: "patch-" + strconv.Itoa(number),
		Base: baseSHA, BaseRef: "main", Title: "Pull request " + strconv.Itoa(number), State: "open"}
}

// Push moves the pull request's head to a new commit, as a push does.
func (s *Server) Push(ownerRepo string, number int, headSHA string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repo(ownerRepo).pulls[number].Head = headSHA
}

// Review submits a review by login on the pull request's current head;
// state is APPROVED, CHANGES_REQUESTED or COMMENTED. It returns the id.
func (s *Server) Review(ownerRepo string, number int, login, state string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.repo(ownerRepo).pulls[number]
	rv := &review{ID: s.id(), User: login, State: state, CommitID: p.Head, SubmittedAt: s.clock()}
	p.reviews = append(p.reviews, rv)
	return rv.ID
}

// Dismiss dismisses a review, as "Dismiss a review for a pull request" does:
// its state becomes DISMISSED.
func (s *Server) Dismiss(ownerRepo string, number int, reviewID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rv := range s.repo(ownerRepo).pulls[number].reviews {
		if rv.ID == reviewID {
			rv.State = "DISMISSED"
		}
	}
}

// AddComment stores a comment by someone else (a person in the conversation).
func (s *Server) AddComment(ownerRepo string, number int, login, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	rp := s.repo(ownerRepo)
	rp.comments[number] = append(rp.comments[number], &comment{ID: s.id(), User: login, Body: body, CreatedAt: now, UpdatedAt: now})
}

// Comments are the pull request's conversation comments, oldest first.
func (s *Server) Comments(ownerRepo string, number int) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Comment
	for _, c := range s.repo(ownerRepo).comments[number] {
		out = append(out, Comment{ID: c.ID, User: c.User, Body: c.Body})
	}
	return out
}

// Statuses are the statuses set on sha, oldest first.
func (s *Server) Statuses(ownerRepo, sha string) []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Status
	for _, st := range s.repo(ownerRepo).statuses[sha] {
		out = append(out, Status{State: st.State, Context: st.Context, Description: st.Description})
	}
	return out
}

// SetClock replaces the clock, e.g. to order reviews in time.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = now
}

func itoa(n int) string { return strconv.Itoa(n) }
