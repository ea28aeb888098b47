package approval

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Validate reports why r cannot be submitted for approval, as an error
// wrapping ErrInvalidRequest, or nil. A request needs an id, the hex SHA-256
// of its call and a requester with a subject; Quorum and GrantWindow must not
// be negative.
func (r *Request) Validate() error {
	switch {
	case r == nil:
		return fmt.Errorf("%w: nil request", ErrInvalidRequest)
	case r.ID == "":
		return fmt.Errorf("%w: missing id", ErrInvalidRequest)
	case r.Requester.Subject == "":
		return fmt.Errorf("%w: request %s: missing requester subject", ErrInvalidRequest, r.ID)
	case r.CallHash == "":
		return fmt.Errorf("%w: request %s: missing call hash", ErrInvalidRequest, r.ID)
	case !isSHA256Hex(r.CallHash):
		return fmt.Errorf("%w: request %s: call hash is not a hex SHA-256", ErrInvalidRequest, r.ID)
	case r.Quorum < 0:
		return fmt.Errorf("%w: request %s: negative quorum %d", ErrInvalidRequest, r.ID, r.Quorum)
	case r.GrantWindow < 0:
		return fmt.Errorf("%w: request %s: negative grant window %s", ErrInvalidRequest, r.ID, r.GrantWindow)
	}
	return nil
}

// quorum is the number of distinct approvals r needs.
func (r *Request) quorum() int { return max(r.Quorum, 1) }

// Eligible reports whether approver may decide r: it is not the requester
// and, when r names ApproverGroups, belongs to at least one of them. The
// error wraps ErrInvalidDecision, ErrSelfApproval or ErrNotEligible.
func (r *Request) Eligible(approver Party) error {
	if approver.Subject == "" {
		return fmt.Errorf("%w: approver has no subject", ErrInvalidDecision)
	}
	if approver.ID() == r.Requester.ID() {
		return fmt.Errorf("%w: %s on request %s", ErrSelfApproval, approver.ID(), r.ID)
	}
	if len(r.ApproverGroups) == 0 {
		return nil
	}
	for _, g := range approver.Groups {
		if slices.Contains(r.ApproverGroups, g) {
			return nil
		}
	}
	return fmt.Errorf("%w: %s is in none of %v", ErrNotEligible, approver.ID(), r.ApproverGroups)
}

func isSHA256Hex(s string) bool {
	if len(s) != hex.EncodedLen(32) {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// clone returns a deep copy of r, so that neither the caller nor an observer
// can change what the queue holds.
func (r *Request) clone() Request {
	c := *r
	c.Requester = r.Requester.clone()
	c.Resources = slices.Clone(r.Resources)
	c.ApproverGroups = slices.Clone(r.ApproverGroups)
	return c
}

func (p Party) clone() Party {
	p.Groups = slices.Clone(p.Groups)
	p.Roles = slices.Clone(p.Roles)
	return p
}

func (d Decision) clone() Decision {
	d.Votes = slices.Clone(d.Votes)
	for i := range d.Votes {
		d.Votes[i].Approver = d.Votes[i].Approver.clone()
	}
	return d
}

// grantKey names what a just-in-time grant covers: the same requester (and
// tenant), kind, operation and set of resources, held by the same rule under
// the same approval requirements. A grant opened under weaker requirements
// therefore never covers a request that demands more.
func (r *Request) grantKey() string {
	var b strings.Builder
	field := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	set := func(in []string) {
		s := slices.Clone(in)
		slices.Sort(s)
		s = slices.Compact(s)
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte('[')
		for _, v := range s {
			field(v)
		}
	}
	// Issuer and subject separately: ID() joins them with '#', which either
	// may contain.
	field(r.Requester.Issuer)
	field(r.Requester.Subject)
	field(r.Requester.Tenant)
	field(r.Kind)
	field(r.Operation)
	set(r.Resources)
	field(r.Rule)
	field(strconv.Itoa(r.quorum()))
	set(r.ApproverGroups)
	return b.String()
}
