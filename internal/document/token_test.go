package document

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestTokenIsStableWithinARunAndDiffersBetweenRuns(t *testing.T) {
	doc := func(id, region, run string) *Document {
		return &Document{Request: Request{DeploymentID: id, Region: region}, Run: run}
	}
	a := doc("demo", "us-east-1", "r1").Token("efs")
	assert.Equal(t, a, doc("demo", "us-east-1", "r1").Token("efs"), "a retry of the same run presents the same token")
	for name, other := range map[string]string{
		"another purpose":       doc("demo", "us-east-1", "r1").Token("cloudfront"),
		"another deployment id": doc("demo2", "us-east-1", "r1").Token("efs"),
		"another region":        doc("demo", "eu-west-1", "r1").Token("efs"),
		"another run":           doc("demo", "us-east-1", "r2").Token("efs"),
	} {
		assert.NotEqual(t, a, other, name)
	}
}

func TestTokenIsBoundedASCIIAndHashKeepsLongTokensDistinct(t *testing.T) {
	id, run := strings.Repeat("a", 28), NewRun(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	tokens := map[string]string{}
	for _, purpose := range []string{
		"instance-g4dn.xlarge-subnet-0123456789abcdef0",
		"instance-g4dn.xlarge-subnet-0123456789abcdef1",
	} {
		tok := (&Document{Request: Request{DeploymentID: id}, Run: run}).Token(purpose)
		assert.LessOrEqual(t, len(tok), maxTokenLen)
		assert.True(t, strings.HasPrefix(tok, "geusemaker-"+id), tok)
		for _, r := range tok {
			assert.Less(t, r, rune(128), "EC2 takes ASCII client tokens only")
		}
		tokens[tok] = purpose
	}
	assert.Len(t, tokens, 2)
}

func TestNewRunDiffersForALaterStart(t *testing.T) {
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, NewRun(start), NewRun(start))
	assert.NotEqual(t, NewRun(start), NewRun(start.Add(time.Nanosecond)))
	assert.LessOrEqual(t, len(NewRun(start)), 13)
}
