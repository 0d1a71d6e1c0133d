package document

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// maxTokenLen is the shortest limit among the idempotency tokens derived
// here: EC2's ClientToken is at most 64 ASCII characters (EFS's
// CreationToken allows 64, CloudFront's CallerReference 128).
const maxTokenLen = 64

// NewRun returns the id of a deployment run that starts at now: the time
// in nanoseconds, base 36 (13 characters). A later run of the same
// deployment id (a redeploy after a destroy) always starts later, so it
// gets another id; the validate step records it once, before anything is
// created.
func NewRun(now time.Time) string { return strconv.FormatInt(now.UnixNano(), 36) }

// Token returns the idempotency token for one purpose of this run of the
// deployment in its region (EC2 ClientToken, EFS CreationToken, CloudFront
// CallerReference; the last is account-wide, hence the region). Every retry and redelivery within the run presents the
// same token, so AWS returns the resource it already created instead of a
// second one. A new run gets new tokens: AWS remembers a token long after
// its resource is gone (EC2 keeps a ClientToken's result for at least
// 24 hours after the instance terminated, CloudFront a CallerReference it
// was "already sent"), and replaying it would return the deleted resource.
//
// Tokens are ASCII, at most 64 characters: a longer one keeps its prefix
// and ends with a hash of the whole, so tokens stay distinct.
func (d *Document) Token(purpose string) string {
	t := "geusemaker-" + d.Request.DeploymentID + "-" + d.Request.Region + "-" + d.Run + "-" + purpose
	if len(t) <= maxTokenLen {
		return t
	}
	sum := sha256.Sum256([]byte(t))
	h := hex.EncodeToString(sum[:8])
	return t[:maxTokenLen-len(h)-1] + "-" + h
}
