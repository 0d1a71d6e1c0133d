package document

import (
	"slices"
	"strings"
)

// Removal is what one family's deletions did in a rollback or a destroy:
// the state machine starts each family with NewRemoval and reports the
// result as that family's entry of the rollback report, so the report
// tells what was deleted, what was never there and what was kept, never a
// fixed "deleted".
//
// Its lists are always present (empty, not absent): the state machine's
// JSONPath reads them, and a missing field fails it with States.Runtime.
type Removal struct {
	// Status sums the lists up: RemovalDeleted when anything was deleted,
	// else RemovalAlreadyGone, RemovalKept or RemovalNothing.
	Status string `json:"status"`
	// Deleted names what the deletions removed, e.g. "VPC vpc-0abc".
	Deleted []string `json:"deleted"`
	// AlreadyGone names what the ledger or a look-up named but AWS no
	// longer had (deleted by an earlier attempt, or by hand).
	AlreadyGone []string `json:"already_gone"`
	// NeverCreated names the kinds of resource the family looked for and
	// found neither in the ledger nor by tag, e.g. "CloudFront
	// distribution" on Tier 2.
	NeverCreated []string `json:"never_created"`
	// Kept names what was not the deployment's to delete: the user's own
	// resources and the account's default VPC.
	Kept []string `json:"kept"`
}

// RollbackEntry is one family's entry of a rollback's or destroy's
// report: what its deletions did and, when they failed, the caught error
// (Status RemovalLeftBehind).
type RollbackEntry struct {
	Removal
	Error string `json:"Error,omitempty"`
	Cause string `json:"Cause,omitempty"`
}

// Removal statuses.
const (
	RemovalDeleted     = "deleted"
	RemovalAlreadyGone = "already gone"
	RemovalKept        = "kept"
	RemovalNothing     = "nothing to delete"
	// RemovalLeftBehind is the status of a family whose deletions failed:
	// the state machine writes it, with the error.
	RemovalLeftBehind = "left behind"
)

// NewRemoval is an empty record: nothing done yet.
func NewRemoval() *Removal {
	return &Removal{Status: RemovalNothing, Deleted: []string{}, AlreadyGone: []string{}, NeverCreated: []string{}, Kept: []string{}}
}

// Removed records what a deletion did with one resource: deleted, or
// already gone when AWS answered that it had none. Each record is kept
// once: an action the state machine polls records again what it saw.
func (d *Document) Removed(what string, alreadyGone bool) {
	r := d.removal()
	if alreadyGone {
		r.AlreadyGone = add(r.AlreadyGone, what)
	} else {
		r.Deleted = add(r.Deleted, what)
	}
	r.sum()
}

// NeverCreated records a kind of resource that the ledger did not hold and
// no look-up found.
func (d *Document) NeverCreated(kind string) {
	r := d.removal()
	r.NeverCreated = add(r.NeverCreated, kind)
	r.sum()
}

// Kept records a resource that was not the deployment's to delete.
func (d *Document) Kept(what string) {
	r := d.removal()
	r.Kept = add(r.Kept, what)
	r.sum()
}

// RemovedCount is how many resources the record says were deleted or
// found gone so far.
func (d *Document) RemovedCount() int {
	if d.Removal == nil {
		return 0
	}
	return len(d.Removal.Deleted) + len(d.Removal.AlreadyGone)
}

func add(list []string, item string) []string {
	if slices.Contains(list, item) {
		return list
	}
	return append(list, item)
}

// removal is the document's record, started when a deletion runs outside
// the state machine (a unit test, a local call).
func (d *Document) removal() *Removal {
	if d.Removal == nil {
		d.Removal = NewRemoval()
	}
	return d.Removal
}

func (r *Removal) sum() {
	switch {
	case len(r.Deleted) > 0:
		r.Status = RemovalDeleted
	case len(r.AlreadyGone) > 0:
		r.Status = RemovalAlreadyGone
	case len(r.Kept) > 0:
		r.Status = RemovalKept
	default:
		r.Status = RemovalNothing
	}
}

// Holding tells whether the report's entry under key says its family's
// deletions failed with owner (the kind of resource that holds network
// interfaces, e.g. "load balancer") neither deleted nor found gone: then
// the owner is still there. An empty owner means any failure of the
// family.
func (d *Document) Holding(key, owner string) bool {
	e, ok := d.Rollback[key]
	if !ok || e.Status != RemovalLeftBehind {
		return false
	}
	if owner == "" {
		return true
	}
	for _, item := range append(slices.Clone(e.Deleted), e.AlreadyGone...) {
		if strings.HasPrefix(item, owner+" ") {
			return false
		}
	}
	return true
}
